import Foundation
import KafkaMock
import MomentsApp
import MomentsCore
import Testing
@testable import Kafka
@testable import MomentsRuntime

/// Exactly-once: a transaction aborted while partitions leave (its revocation's commit, or the
/// stop's) rewinds only the partitions that stay. The leaving ones were restored too, inside the
/// rebalance handler or at the stop, for a state thrown away at once, and a lookup failing for
/// one of them (the seek of a partition no longer assigned, here) stopped the daemon.
@Suite(.serialized) struct AbortWhileLeavingTests {
    func failedTransaction(_ bed: TestBed, group: String, partitions: [TopicPartition], assigned: [TopicPartition]) throws -> Pipeline {
        let p = try transactional(bed, group: group, partitions: partitions, assigned: assigned)
        // An output of the open transaction failed: the next commit aborts it and rewinds.
        let record = OutputRecord(topic: bed.topics.alerts, key: Array("i-1".utf8), value: [1], headers: [], id: "i-1:m:1", kind: .alert)
        let first = try #require(p.tasks[partitions[0]])
        p.retries.append(PendingOutput(record: record, partition: partitions[0], generation: first.generation, sequence: first.tracker.record(offset: 3, outputs: 1), arrivalWall: 0))
        return p
    }

    /// A pipeline with transactions begun on the broker and a task, three records in, for each
    /// of `partitions`, its consumer assigned `assigned`.
    func transactional(_ bed: TestBed, group: String, partitions: [TopicPartition], assigned: [TopicPartition]) throws -> Pipeline {
        let id = "moments-\(group)"
        let p = bed.pipeline(group: group, rules: try Stream.defaultRules(), changelog: false, transactionalID: id)
        p.producer = try KafkaProducer(configuration: KafkaConfiguration(p.configuration.producerProperties.merging(["transactional.id": id]) { $1 }), onDelivery: { _ in })
        p.consumer = try KafkaConsumer(configuration: KafkaConfiguration(p.configuration.consumerProperties))
        try p.producer.initTransactions()
        try p.consumer.assign(Dictionary(uniqueKeysWithValues: assigned.map { ($0, 0) }))
        for tp in partitions {
            let task = PartitionTask(partition: tp, generation: p.nextGeneration, rules: p.rules, committed: nil)
            p.nextGeneration += 1
            task.lastOffset = 3
            p.tasks[tp] = task
        }
        return p
    }

    @Test func aRevocationsAbortRewindsOnlyThePartitionsThatStay() throws {
        let bed = try TestBed(partitions: 2)
        let staying = TopicPartition(topic: bed.input, partition: 0)
        let leaving = TopicPartition(topic: bed.input, partition: 1)
        // The consumer no longer has the leaving partition: seeking it would fail.
        let p = try failedTransaction(bed, group: "eos-leaving", partitions: [staying, leaving], assigned: [staying])
        let generation = p.nextGeneration
        _ = p.rebalanced(.revoked([leaving]))
        #expect(p.status.transactionsAborted == 1)
        #expect(p.unrecoverable == nil, "\(String(describing: p.unrecoverable))")
        #expect(p.tasks.keys.sorted() == [staying])
        #expect(p.nextGeneration == generation + 1, "the leaving partition was restored too")
    }

    @Test func aStopsAbortRestoresNothing() throws {
        let bed = try TestBed(partitions: 2)
        let partitions = [TopicPartition(topic: bed.input, partition: 0), TopicPartition(topic: bed.input, partition: 1)]
        let p = try failedTransaction(bed, group: "eos-stopping", partitions: partitions, assigned: partitions)
        let generation = p.nextGeneration
        p.stopDeadlineWall = p.wallClock.milliseconds() + 10_000   // as `shutdown` sets it
        try p.checkpoint(synchronous: true)
        #expect(p.status.transactionsAborted == 1)
        #expect(p.tasks.isEmpty)
        #expect(p.nextGeneration == generation, "partitions were restored at the stop")
    }

    /// A fenced producer's commit in a revocation stops the pipeline after the handler, as it
    /// does in the loop: it was only logged, and the instance ran on until a later call failed.
    @Test func aFatalCommitInARevocationStopsThePipeline() throws {
        let bed = try TestBed(partitions: 2)
        let staying = TopicPartition(topic: bed.input, partition: 0)
        let leaving = TopicPartition(topic: bed.input, partition: 1)
        let p = try transactional(bed, group: "eos-fenced-leaving", partitions: [staying, leaving], assigned: [staying, leaving])
        bed.broker.cluster.pushRequestErrors(apiKey: 26 /* EndTxn */, errors: [90 /* PRODUCER_FENCED */])
        _ = p.rebalanced(.revoked([leaving]))
        #expect((p.unrecoverable as? KafkaError)?.isFatal == true, "\(String(describing: p.unrecoverable))")
        #expect(p.tasks.keys.sorted() == [staying])
    }
}
