import Foundation
import MomentsCore
import MomentsSimulation

/// The reference workload (`--seed 7`), shared by the suites: generated once per test run.
enum Sample {
    static let options = SimulationOptions(seed: 7)
    static let events = TrafficSimulator.events(options: options, count: 20_000)

    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func defaultRules() throws -> RuleSet {
        let path = root.appendingPathComponent("config/moments.yaml").path
        return try RulesParser.parse(yaml: String(contentsOfFile: path, encoding: .utf8), file: path).get()
    }

    /// The events grouped by interaction, each in stream order.
    static func byInteraction(_ events: [SimulatedEvent]) throws -> [String: [Event]] {
        let decoder = EventDecoder()
        var out: [String: [Event]] = [:]
        for e in events { out[e.interactionID, default: []].append(try decoder.decode(e.json).get()) }
        return out
    }
}
