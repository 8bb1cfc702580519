import Foundation
import KafkaMock
import MomentsApp
import MomentsCore
import Testing
@testable import Kafka
@testable import MomentsRuntime

/// Exactly-once: an output the producer refuses on the spot (a partition the topic does not
/// have, or a local queue still full after its wait) must fail its transaction like a failed
/// delivery (one over `message.max.bytes` is replaced by its dead letter instead:
/// `RefusedOutputTests`). It
/// was put aside to be produced again instead, and the transaction committed its input's offset
/// without it: a revocation or a stop then dropped the retry, and an abort rewound only to that
/// commit, so the output was lost. The pipeline's bookkeeping is driven directly, with clients
/// of the embedded broker (a transactional producer, a consumer assigned the input).
@Suite(.serialized) struct TransactionProduceFailureTests {
    @Test func anOutputRefusedOnTheSpotAbortsTheTransactionInsteadOfBeingCommittedPast() throws {
        let bed = try TestBed(partitions: 1)
        let tp = TopicPartition(topic: bed.input, partition: 0)
        let id = "moments-eos-refused"
        let p = bed.pipeline(group: "eos-refused", rules: try Stream.defaultRules(), changelog: false, transactionalID: id)
        let producerProperties = p.configuration.producerProperties.merging(["transactional.id": id]) { $1 }
        p.producer = try KafkaProducer(configuration: KafkaConfiguration(producerProperties), onDelivery: { _ in })
        // With the topic's partitions known, librdkafka refuses one it does not have before queueing it.
        #expect(p.producer.prepare(topics: [bed.topics.alerts]).isEmpty)
        p.consumer = try KafkaConsumer(configuration: KafkaConfiguration(p.configuration.consumerProperties))
        try p.producer.initTransactions()
        try p.consumer.assign([tp: 0])   // as the group would have it: the rewind seeks it
        let task = PartitionTask(partition: tp, generation: p.nextGeneration, rules: p.rules, committed: nil)
        p.nextGeneration += 1
        task.lastOffset = 10
        p.tasks[tp] = task

        var record = OutputRecord(
            topic: bed.topics.alerts, key: Array("i-1".utf8), value: Array("{}".utf8), headers: [],
            id: "i-1:long-wait:1:supervisor-alert", kind: .alert)
        record.partition = 99
        p.produce(PendingOutput(record: record, partition: tp, generation: task.generation, sequence: task.tracker.record(offset: 10, outputs: 1), arrivalWall: 0))
        #expect(p.inTransaction)
        #expect(p.transactionFailed)
        #expect(p.retries.count == 0)

        try p.commitTransaction()
        #expect(p.status.commits == 0, "input 10's offset was committed without its output")
        #expect(p.status.transactionsAborted == 1)
        #expect(!p.inTransaction && !p.transactionFailed)
        // Rewound to the last commit: a new task processes input 10 again.
        #expect(p.tasks[tp] != nil && p.tasks[tp] !== task)
    }

    /// Whatever put it there, an output waiting to be produced again keeps the transaction from
    /// committing: it is in none, and its input's offset would be.
    @Test func aTransactionIsNeverCommittedWhileAnOutputWaitsToBeProducedAgain() throws {
        let bed = try TestBed(partitions: 1)
        let tp = TopicPartition(topic: bed.input, partition: 0)
        let id = "moments-eos-retry"
        let p = bed.pipeline(group: "eos-retry", rules: try Stream.defaultRules(), changelog: false, transactionalID: id)
        p.producer = try KafkaProducer(configuration: KafkaConfiguration(p.configuration.producerProperties.merging(["transactional.id": id]) { $1 }), onDelivery: { _ in })
        p.consumer = try KafkaConsumer(configuration: KafkaConfiguration(p.configuration.consumerProperties))
        try p.producer.initTransactions()
        try p.consumer.assign([tp: 0])
        let task = PartitionTask(partition: tp, generation: p.nextGeneration, rules: p.rules, committed: nil)
        p.nextGeneration += 1
        task.lastOffset = 4
        p.tasks[tp] = task
        let record = OutputRecord(topic: bed.topics.alerts, key: Array("i-1".utf8), value: [1], headers: [], id: "i-1:m:1", kind: .alert)
        p.retries.append(PendingOutput(record: record, partition: tp, generation: task.generation, sequence: task.tracker.record(offset: 4, outputs: 1), arrivalWall: 0))

        try p.commitTransaction()
        #expect(p.status.commits == 0)
        #expect(p.status.transactionsAborted == 1)
        #expect(p.retries.count == 0)
        #expect(p.tasks[tp] !== task)
    }

    /// A changelog record refused on the spot fails the transaction as an output does: the
    /// checks came before the state was written, so the transaction committed the offsets past
    /// a customer's state that never reached the changelog (the customer's change was taken, so
    /// it was never written again, and the next abort rewound to a restore without it).
    @Test func aStateRecordRefusedOnTheSpotAbortsTheTransactionInsteadOfBeingCommittedPast() throws {
        let bed = try TestBed(partitions: 2)
        // Input partition 1's state goes to changelog partition 1, which this topic does not have.
        let changelogTopic = "eos-refused-state-changelog"
        try bed.broker.cluster.createTopic(changelogTopic, partitions: 1)
        let tp = TopicPartition(topic: bed.input, partition: 1)
        let id = "moments-eos-refused-state"
        let p = bed.pipeline(group: "eos-refused-state", rules: try Stream.defaultRules(), changelog: false, transactionalID: id)
        p.changelog = Changelog(topic: changelogTopic)
        p.producer = try KafkaProducer(configuration: KafkaConfiguration(p.configuration.producerProperties.merging(["transactional.id": id]) { $1 }), onDelivery: { _ in })
        #expect(p.producer.prepare(topics: [changelogTopic]).isEmpty)
        p.consumer = try KafkaConsumer(configuration: KafkaConfiguration(p.configuration.consumerProperties))
        try p.producer.initTransactions()
        try p.consumer.assign([tp: 0])
        let task = PartitionTask(partition: tp, generation: p.nextGeneration, rules: p.rules, committed: nil)
        p.nextGeneration += 1
        task.engine.tracksChanges = true
        let event = try EventDecoder().decode(#"{"event_id":"e-1","type":"interaction.started","occurred_at":"2026-11-24T04:00:00.000Z","interaction_id":"i-1","customer_id":"c-1","channel":"voice"}"#).get()
        _ = task.engine.process(event)
        _ = task.tracker.record(offset: 0, outputs: 0)
        task.lastOffset = 0
        p.tasks[tp] = task

        try p.commitTransaction()
        #expect(p.status.commits == 0, "input 0's offset was committed without its state")
        #expect(p.status.transactionsAborted == 1)
        #expect(!p.inTransaction && !p.transactionFailed)
        #expect(p.tasks[tp] != nil && p.tasks[tp] !== task)
    }
}
