import Foundation
import MomentsCore
import MomentsSimulation

/// State over a long run of the reference workload: open interactions, customers and timers
/// every so many events. Bounded state means these level off once interactions end and their
/// grace, the contact-history window and the cooldowns pass: evictions keep pace with arrivals.
struct LongRunBench {
    let rules: RuleSet
    let events: Int

    func run() {
        var engine = Engine(rules: rules)
        var simulator = TrafficSimulator(options: SimulationOptions(seed: 7))
        let decoder = EventDecoder()
        let step = max(events / 10, 1)
        let start = MemoryBench.residentBytes()
        print("long run: \(events) events of the reference workload (event time), state every \(step) events")
        var first: Timestamp?
        for i in 1...events {
            let e = simulator.next()
            guard case .success(let event) = decoder.decode(Array(e.json.utf8)) else { continue }
            if first == nil { first = event.occurredAt }
            _ = engine.process(event)
            if i % step == 0 {
                let hours = Double((engine.clock - first!).milliseconds) / 3_600_000
                print(String(format: "  %8d events, %5.1f h of event time: %6d open interactions, %7d customers, %7d timers, +%4.0f MiB resident",
                             i, hours, engine.openInteractions, engine.customerCount, engine.pendingTimers,
                             Double(MemoryBench.residentBytes() - start) / 1_048_576))
            }
        }
    }
}
