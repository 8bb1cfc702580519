import MomentsCore
import Testing
@testable import MomentsRuntime

/// `processing.max_event_ahead` is measured from the record's Kafka timestamp, so a record gets
/// the same answer live and when a restore reads it again, whatever the host's clock says then.
@Suite struct EventTimeBoundTests {
    let produced = RFC3339.parse("2026-11-24T09:00:00Z")!

    func decoded(at time: String) throws -> DecodedRecord {
        let json = #"{"event_id":"e","type":"agent.flagged","occurred_at":"\#(time)","interaction_id":"i","customer_id":"c","channel":"voice","data":{"flag":"rude"}}"#
        return .event(try EventDecoder().decode(Array(json.utf8)).get())
    }

    @Test func measuredFromTheRecordsTimestampWhateverTheHostsClock() throws {
        let ahead = try decoded(at: "2026-11-24T10:00:00Z")
        let within = try decoded(at: "2026-11-24T09:04:00Z")
        // Live (the host's clock at the record's time) and in a restore a day later: refused both times.
        for host in [produced, produced + .hours(24)] {
            let bound = EventTimeBound(bound: .minutes(5), realTime: host)
            #expect(bound.refusal(of: ahead, recordTimestampMs: produced.milliseconds)?.reason.contains("1 h ahead of its Kafka record's timestamp") == true)
            #expect(bound.refusal(of: within, recordTimestampMs: produced.milliseconds) == nil)
        }
    }

    /// A record stamped in the future (its producer's clock off, or the event's time copied into
    /// the record's) is measured from the host's clock, which is earlier.
    @Test func aRecordStampedInTheFutureIsMeasuredFromTheHostsClock() throws {
        let ahead = try decoded(at: "2026-11-24T10:00:00Z")
        let bound = EventTimeBound(bound: .minutes(5), realTime: produced)
        let refusal = bound.refusal(of: ahead, recordTimestampMs: (produced + .hours(1)).milliseconds)
        #expect(refusal?.reason.contains("1 h ahead of this host's clock") == true, "\(String(describing: refusal))")
    }

    /// A record without a timestamp is measured from the host's clock.
    @Test func withoutATimestampTheHostsClock() throws {
        let bound = EventTimeBound(bound: .minutes(5), realTime: produced)
        #expect(bound.refusal(of: try decoded(at: "2026-11-24T09:10:00Z"), recordTimestampMs: nil)?.reason.contains("ahead of this host's clock") == true)
        #expect(bound.refusal(of: try decoded(at: "2026-11-24T09:01:00Z"), recordTimestampMs: -1) == nil)
    }
}
