import Foundation
@testable import MomentsCore

/// Builds events for one interaction at offsets from a fixed start, so tests read like a script.
struct Script {
    var start = RFC3339.parse("2026-11-24T09:00:00Z")!
    var interaction = "i-1"
    var customer = "c-1"
    var channel = Channel.voice
    var queue: String? = "billing"
    var agent: String? = nil
    var attributes: Attributes = [:]
    private static let counter = Counter()

    func at(_ seconds: Double, _ type: EventType, data: EventData = EventData(), id: String? = nil) -> Event {
        Event(
            eventID: id ?? "\(interaction)-\(Script.counter.next())", type: type,
            occurredAt: start + Duration(milliseconds: Int64(seconds * 1000)),
            interactionID: interaction, customerID: customer, channel: channel, queue: queue, agentID: agent,
            data: data, attributes: attributes)
    }

    func time(_ seconds: Double) -> Timestamp { start + Duration(milliseconds: Int64(seconds * 1000)) }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
}

enum Fixtures {
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func defaultRules() throws -> RuleSet {
        let path = root.appendingPathComponent("config/moments.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try RulesParser.parse(yaml: text, file: path).get()
    }

    static func rules(_ yaml: String) throws -> RuleSet {
        try RulesParser.parse(yaml: yaml, file: "test.yaml").get()
    }

    static func errors(_ yaml: String) -> [ConfigError] {
        switch RulesParser.parse(yaml: yaml, file: "test.yaml") {
        case .success: return []
        case .failure(let e): return e.errors
        }
    }
}

extension Array where Element == Output {
    var ids: [String] { map(\.id) }
    var alerts: [Alert] { compactMap { if case .alert(let a) = $0 { return a } else { return nil } } }
    var recoveries: [RecoveryAction] { compactMap { if case .recovery(let r) = $0 { return r } else { return nil } } }
    var coaching: [CoachingSignal] { compactMap { if case .coaching(let c) = $0 { return c } else { return nil } } }
}

extension Engine {
    /// Processes events in order and collects every output.
    mutating func run(_ events: [Event]) -> [Output] { events.flatMap { process($0) } }
}
