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

    /// Why the record is refused when one of its events is dated after `notAfter` (the host's
    /// clock plus `bound`, `PipelineConfiguration.maxEventAhead`): the whole record, as for
    /// any other bad field of a vendor message that stands for several events.
    func tooFarAhead(of notAfter: Timestamp, bound: Duration?) -> DecodeError? {
        let latest: Timestamp?
        switch self {
        case .event(let e): latest = e.occurredAt
        case .events(let es): latest = es.map(\.occurredAt).max()
        case .failure: latest = nil
        }
        guard let latest, latest > notAfter else { return nil }
        let ahead = bound.map { latest - (notAfter - $0) }
        return DecodeError(
            field: "occurred_at",
            reason: "\(latest) is out of range: \(ahead.map { "\($0) " } ?? "")ahead of this host's clock, more than processing.max_event_ahead (\(bound.map { "\($0)" } ?? "0"))")
    }
}
