import Foundation
import Kafka
import KafkaMock
import Testing

/// The transactional API against the mock cluster. The mock runs the protocol flow but writes no
/// commit markers, drops offsets sent in a transaction and, in librdkafka 2.0.2, does not fence a
/// producer when another registers the same transactional id (checked here, so a librdkafka that
/// starts fencing is noticed).
@Suite(.serialized) struct TransactionTests {
    @Test func beginCommitAndAbort() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 1)
        let reports = Reports()
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers, "transactional.id": "tx-1"]), onDelivery: reports.add)
        try producer.initTransactions(timeoutMs: 10_000)
        try producer.beginTransaction()
        try producer.produce(topic: "t", key: nil, value: [1], token: 1)
        try producer.abortTransaction(timeoutMs: 10_000)
        try producer.beginTransaction()
        try producer.produce(topic: "t", key: nil, value: [2], token: 2)
        try producer.commitTransaction(timeoutMs: 10_000)
        #expect(reports.all.contains { $0.token == 2 && $0.error == nil })
        // Producing outside a transaction is refused by a transactional producer.
        #expect(throws: KafkaError.self) { try producer.produce(topic: "t", key: nil, value: [3], token: 3) }
    }

    @Test func theMockClusterDoesNotFence() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 1)
        let config = KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers, "transactional.id": "same"])
        let first = try KafkaProducer(configuration: config, onDelivery: { _ in })
        try first.initTransactions(timeoutMs: 10_000)
        try first.beginTransaction()
        try first.produce(topic: "t", key: nil, value: [1], token: 1)
        let second = try KafkaProducer(configuration: config, onDelivery: { _ in })
        try second.initTransactions(timeoutMs: 10_000)
        var fenced = false
        do { try first.commitTransaction(timeoutMs: 10_000) } catch { fenced = error.isFatal }
        // A real broker fences `first` here; the mock lets it commit. README, "Exactly-once".
        #expect(!fenced && first.fatalError == nil)
    }
}
