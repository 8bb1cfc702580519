import Kafka
import MomentsCore

extension Pipeline {
    /// Decodes a record in its topic's dialect. Canonical topics keep the canonical decoder;
    /// a vendor topic's message may give several events or none.
    /// `cache` is the record's partition's (see `AttributeCache`).
    func decode(_ value: [UInt8], of record: ConsumerRecord, cache: AttributeCache) -> DecodedRecord {
        // Most deployments have no vendor topic: then no topic is hashed per record.
        if !configuration.dialects.isEmpty, let dialect = configuration.dialects[record.topic] {
            switch dialect.decode(value, key: record.key, cache: cache) {
            case .success(let events): return .events(events)
            case .failure(let error): return .failure(error)
            }
        }
        // A canonical record is one event: no array made for it.
        switch canonicalDecoder.decode(value, cache: cache) {
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
