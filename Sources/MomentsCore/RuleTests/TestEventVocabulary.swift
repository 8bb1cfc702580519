/// The words of a test event line (`+130s connected a-7`): short names for event types, and for
/// each type the data field its one value fills, so most events fit on one line.
enum TestEventVocabulary {
    /// Short name → type. The contract names (`agent.connected`) are accepted as well.
    static let shortNames: [(name: String, type: EventType)] = [
        ("started", .interactionStarted), ("queued", .interactionQueued), ("connected", .agentConnected),
        ("hold.started", .holdStarted), ("hold.ended", .holdEnded), ("transferred", .interactionTransferred),
        ("escalated", .interactionEscalated), ("message", .messageSent), ("sentiment", .sentimentScored),
        ("flagged", .agentFlagged), ("ended", .interactionEnded), ("survey", .surveySubmitted),
    ]

    static func type(named name: String) -> EventType? {
        if let t = shortNames.first(where: { $0.name == name })?.type { return t }
        let t = EventType(name: name)
        return t.isKnown ? t : nil
    }

    /// The field that the value after the type fills: `queued billing`, `ended abandoned`,
    /// `sentiment -0.8`, `message I want to cancel` (the rest of the line).
    static func valueField(of type: EventType) -> String? {
        switch type {
        case .interactionQueued: return "queue"
        case .agentConnected: return "agent"
        case .interactionTransferred: return "to_queue"
        case .interactionEscalated: return "to"
        case .messageSent: return "text"
        case .sentimentScored: return "score"
        case .agentFlagged: return "flag"
        case .interactionEnded: return "reason"
        case .surveySubmitted: return "csat"
        default: return nil
        }
    }

    /// Fields any event may carry (envelope), besides the data fields of its type.
    static let envelopeFields = ["interaction", "customer", "channel", "queue", "agent", "attributes", "id"]

    /// Data fields each type accepts, as the event contract defines them.
    static func dataFields(of type: EventType) -> [String] {
        switch type {
        case .interactionTransferred: return ["to_queue"]
        case .interactionEscalated: return ["to"]
        case .messageSent: return ["sender", "text"]
        case .sentimentScored: return ["score"]
        case .agentFlagged: return ["flag", "source"]
        case .interactionEnded: return ["reason"]
        case .surveySubmitted: return ["csat"]
        default: return []
        }
    }

    /// Data fields the contract requires (the decoder refuses the event without them). `sender`
    /// is not listed: it defaults to `customer`.
    static func requiredDataFields(of type: EventType) -> [String] {
        switch type {
        case .messageSent: return ["text"]
        case .sentimentScored: return ["score"]
        case .agentFlagged: return ["flag"]
        case .interactionEnded: return ["reason"]
        case .surveySubmitted: return ["csat"]
        default: return []
        }
    }
}
