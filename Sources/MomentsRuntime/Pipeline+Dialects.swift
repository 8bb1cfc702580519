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
/// its record's Kafka timestamp: when it was produced (or appended, for a topic that stamps
/// log-append time). The same record gets the same answer when it is read live and when a
/// restore reads it again later (measured from the host's clock, a record refused live was
/// applied by a restore once its time had passed), and a host whose own clock is behind does not
/// refuse everything. A record without a timestamp is measured from the host's clock.
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
        let from = recordTimestampMs.flatMap { $0 > 0 ? Timestamp(milliseconds: $0) : nil }
        guard let latest, latest > (from ?? realTime) + bound else { return nil }
        let what = from == nil ? "this host's clock" : "its Kafka record's timestamp"
        return DecodeError(
            field: "occurred_at",
            reason: "\(latest) is out of range: \(latest - (from ?? realTime)) ahead of \(what), more than processing.max_event_ahead (\(bound))")
    }
}
