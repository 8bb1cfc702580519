/// A simulated customer. Attributes derive from the seed and the customer number alone, so a
/// customer keeps the same tier, language and region in every contact and in every run.
struct Customer: Sendable {
    let number: Int
    let id: String
    let tier: String
    let language: String
    let region: String
    let segment: String
    let site: String

    init(number: Int, seed: UInt64) {
        // A generator of its own per customer: looking a customer up never disturbs the main stream.
        var r = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(number))
        let tierRoll = r.unit()
        var languageRoll = r.unit()
        var language = Catalogue.languages.last!.code
        for (code, share) in Catalogue.languages {
            if languageRoll < share { language = code; break }
            languageRoll -= share
        }
        self.number = number
        self.id = "c-" + String(number)
        self.tier = tierRoll < 0.10 ? "gold" : tierRoll < 0.35 ? "silver" : "standard"
        self.language = language
        self.region = r.pick(Catalogue.regions[language]!)
        self.segment = r.chance(0.2) ? "business" : "consumer"
        self.site = r.pick(Catalogue.sites)
    }
}
