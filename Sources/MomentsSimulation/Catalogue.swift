/// What simulated customers and agents say, per language, and the churn phrases the default
/// rules look for — with the case, punctuation and missing-accent variety real chats have, so
/// the detector's folding is exercised rather than flattered.
enum Catalogue {
    /// Languages with their share of customers (an EMEA/APAC operator with an English majority).
    static let languages: [(code: String, share: Double)] = [("en", 0.40), ("de", 0.20), ("it", 0.15), ("nl", 0.15), ("id", 0.10)]

    static let regions: [String: [String]] = [
        "en": ["uk", "ie", "us-east", "us-west"], "de": ["de", "at", "ch"], "it": ["it", "ch"], "nl": ["nl", "be"], "id": ["id"],
    ]

    /// The customer's first message: the reason for the contact.
    static let openers: [String: [String]] = [
        "en": ["Hi, my last bill is higher than usual.", "The router keeps dropping the connection.", "Can you check my order status?",
               "I was charged twice this month.", "My package never arrived.", "hi, I can't log in to my account"],
        "de": ["Hallo, meine Rechnung ist zu hoch.", "Das Internet fällt ständig aus.", "Wo ist meine Bestellung?",
               "Mir wurde doppelt abgebucht.", "Ich komme nicht in mein Konto."],
        "it": ["Buongiorno, la bolletta è troppo alta.", "Il modem si disconnette sempre.", "Dov'è il mio ordine?",
               "Mi avete addebitato due volte.", "Non riesco ad accedere al mio account."],
        "nl": ["Hallo, mijn rekening is te hoog.", "De verbinding valt steeds weg.", "Waar blijft mijn bestelling?",
               "Ik ben twee keer afgeschreven.", "Ik kan niet inloggen."],
        "id": ["Halo, tagihan saya terlalu tinggi.", "Internet saya sering putus.", "Di mana pesanan saya?",
               "Saya ditagih dua kali.", "Saya tidak bisa masuk ke akun saya."],
    ]

    /// The customer, mid-conversation.
    static let customerLines: [String: [String]] = [
        "en": ["How long will this take?", "OK, I'll wait.", "The order number is 48213.", "It started last Tuesday.", "ok"],
        "de": ["Wie lange dauert das noch?", "Okay, ich warte.", "Die Bestellnummer ist 48213.", "Seit letztem Dienstag.", "ok"],
        "it": ["Quanto ci vuole ancora?", "Va bene, aspetto.", "Il numero d'ordine è 48213.", "Da martedì scorso.", "ok"],
        "nl": ["Hoe lang duurt dit nog?", "Oké, ik wacht.", "Het ordernummer is 48213.", "Sinds vorige dinsdag.", "ok"],
        "id": ["Berapa lama lagi?", "Baik, saya tunggu.", "Nomor pesanannya 48213.", "Sejak Selasa lalu.", "ok"],
    ]

    /// The customer coming back about the same problem.
    static let repeatLines: [String: [String]] = [
        "en": ["This is the third time I'm asking.", "I already called about this yesterday."],
        "de": ["Ich frage jetzt zum dritten Mal.", "Ich habe deswegen schon angerufen."],
        "it": ["È la terza volta che chiedo.", "Ho già chiamato per questo."],
        "nl": ["Dit is de derde keer dat ik het vraag.", "Ik heb hier al over gebeld."],
        "id": ["Ini ketiga kalinya saya tanya.", "Saya sudah menelepon soal ini."],
    ]

    /// The customer's last message: content when resolved, not when it is not.
    static let thanks: [String: [String]] = [
        "en": ["Thanks, that helps.", "Perfect, thank you!", "great, thanks"],
        "de": ["Danke, das hilft.", "Super, vielen Dank!"],
        "it": ["Grazie mille.", "Perfetto, grazie!"],
        "nl": ["Bedankt, dat helpt.", "Top, dank je!"],
        "id": ["Terima kasih banyak.", "Oke, makasih!"],
    ]
    static let stillBroken: [String: [String]] = [
        "en": ["So it's still not fixed?", "This is not what I asked for."],
        "de": ["Also immer noch nicht gelöst?", "Das hilft mir nicht."],
        "it": ["Quindi non è ancora risolto?", "Non mi serve a niente."],
        "nl": ["Dus het is nog steeds niet opgelost?", "Hier heb ik niets aan."],
        "id": ["Jadi masih belum beres?", "Ini tidak membantu."],
    ]

    static let agentLines: [String: [String]] = [
        "en": ["Let me check that for you.", "I'm sorry about the trouble.", "I've applied the correction.", "Could you confirm your postcode?"],
        "de": ["Ich schaue kurz nach.", "Das tut mir leid.", "Ich habe es korrigiert.", "Können Sie Ihre Postleitzahl bestätigen?"],
        "it": ["Controllo subito.", "Mi dispiace per il disagio.", "Ho corretto l'addebito.", "Può confermare il CAP?"],
        "nl": ["Ik kijk het even na.", "Excuses voor het ongemak.", "Ik heb het aangepast.", "Kunt u uw postcode bevestigen?"],
        "id": ["Saya cek dulu.", "Mohon maaf atas ketidaknyamanannya.", "Sudah saya perbaiki.", "Boleh konfirmasi kode posnya?"],
    ]

    /// Churn phrases. Each contains a phrase of the default rules (config/moments.yaml) once
    /// folded: lower case, accents stripped ("kundigen" is how many type "kündigen").
    static let churnLines: [String: [String]] = [
        "en": ["That's it, I want to cancel my subscription.", "I WANT TO CANCEL. Now.", "Please close my account, I am leaving.",
               "i want to cancel my subscription!!"],
        "de": ["Ich will kündigen!", "ICH MÖCHTE KÜNDIGEN, sofort.", "Reicht mir, ich will kundigen.", "Dann will ich den Vertrag kündigen."],
        "it": ["Basta, voglio disdire.", "Voglio disdire il contratto!", "VOGLIO DISDIRE.", "voglio annullare tutto"],
        "nl": ["Ik wil opzeggen.", "Dit is genoeg, ik wil opzeggen!", "Ik zeg op, abonnement opzeggen graag.", "IK WIL OPZEGGEN"],
        "id": ["Saya mau berhenti berlangganan.", "Sudah cukup, saya mau berhenti!", "SAYA MAU BERHENTI.", "saya ingin berhenti aja"],
    ]

    /// Contact-center sites handling the traffic (carried as an attribute, as platforms do).
    static let sites = ["lisbon-1", "dublin-2", "berlin-1", "milan-1", "amsterdam-1", "jakarta-1"]

    /// Flags other than "rude", raised by QA or speech analytics.
    static let otherFlags = ["script_deviation", "long_silence", "compliance_miss"]
    static let flagSources = ["speech_analytics", "qa"]
}
