import Foundation
import KafkaMock
import Testing
@testable import Kafka

/// What the wrapper reports of failures librdkafka would otherwise keep to itself.
@Suite(.serialized) struct FailureReportingTests {
    /// An asynchronous commit's answer comes to `onCommit` from `poll`: a refusal, then a success.
    @Test func commitResultsReachTheHandler() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 1)
        let tp = TopicPartition(topic: "t", partition: 0)
        var results: [CommitResult] = []
        let consumer = try KafkaConsumer(configuration: consumerConfig(cluster, group: "commits"), onCommit: { results.append($0) })
        cluster.pushRequestErrors(apiKey: KafkaAPI.offsetCommit, errors: [27 /* REBALANCE_IN_PROGRESS */])
        try consumer.commit([tp: 5], synchronous: false)
        #expect(try waitUntil(seconds: 10, step: { _ = try consumer.poll(timeoutMs: 50) }) { !results.isEmpty })
        #expect(results.first?.offsets == [tp: 5])
        #expect(results.first?.errors[tp]?.code == 27)
        #expect(try consumer.committed([tp], timeoutMs: 5000).isEmpty)

        try consumer.commit([tp: 6], synchronous: false)
        #expect(try waitUntil(seconds: 10, step: { _ = try consumer.poll(timeoutMs: 50) }) { results.count == 2 })
        #expect(results.last?.offsets == [tp: 6] && results.last?.errors.isEmpty == true)
        #expect(try consumer.committed([tp], timeoutMs: 5000) == [tp: 6])
        consumer.stopEvents()
    }

    /// A fatal error (fabricated, as real ones cannot be provoked at will) is what every later
    /// produce fails with, flagged fatal, and what `fatalError` holds.
    @Test func aFatalProducerErrorRefusesEveryLaterMessage() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 1)
        let producer = try KafkaProducer(configuration: producerConfig(cluster), log: { _, _, _ in }, onDelivery: { _ in })
        #expect(producer.fatalError == nil)
        producer.raiseFatalErrorForTesting(code: 45, reason: "test")
        #expect(producer.fatalError?.code == 45 && producer.fatalError?.isFatal == true)
        var failure: KafkaError?
        do { try producer.produce(topic: "t", key: nil, value: [1], token: 1) } catch { failure = error }
        #expect(failure?.isFatal == true && failure?.code == 45)
    }
}
