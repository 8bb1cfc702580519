import Foundation
import MomentsApp
import MomentsCore

/// Resident memory per open interaction: N interactions started and queued (each a distinct
/// customer, none ended), measured as the growth of the process's resident set.
struct MemoryBench {
    let rules: RuleSet

    func run() {
        for n in [100_000, 1_000_000] {
            let before = Self.residentBytes()
            var engine = Engine(rules: rules)
            let start = Timestamp(milliseconds: 1_795_766_400_000)
            for i in 0..<n {
                let t = start + Duration(milliseconds: Int64(i))
                for (k, type) in [EventType.interactionStarted, .interactionQueued].enumerated() {
                    _ = engine.process(Event(
                        eventID: "m-\(i)-\(k)", type: type, occurredAt: t, interactionID: "i-\(i)", customerID: "c-\(i)", channel: .voice,
                        queue: "billing", attributes: ["tier": "standard", "language": "en", "region": "emea"]))
                }
            }
            let after = Self.residentBytes()
            // jemalloc keeps the pages of freed memory (the tables' earlier, smaller storage) for
            // its decay time before returning them; the second figure is what remains once it has.
            let returned = Allocator.returnFreedPages()
            let settled = Self.residentBytes()
            precondition(engine.openInteractions == n)
            print(String(format: "memory: %d open interactions: %.0f bytes resident per open interaction (%.0f MiB in all, duplicate window of %d ids included)",
                         n, Double(after - before) / Double(n), Double(after - before) / 1_048_576, rules.settings.duplicateWindow))
            if returned {
                print(String(format: "  %.0f bytes once the allocator has returned the pages of freed memory (jemalloc does within 10 s)",
                             Double(settled - before) / Double(n)))
            }
        }
    }

    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
