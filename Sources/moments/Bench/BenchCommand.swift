import ArgumentParser
import Foundation
import MomentsCore
import MomentsSimulation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks on the reference workload (moments simulate --seed 7, default rules).",
        discussion: """
            Build with -c release for meaningful figures. Suites: engine (decode + detect + encode, and the \
            decoder against Foundation's JSONDecoder), e2e (through the embedded broker over TCP, against a \
            plain librdkafka consumer in the same run), latency (event produced to alert delivered at a steady \
            rate), memory (resident bytes per open interaction). Each reports medians of several runs.
            """)

    @Option(name: .long, help: "Which suites: engine, e2e, latency, memory or all (comma-separated).")
    var suite: String = "engine"

    @Option(name: .long, help: "Events per run.")
    var events: Int = 200_000

    @Flag(name: .long, help: "e2e and latency: without the state changelog (at-least-once by input replay).")
    var noChangelog = false

    @Option(name: .long, help: "Measured runs (after one warm-up run).")
    var runs: Int = 5

    @Option(name: .long, help: "The rules file.")
    var rules: String = "config/moments.yaml"

    func run() throws {
        let ruleSet = try RulesFile.load(rules)
        let suites = Set(suite.split(separator: ",").map(String.init))
        let all = suites.contains("all")
        if all || suites.contains("engine") { try engine(ruleSet) }
        if all || suites.contains("e2e") { try EndToEndBench(rules: ruleSet, events: min(events, 100_000), runs: runs, changelog: !noChangelog).run() }
        if all || suites.contains("latency") { try LatencyBench(rules: ruleSet, changelog: !noChangelog).run() }
        if all || suites.contains("memory") { MemoryBench(rules: ruleSet).run() }
    }

    func engine(_ ruleSet: RuleSet) throws {
        let stream = TrafficSimulator.events(options: SimulationOptions(seed: 7), count: events).map { Array($0.json.utf8) }
        let bytes = stream.reduce(0) { $0 + $1.count }
        print("reference workload: \(events) events, \(bytes / events) bytes per event on average; \(runs) runs after a warm-up")

        let decoder = EventDecoder()
        let decode = measure(runs: runs) {
            var n = 0
            for line in stream { if case .success = decoder.decode(line) { n += 1 } }
            return n
        }
        let parseOnly = measure(runs: runs) {
            var n = 0
            for line in stream { if (try? JSONParser.parse(line)) != nil { n += 1 } }
            return n
        }
        report("JSON parse only (no Event)", parseOnly, events: events, bytes: bytes)
        let foundation = JSONDecoder()
        let foundationDecode = measure(runs: runs) {
            var n = 0
            for line in stream { if (try? foundation.decode(FoundationEvent.self, from: Data(line))) != nil { n += 1 } }
            return n
        }
        let encoder = CloudEventEncoder()
        let pipeline = measure(runs: runs) {
            var engine = Engine(rules: ruleSet)
            var outputs = 0
            for line in stream {
                guard case .success(let event) = decoder.decode(line) else { continue }
                for o in engine.process(event) { outputs += encoder.encode(o).count > 0 ? 1 : 0 }
            }
            return outputs
        }
        report("decode (Moments decoder)", decode, events: events, bytes: bytes)
        report("decode (Foundation JSONDecoder)", foundationDecode, events: events, bytes: bytes)
        print(String(format: "  decoder speed-up over JSONDecoder: %.1f×", foundationDecode.median / decode.median))
        report("engine (decode + detect + encode)", pipeline, events: events, bytes: bytes)
    }

    struct Sample { var median: Double; var min: Double; var max: Double }

    func measure(runs: Int, _ body: () -> Int) -> Sample {
        _ = body()   // warm-up
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            let n = body()
            precondition(n >= 0)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        times.sort()
        return Sample(median: times[times.count / 2], min: times.first!, max: times.last!)
    }

    func report(_ name: String, _ s: Sample, events: Int, bytes: Int) {
        let eps = Double(events) / s.median
        print(String(format: "  %@: %.0f events/s (median; runs %.0f–%.0f), %.1f MB/s",
                     name, eps, Double(events) / s.max, Double(events) / s.min, Double(bytes) / s.median / 1e6))
    }
}

/// The canonical event as a Codable struct, for the JSONDecoder comparison.
struct FoundationEvent: Decodable {
    var event_id: String
    var type: String
    var occurred_at: String
    var interaction_id: String
    var customer_id: String
    var channel: String
    var queue: String?
    var agent_id: String?
    var data: [String: FoundationValue]?
    var attributes: [String: String]?
}

enum FoundationValue: Decodable {
    case string(String), number(Double), other
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .string(s) } else if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .other }
    }
}
