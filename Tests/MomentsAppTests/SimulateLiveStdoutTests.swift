import Foundation
import MomentsCore
import Testing

/// `moments simulate --stdout --start now` prints each event at its own time, as it sends it to
/// Kafka: until 2026-12-08 it printed them all at once, up to a minute ahead of the clock.
@Suite struct SimulateLiveStdoutTests {
    @Test func liveTrafficIsPrintedNoEarlierThanItsTime() throws {
        // Many arrivals: 150 events span a second or two of event time, not minutes.
        let started = Date()
        let r = try RulesCommandLineTests.moments(["simulate", "--stdout", "--start", "now", "--arrivals", "3000", "--count", "150"])
        let ended = Date()
        #expect(r.status == 0, "\(r.err)")
        let times = r.out.split(separator: "\n").compactMap { line -> Double? in
            guard let at = line.range(of: #""occurred_at":""#) else { return nil }
            let text = line[at.upperBound...].prefix { $0 != "\"" }
            return RFC3339.parse(String(text)).map { Double($0.milliseconds) / 1000 }
        }
        #expect(times.count == 150)
        let last = try #require(times.max())
        // The traffic spans some time (else the test shows nothing), and none of it was
        // printed before its time: the run lasted until the last event's.
        #expect(last - started.timeIntervalSince1970 > 0.5, "events span \(last - started.timeIntervalSince1970) s")
        #expect(last <= ended.timeIntervalSince1970 + 0.05, "the last event is \(last - ended.timeIntervalSince1970) s after the run ended")
    }
}
