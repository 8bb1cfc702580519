/// What simulated customers and agents say, per language, and the churn phrases the default
/// rules look for (with the case and accent variety real chats have).
enum Catalogue {
    static let languages = ["en", "de", "it", "nl", "id"]

    static let regions: [String: [String]] = [
        "en": ["uk", "us-east", "us-west", "ie"], "de": ["de", "at", "ch"], "it": ["it"], "nl": ["nl", "be"], "id": ["id"],
    ]

    static let customerLines: [String: [String]] = [
        "en": ["Hi, my last bill is higher than usual.", "The router keeps dropping the connection.", "Can you check my order status?",
               "I was charged twice this month.", "Thanks, that helps.", "How long will this take?", "This is the third time I'm asking."],
        "de": ["Hallo, meine Rechnung ist zu hoch.", "Das Internet fällt ständig aus.", "Wo ist meine Bestellung?",
               "Mir wurde doppelt abgebucht.", "Danke, das hilft.", "Wie lange dauert das noch?"],
        "it": ["Buongiorno, la bolletta è troppo alta.", "Il modem si disconnette sempre.", "Dov'è il mio ordine?",
               "Mi avete addebitato due volte.", "Grazie mille.", "Quanto ci vuole ancora?"],
        "nl": ["Hallo, mijn rekening is te hoog.", "De verbinding valt steeds weg.", "Waar blijft mijn bestelling?",
               "Ik ben twee keer afgeschreven.", "Bedankt, dat helpt.", "Hoe lang duurt dit nog?"],
        "id": ["Halo, tagihan saya terlalu tinggi.", "Internet saya sering putus.", "Di mana pesanan saya?",
               "Saya ditagih dua kali.", "Terima kasih banyak.", "Berapa lama lagi?"],
    ]

    static let agentLines: [String: [String]] = [
        "en": ["Let me check that for you.", "I'm sorry about the trouble.", "I've applied the correction.", "Is there anything else?"],
        "de": ["Ich schaue kurz nach.", "Das tut mir leid.", "Ich habe es korrigiert.", "Kann ich sonst noch helfen?"],
        "it": ["Controllo subito.", "Mi dispiace per il disagio.", "Ho corretto l'addebito.", "Posso aiutarla in altro?"],
        "nl": ["Ik kijk het even na.", "Excuses voor het ongemak.", "Ik heb het aangepast.", "Kan ik nog iets doen?"],
        "id": ["Saya cek dulu.", "Mohon maaf atas ketidaknyamanannya.", "Sudah saya perbaiki.", "Ada lagi yang bisa dibantu?"],
    ]

    static let churnLines: [String: [String]] = [
        "en": ["That's it, I want to cancel my subscription.", "I WANT TO CANCEL. Now.", "Please close my account, I am leaving."],
        "de": ["Ich will kündigen!", "ICH MÖCHTE KÜNDIGEN, sofort.", "Reicht mir, ich will kundigen."],
        "it": ["Basta, voglio disdire.", "Voglio disdire il contratto!", "VOGLIO DISDIRE."],
        "nl": ["Ik wil opzeggen.", "Dit is genoeg, ik wil opzeggen!", "Ik zeg op, abonnement opzeggen graag."],
        "id": ["Saya mau berhenti berlangganan.", "Sudah cukup, saya mau berhenti!", "SAYA MAU BERHENTI."],
    ]

    /// Contact-center sites handling the traffic (carried as an attribute, as platforms do).
    static let sites = ["lisbon-1", "dublin-2", "berlin-1", "milan-1", "amsterdam-1", "jakarta-1"]

    static let flags = ["rude", "script_deviation", "long_silence"]
    static let flagSources = ["speech_analytics", "qa"]
}
