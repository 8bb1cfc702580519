import Kafka
import MomentsCore

extension Pipeline {
    /// Decodes a record in its topic's dialect. Canonical topics keep the canonical decoder;
    /// a vendor topic's message may give several events or none.
    /// `cache` is the record's partition's (see `AttributeCache`).
    /// `value` is the record's, in its batch's `bytes`.
    func decode(_ value: Range<Int>, of record: PolledRecord, in bytes: UnsafeBufferPointer<UInt8>, cache: AttributeCache) -> DecodedRecord {
        // Most deployments have no vendor topic: then no topic is hashed per record.
        if !configuration.dialects.isEmpty, let dialect = configuration.dialects[record.topic] {
            // Vendor messages are parsed into a tree, which costs far more than these copies.
            switch dialect.decode(Array(bytes[value]), key: record.keyBytes(in: bytes), cache: cache) {
            case .success(let events): return .events(events)
            case .failure(let error): return .failure(error)
            }
        }
        // A canonical record is one event: no array made for it.
        switch canonicalDecoder.decode(UnsafeBufferPointer(rebasing: bytes[value]), cache: cache) {
        case .success(let event): return .event(event)
        case .failure(let error): return .failure(error)
        }
    }
}

/// What a record decoded to: the one event of a canonical record, a vendor message's events
/// (several or none), or why it could not be decoded.
enum DecodedRecord {
    case event(Event)
    case events([Event])
    case failure(DecodeError)
}

/// How far ahead an event may be dated (`PipelineConfiguration.maxEventAhead`), measured from
/// its record's Kafka timestamp — when it was produced (or appended, for a topic that stamps
/// log-append time) — or from the host's clock when that is earlier (a record stamped in the
/// future: a producer whose clock is off, or one that copies the event's time into the record's).
/// From the record, a record gets the same answer when a restore reads it again later (from the
/// host's clock alone, a record refused live was applied by a restore once its time had passed);
/// only a record stamped in the future may not. A record without a timestamp: the host's clock.
struct EventTimeBound {
    var bound: Duration
    /// The host's real-time clock when the batch was handed over.
    var realTime: Timestamp

    /// Why the record is refused when one of its events is dated too far ahead: the whole
    /// record, as for any other bad field of a vendor message that stands for several events.
    func refusal(of decoded: DecodedRecord, recordTimestampMs: Int64?) -> DecodeError? {
        var latest: Timestamp?
        switch decoded {
        case .event(let e): latest = e.occurredAt
        case .events(let es): for e in es where latest.map({ e.occurredAt > $0 }) ?? true { latest = e.occurredAt }
        case .failure: return nil
        }
        let stamped = recordTimestampMs.flatMap { $0 > 0 ? Timestamp(milliseconds: $0) : nil }
        let fromRecord = stamped.map { $0 <= realTime } ?? false
        let from = fromRecord ? stamped! : realTime
        guard let latest, latest > from + bound else { return nil }
        let what = fromRecord ? "its Kafka record's timestamp" : "this host's clock"
        return DecodeError(
            field: "occurred_at",
            reason: "\(latest) is out of range: \(latest - from) ahead of \(what), more than processing.max_event_ahead (\(bound))")
    }
}
