import ArgumentParser
import Foundation
import MomentsCore
import MomentsSimulation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the engine on the reference workload (moments simulate --seed 7, default rules), in memory.",
        discussion: "Build with -c release for meaningful figures. Reports the median and spread of several runs after a warm-up.")

    @Option(name: .long, help: "Events per run.")
    var events: Int = 200_000

    @Option(name: .long, help: "Measured runs (after one warm-up run).")
    var runs: Int = 5

    @Option(name: .long, help: "The rules file.")
    var rules: String = "config/moments.yaml"

    func run() throws {
        let ruleSet = try RulesFile.load(rules)
        let stream = TrafficSimulator.events(options: SimulationOptions(seed: 7), count: events).map { Array($0.json.utf8) }
        let bytes = stream.reduce(0) { $0 + $1.count }
        print("reference workload: \(events) events, \(bytes / events) bytes per event on average; \(runs) runs after a warm-up")

        let decoder = EventDecoder()
        let decode = measure(runs: runs) {
            var n = 0
            for line in stream { if case .success = decoder.decode(line) { n += 1 } }
            return n
        }
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
