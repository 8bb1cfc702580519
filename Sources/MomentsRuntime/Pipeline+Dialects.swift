import Kafka
import MomentsCore

extension Pipeline {
    /// Decodes a record in its topic's dialect. Canonical topics keep the canonical decoder;
    /// a vendor topic's message may give several events or none.
    /// `cache` is the record's partition's (see `AttributeCache`).
    func decode(_ value: [UInt8], of record: ConsumerRecord, cache: AttributeCache) -> Result<[Event], DecodeError> {
        (configuration.dialects[record.topic] ?? canonicalDecoder).decode(value, key: record.key, cache: cache)
    }
}
