import MomentsCore
import MomentsSimulation
import Testing

/// What the demo promises: with the default rules, every kind of moment shows up within
/// minutes of simulated time at the default arrival rate, whatever the seed.
@Suite struct DefaultRulesTests {
    /// Minutes from the start to each moment rule's first detection.
    static func firstDetections(seed: UInt64, minutes: Int64) throws -> [String: Double] {
        var engine = Engine(rules: try Sample.defaultRules())
        let decoder = EventDecoder()
        var options = SimulationOptions(seed: seed)
        options.start = Sample.options.start
        var sim = TrafficSimulator(options: options)
        var first: [String: Double] = [:]
        let end = options.start + .minutes(minutes)
        while true {
            let e = sim.next()
            if e.occurredAt > end { break }
            for case .alert(let alert) in engine.process(try decoder.decode(e.json).get()) where first[alert.moment.rule] == nil {
                first[alert.moment.rule] = Double((alert.moment.time - options.start).milliseconds) / 60_000
            }
        }
        return first
    }

    @Test(arguments: [7, 1, 2, 3] as [UInt64])
    func everyMomentShowsUpWithinHalfAnHour(seed: UInt64) throws {
        let rules = Set(try Sample.defaultRules().moments.map(\.id))
        let first = try Self.firstDetections(seed: seed, minutes: 30)
        print("seed \(seed), first detection (simulated minutes): " + first.sorted { $0.value < $1.value }.map { "\($0.key) \(Int($0.value.rounded(.up)))" }.joined(separator: ", "))
        #expect(Set(first.keys) == rules, "missing: \(rules.subtracting(first.keys).sorted())")
        // Most of them within the first ten minutes (the demo's warm start sends six at once).
        #expect(first.values.filter { $0 <= 10 }.count >= rules.count - 2)
    }
}
