import MomentsCore
import MomentsSimulation
import Testing

/// The traffic looks like a contact center: the shares the brief of the demo asks for, measured.
@Suite struct TrafficMixTests {
    static let profile = try! TrafficProfile(Sample.events, start: Sample.options.start)

    @Test func printTheProfile() {
        print("simulator profile, seed 7, \(Sample.events.count) events:\n\(Self.profile.summary)")
    }

    @Test func everyTypeLanguageAndChannelAppears() throws {
        let decoder = EventDecoder()
        let events = try Sample.events.map { try decoder.decode($0.json).get() }
        #expect(Set(events.map(\.type)) == Set(EventType.known))
        #expect(Set(events.compactMap { $0.attributes["language"] }) == ["en", "de", "it", "nl", "id"])
        #expect(Set(events.map(\.channel)) == [.voice, .chat])
        #expect(Set(events.compactMap(\.queue)) == Set(Sample.options.queues))
        #expect(Self.profile.churnChats > 0)
    }

    @Test func churnPhrasesComeInEveryLanguage() throws {
        let decoder = EventDecoder()
        var languages: Set<String> = []
        var variants: Set<String> = []
        for e in TrafficSimulator.events(options: Sample.options, count: 120_000) where e.type == "message.sent" {
            let event = try decoder.decode(e.json).get()
            guard event.data.sender == "customer", let text = event.data.text,
                  TrafficProfile.churnWords.contains(where: { text.lowercased().contains($0) }) else { continue }
            languages.insert(event.attributes["language"]!)
            variants.insert(text)
        }
        #expect(languages == ["en", "de", "it", "nl", "id"])
        #expect(variants.count >= 10)
        #expect(variants.contains { $0 == $0.uppercased() }, "some shouting")
        #expect(variants.contains { $0.contains("kundigen") }, "some missing accents")
    }

    @Test func sharesAreInPlausibleBands() {
        let p = Self.profile
        #expect(p.interactions > 1000)
        #expect((0.03...0.12).contains(p.longWaitShare), "waits over 120 s: \(p.longWaitShare)")
        #expect((0.02...0.08).contains(p.share(p.abandoned, of: p.ended)), "abandoned")
        #expect((0.04...0.20).contains(p.longHoldShare), "holds over 60 s: \(p.longHoldShare)")
        #expect((0.06...0.17).contains(p.share(p.transfers["1"] ?? 0, of: p.interactions)), "one transfer")
        #expect((0.01...0.08).contains(p.share(p.transfers["2+"] ?? 0, of: p.interactions)), "two or more transfers")
        #expect((0.01...0.06).contains(p.share(p.escalated, of: p.interactions)), "escalations")
        #expect((0.003...0.04).contains(p.share(p.rude, of: p.interactions)), "rude flags")
        #expect((0.02...0.15).contains(p.share(p.negative, of: p.interactions)), "negative sentiment")
        #expect(p.share(p.fastResolutions, of: p.ended) > 0.2, "fast first-contact resolutions are common")
        #expect((0.2...0.5).contains(p.share(p.surveys, of: p.ended)), "surveys")
    }

    @Test func longWaitsAreAbandonedMoreOften() throws {
        var short = (n: 0, abandoned: 0), long = (n: 0, abandoned: 0)
        for (_, events) in try Sample.byInteraction(Sample.events) where events.count > 2 {
            let queued = events[1].occurredAt, outcome = events[2]
            guard outcome.type == .agentConnected || outcome.type == .interactionEnded else { continue }
            let abandoned = outcome.type == .interactionEnded ? 1 : 0
            if outcome.occurredAt - queued > .seconds(120) { long.n += 1; long.abandoned += abandoned } else { short.n += 1; short.abandoned += abandoned }
        }
        #expect(long.n > 20 && short.n > 500)
        #expect(Double(long.abandoned) / Double(long.n) > 2 * Double(short.abandoned) / Double(short.n))
    }

    @Test func topScoresFollowFastResolutions() throws {
        var fast: [Int] = [], unresolved: [Int] = []
        for (_, events) in try Sample.byInteraction(Sample.events) {
            guard let csat = events.last(where: { $0.type == .surveySubmitted })?.data.csat,
                  let connected = events.first(where: { $0.type == .agentConnected }),
                  let ended = events.first(where: { $0.type == .interactionEnded }) else { continue }
            if ended.data.reason == "resolved", ended.occurredAt - connected.occurredAt <= .minutes(5) { fast.append(csat) }
            if ended.data.reason == "unresolved" { unresolved.append(csat) }
        }
        func top(_ scores: [Int]) -> Double { Double(scores.filter { $0 == 5 }.count) / Double(max(1, scores.count)) }
        #expect(fast.count > 50 && unresolved.count > 20)
        #expect(top(fast) > 0.45)
        #expect(top(unresolved) < 0.15)
    }

    @Test func someCustomersContactUsThreeTimesInADay() {
        // Chance alone does not do it (200,000 customers); call-backs after unsolved contacts do.
        #expect(Self.profile.repeatCustomers >= 2)
        let starts = Sample.events.filter { $0.type == "interaction.started" }
        let perCustomer = Dictionary(grouping: starts, by: \.key).mapValues(\.count)
        let share = Double(perCustomer.values.filter { $0 >= 3 }.count) / Double(perCustomer.count)
        #expect(share < 0.02, "repeat callers are a small set: \(share)")
    }

    @Test func goldIsAboutOneCustomerInTen() throws {
        let decoder = EventDecoder()
        var tiers: [String: String] = [:]
        for e in Sample.events { tiers[e.key] = try decoder.decode(e.json).get().attributes["tier"] }
        let gold = Double(tiers.values.filter { $0 == "gold" }.count) / Double(tiers.count)
        #expect(tiers.count > 1000)
        #expect((0.06...0.14).contains(gold), "gold share \(gold)")
    }

    @Test func arrivalsPerMinuteCountEveryStartedInteraction() {
        // Once call-backs have built up (after the first hour), starts per minute match the option.
        var options = Sample.options
        options.arrivalsPerMinute = 30
        var sim = TrafficSimulator(options: options)
        var starts = 0
        let from = options.start + .minutes(90), to = options.start + .minutes(210)
        while true {
            let e = sim.next()
            if e.occurredAt >= to { break }
            if e.occurredAt >= from, e.type == "interaction.started" { starts += 1 }
        }
        let perMinute = Double(starts) / 120
        #expect((26...34).contains(perMinute), "\(perMinute) started per minute")
    }
}
