internal import CRdKafka

/// Transactions (exactly-once): outputs, changelog writes and input offsets committed together.
/// Call from the thread that owns the producer. Errors say whether the transaction must be
/// aborted (`txnRequiresAbort`) or the producer is finished (`isFatal`, e.g. fenced by a newer
/// instance with the same `transactional.id`).
extension KafkaProducer {
    public func initTransactions(timeoutMs: Int32 = 30_000) throws(KafkaError) {
        if let e = rd_kafka_init_transactions(handle, timeoutMs) { throw KafkaError(consuming: e, "init transactions") }
    }

    public func beginTransaction() throws(KafkaError) {
        if let e = rd_kafka_begin_transaction(handle) { throw KafkaError(consuming: e, "begin transaction") }
    }

    /// Adds the consumer's input positions to the open transaction (committed with it).
    public func sendOffsetsToTransaction(_ offsets: [TopicPartition: Int64], consumer: KafkaConsumer, timeoutMs: Int32 = 30_000) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = TopicPartitionList.make(Array(offsets.keys), offsets: offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard let metadata = rd_kafka_consumer_group_metadata(consumer.handle) else {
            throw KafkaError.client("the consumer has no group metadata")
        }
        defer { rd_kafka_consumer_group_metadata_destroy(metadata) }
        if let e = rd_kafka_send_offsets_to_transaction(handle, list, metadata, timeoutMs) { throw KafkaError(consuming: e, "send offsets to transaction") }
    }

    public func commitTransaction(timeoutMs: Int32 = 30_000) throws(KafkaError) {
        if let e = rd_kafka_commit_transaction(handle, timeoutMs) { throw KafkaError(consuming: e, "commit transaction") }
    }

    public func abortTransaction(timeoutMs: Int32 = 30_000) throws(KafkaError) {
        if let e = rd_kafka_abort_transaction(handle, timeoutMs) { throw KafkaError(consuming: e, "abort transaction") }
    }
}
