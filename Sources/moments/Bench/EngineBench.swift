import Foundation
import MomentsCore
import MomentsSimulation

/// In memory, one core: JSON parsing alone, the event decoder against Foundation's `JSONDecoder`
/// on the same bytes, and the engine (decode + detect + encode every output).
struct EngineBench {
    let rules: RuleSet
    let events: Int
    let runs: Int
    let parts: String

    func run() {
        let stream = TrafficSimulator.events(options: SimulationOptions(seed: 7), count: events).map { Array($0.json.utf8) }
        let bytes = stream.reduce(0) { $0 + $1.count }
        let wanted = Set(parts.split(separator: ",").map(String.init))
        print("reference workload: \(events) events, \(bytes / events) bytes per event on average; \(runs) runs after a warm-up")

        let decoder = EventDecoder()
        if wanted.contains("parse") {
            let parse = Self.measure(runs: runs) {
                var n = 0
                for line in stream { if (try? JSONParser.parse(line)) != nil { n += 1 } }
                return n
            }
            report("JSON parse into a tree (JSONValue)", parse, bytes: bytes)
        }
        var decode: Sample?
        if wanted.contains("decode") {
            decode = Self.measure(runs: runs) {
                var n = 0
                for line in stream { if case .success = decoder.decode(line) { n += 1 } }
                return n
            }
            report("decode (Moments decoder)", decode!, bytes: bytes)
            // As the pipeline decodes: with a partition's cache of attribute objects.
            let cached = Self.measure(runs: runs) {
                let cache = AttributeCache()
                var n = 0
                for line in stream { if case .success = decoder.decode(line, cache: cache) { n += 1 } }
                return n
            }
            report("decode with an attribute cache (as the pipeline)", cached, bytes: bytes)
        }
        if wanted.contains("foundation") {
            let foundation = JSONDecoder()
            let foundationDecode = Self.measure(runs: runs) {
                var n = 0
                for line in stream { if (try? foundation.decode(FoundationEvent.self, from: Data(line))) != nil { n += 1 } }
                return n
            }
            report("decode (Foundation JSONDecoder)", foundationDecode, bytes: bytes)
            if let decode { print(String(format: "  decoder speed-up over JSONDecoder: %.1f×", foundationDecode.median / decode.median)) }
        }
        if wanted.contains("detect") {
            // The engine alone, on events decoded beforehand: where the time goes besides decoding.
            let events = stream.compactMap { try? decoder.decode($0).get() }
            let encoder = CloudEventEncoder()
            let detect = Self.measure(runs: runs) {
                var engine = Engine(rules: rules)
                var outputs = 0
                for event in events { for o in engine.process(event) { outputs += encoder.encode(o).count > 0 ? 1 : 0 } }
                return outputs
            }
            report("detect + encode alone (events decoded beforehand)", detect, bytes: bytes)
        }
        var engineSample: Sample?
        if wanted.contains("engine") {
            var outputs = 0
            let engine = Self.measure(runs: runs) {
                outputs = Self.runEngine(on: stream, rules: rules, decoder: decoder)
                return outputs
            }
            report("engine (decode + detect + encode \(outputs) outputs)", engine, bytes: bytes)
            engineSample = engine
        }
        if wanted.contains("pair") {
            // Two engines, each on the whole stream, on two threads at once (sharing the rules, as
            // the partitions' engines do): how far one engine's rate holds when both cores work,
            // which bounds what the pipeline's engine threads can gain.
            let pair = Self.measure(runs: runs) {
                DispatchQueue.concurrentPerform(iterations: 2) { _ in
                    precondition(Self.runEngine(on: stream, rules: rules, decoder: decoder) > 0)
                }
                return 2
            }
            report("each of two engines on two threads at once", pair, bytes: bytes)
            if let engineSample { print(String(format: "  one engine's rate with two at once, against one alone: %.2f×", engineSample.median / pair.median)) }
        }
    }

    /// One engine over the whole stream: decode, detect, encode every output; the outputs' count.
    static func runEngine(on stream: [[UInt8]], rules: RuleSet, decoder: EventDecoder) -> Int {
        var engine = Engine(rules: rules)
        let encoder = CloudEventEncoder()
        // One attribute cache per engine, as the pipeline keeps one per partition.
        let cache = AttributeCache()
        var outputs = 0
        for line in stream {
            guard case .success(let event) = decoder.decode(line, cache: cache) else { continue }
            for o in engine.process(event) { outputs += encoder.encode(o).count > 0 ? 1 : 0 }
        }
        return outputs
    }

    struct Sample { var median: Double; var min: Double; var max: Double }

    /// One warm-up run, then `runs` timed ones; the median and the range.
    static func measure(runs: Int, _ body: () -> Int) -> Sample {
        _ = body()
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

    func report(_ name: String, _ s: Sample, bytes: Int) {
        let eps = Double(events) / s.median
        print(String(format: "  %@: %.0f events/s (median; runs %.0f–%.0f), %.1f MB/s",
                     name, eps, Double(events) / s.max, Double(events) / s.min, Double(bytes) / s.median / 1e6))
    }
}
