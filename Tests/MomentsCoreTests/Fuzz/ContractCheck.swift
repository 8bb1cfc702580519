@testable import MomentsCore

/// What every decoded event must satisfy, whatever bytes it came from: the canonical contract
/// the engine relies on.
enum ContractCheck {
    static func violations(_ e: Event) -> String? {
        if e.eventID.isEmpty || e.interactionID.isEmpty || e.customerID.isEmpty { return "an empty id in \(e)" }
        if e.occurredAt < VendorTime.earliest || e.occurredAt >= VendorTime.latest { return "time \(e.occurredAt.milliseconds) out of range" }
        if e.queue == "" || e.agentID == "" { return "an empty queue or agent (should be nil)" }
        switch e.type {
        case .interactionEnded:
            guard let r = e.data.reason, ["resolved", "abandoned", "unresolved"].contains(r) else { return "ended without a valid reason" }
        case .agentFlagged:
            guard let f = e.data.flag, !f.isEmpty else { return "agent.flagged without a flag" }
        case .sentimentScored:
            guard let s = e.data.score, (-1...1).contains(s) else { return "score out of -1..1" }
        case .surveySubmitted:
            guard let c = e.data.csat, (1...5).contains(c) else { return "csat out of 1..5" }
        case .messageSent:
            guard e.data.sender == "customer" || e.data.sender == "agent", e.data.text != nil else { return "message without sender or text" }
        default: break
        }
        return nil
    }
}
