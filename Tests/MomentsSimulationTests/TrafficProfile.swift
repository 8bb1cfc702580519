import MomentsCore
import MomentsSimulation

/// What a stretch of simulated traffic looks like, measured the way the default rules see it:
/// shares per interaction, and when each kind of moment first becomes visible.
struct TrafficProfile {
    var interactions = 0
    var ended = 0
    var abandoned = 0
    var waits: [Int64] = []           // ms, queued -> connected (first queue only)
    var holds: [Int64] = []           // ms, per hold
    var transfers: [String: Int] = [:]
    var escalated = 0
    var rude = 0
    var negative = 0                  // interactions with a score below -0.6
    var chats = 0
    var churnChats = 0
    var resolved = 0
    var fastResolutions = 0           // resolved within 5 min of the first connect
    var surveys = 0
    var topCSAT = 0
    var repeatCustomers = 0           // customers with >= 3 starts within 24 h
    var minutes = 0.0
    /// Minutes after the start at which each moment was first visible.
    var firstSeen: [String: Double] = [:]

    static let churnWords = ["cancel", "kündigen", "kundigen", "disdire", "opzeggen", "zeg op", "berhenti", "close my account", "i am leaving"]

    init(_ stream: [SimulatedEvent], start: Timestamp) throws {
        let decoder = EventDecoder()
        var queuedAt: [String: Timestamp] = [:]
        var firstConnect: [String: Timestamp] = [:]
        var holdAt: [String: Timestamp] = [:]
        var transferCount: [String: Int] = [:]
        var negativeSeen: Set<String> = []
        var churnSeen: Set<String> = []
        var starts: [String: [Timestamp]] = [:]
        func seen(_ moment: String, _ t: Timestamp) {
            if firstSeen[moment] == nil { firstSeen[moment] = Double((t - start).milliseconds) / 60_000 }
        }
        for line in stream {
            let e = try decoder.decode(line.json).get()
            let id = e.interactionID
            switch e.type {
            case .interactionStarted:
                interactions += 1
                if e.channel == .chat { chats += 1 }
                starts[e.customerID, default: []].append(e.occurredAt)
                let recent = starts[e.customerID]!.filter { e.occurredAt - $0 <= .hours(24) }
                if recent.count == 3 { repeatCustomers += 1; seen("repeat-contact", e.occurredAt) }
            case .interactionQueued:
                if queuedAt[id] == nil, firstConnect[id] == nil { queuedAt[id] = e.occurredAt }
            case .agentConnected:
                if firstConnect[id] == nil {
                    firstConnect[id] = e.occurredAt
                    if let q = queuedAt[id] {
                        waits.append((e.occurredAt - q).milliseconds)
                        if e.occurredAt - q > .seconds(120) { seen("long-wait", e.occurredAt) }
                    }
                }
            case .holdStarted: holdAt[id] = e.occurredAt
            case .holdEnded:
                if let h = holdAt.removeValue(forKey: id) {
                    holds.append((e.occurredAt - h).milliseconds)
                    if e.occurredAt - h > .seconds(60) { seen("long-hold", e.occurredAt) }
                }
            case .interactionTransferred:
                transferCount[id, default: 0] += 1
                if transferCount[id] == 2 { seen("multi-transfer", e.occurredAt) }
            case .interactionEscalated: escalated += 1; seen("escalation", e.occurredAt)
            case .agentFlagged where e.data.flag == "rude": rude += 1; seen("rude-agent", e.occurredAt)
            case .sentimentScored where (e.data.score ?? 0) < -0.6:
                if negativeSeen.insert(id).inserted { negative += 1 }
                seen("negative-sentiment", e.occurredAt)
            case .messageSent where e.data.sender == "customer":
                let text = (e.data.text ?? "").lowercased()
                if Self.churnWords.contains(where: { text.contains($0) }), churnSeen.insert(id).inserted {
                    churnChats += 1
                    seen("churn-phrase", e.occurredAt)
                }
            case .interactionEnded:
                ended += 1
                switch e.data.reason {
                case "abandoned": abandoned += 1; seen("abandoned", e.occurredAt)
                case "resolved":
                    resolved += 1
                    if let c = firstConnect[id], e.occurredAt - c <= .minutes(5) {
                        fastResolutions += 1
                        seen("fast-resolution", e.occurredAt)
                    }
                default: break
                }
            case .surveySubmitted:
                surveys += 1
                if e.data.csat == 5 { topCSAT += 1; seen("top-csat", e.occurredAt) }
            default: break
            }
        }
        for (_, n) in transferCount { transfers[n >= 2 ? "2+" : "1", default: 0] += 1 }
        if let last = stream.last { minutes = Double((last.occurredAt - start).milliseconds) / 60_000 }
    }

    func share(_ n: Int, of d: Int) -> Double { d == 0 ? 0 : Double(n) / Double(d) }
    var longWaitShare: Double { share(waits.filter { $0 > 120_000 }.count, of: waits.count) }
    var longHoldShare: Double { share(holds.filter { $0 > 60_000 }.count, of: holds.count) }

    var summary: String {
        func p(_ x: Double) -> String { String(Double(Int(x * 1000)) / 10) + " %" }
        return """
            \(interactions) interactions over \(Int(minutes)) min (\(Int(Double(interactions) / max(minutes, 1))) / min), \(ended) ended
            abandoned \(p(share(abandoned, of: ended))), waits > 120 s \(p(longWaitShare)), holds > 60 s \(p(longHoldShare)) of \(holds.count)
            transfers: one \(p(share(transfers["1"] ?? 0, of: interactions))), two+ \(p(share(transfers["2+"] ?? 0, of: interactions)))
            escalated \(p(share(escalated, of: interactions))), rude \(p(share(rude, of: interactions))), negative sentiment \(p(share(negative, of: interactions)))
            churn in \(p(share(churnChats, of: chats))) of \(chats) chats, resolved \(p(share(resolved, of: ended))), fast resolutions \(p(share(fastResolutions, of: ended)))
            surveys \(p(share(surveys, of: ended))), top csat \(p(share(topCSAT, of: surveys))), customers with 3+ contacts in 24 h: \(repeatCustomers)
            first seen (min): \(firstSeen.sorted { $0.value < $1.value }.map { "\($0.key) \(Double(Int($0.value * 10)) / 10)" }.joined(separator: ", "))
            """
    }
}
