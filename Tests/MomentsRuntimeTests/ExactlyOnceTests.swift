import Foundation
import Kafka
import KafkaMock
import MomentsApp
import MomentsCore
import MomentsRuntime
import Testing

/// Exactly-once mode on the embedded broker, which runs the transaction protocol but writes no
/// commit markers and drops offsets sent in a transaction (see README): what it can show is that
/// transactions begin, commit, and abort on failure with the work redone. Fencing a zombie could
/// not be shown on it (see README, "Exactly-once").
@Suite(.serialized, .timeLimit(.minutes(3))) struct ExactlyOnceTests {
    func referenceLines() throws -> [String] {
        try Stream.referenceLines()
    }

    @Test func transactionsCommitTheOutputs() throws {
        let lines = try referenceLines()
        let rules = try Stream.defaultRules()
        let expected = Set(Stream.replay(lines, rules: rules).map(\.id))
        let bed = try TestBed(partitions: 1)
        try bed.produce(lines.map { (Stream.customerKey($0) ?? "unknown", Array($0.utf8), nil) })
        let running = RunningPipeline(bed.pipeline(group: "eos", rules: rules, transactionalID: "moments-eos-1"))
        let collector = try OutputCollector(bed: bed)
        collector.wait(seconds: 30) { expected.isSubset(of: Set($0.compactMap(\.cloudEventID))) }
        Thread.sleep(forTimeInterval: 0.6)
        let status = running.pipeline.status
        #expect(running.stop() == nil)
        collector.stop()
        #expect(expected.isSubset(of: Set(collector.all.compactMap(\.cloudEventID))))
        #expect(status.commits > 0)               // transactions were committed
        #expect(status.transactionsAborted == 0)
    }

    @Test func aFailedOutputAbortsTheTransactionAndItIsReprocessed() throws {
        let lines = try referenceLines()
        let rules = try Stream.defaultRules()
        let expected = Set(Stream.replay(lines, rules: rules).map(\.id))
        let bed = try TestBed(partitions: 1)
        try bed.produce(lines.map { (Stream.customerKey($0) ?? "unknown", Array($0.utf8), nil) })
        // The pipeline's first produce request fails permanently: its whole transaction must go.
        // (Not with MSG_SIZE_TOO_LARGE: those outputs are replaced by dead letters, `RefusedOutputTests`.)
        bed.broker.cluster.pushRequestErrors(apiKey: KafkaAPI.produce, errors: [KafkaError.topicAuthorizationFailed])
        let running = RunningPipeline(bed.pipeline(group: "eos-abort", rules: rules, transactionalID: "moments-eos-2"))
        let collector = try OutputCollector(bed: bed)
        let complete = collector.wait(seconds: 40) { expected.isSubset(of: Set($0.compactMap(\.cloudEventID))) && running.pipeline.status.transactionsAborted > 0 }
        let status = running.pipeline.status
        #expect(running.stop() == nil)
        collector.stop()
        #expect(complete)
        #expect(status.transactionsAborted >= 1)
        #expect(expected.isSubset(of: Set(collector.all.compactMap(\.cloudEventID))))
    }

    /// `auto.offset.reset: latest`, and the first transaction aborted before anything was
    /// committed: the rewind goes back to the oldest retained record, not to the end that
    /// `latest` names now, which would pass over every record of the aborted transaction. (The
    /// embedded broker drops offsets sent in a transaction, so the partition stays never committed.)
    @Test func anAbortBeforeTheFirstCommitRewindsToTheOldestRecordUnderLatest() throws {
        let lines = try referenceLines()
        let rules = try Stream.defaultRules()
        let expected = Set(Stream.replay(lines, rules: rules).map(\.id))
        // The input on broker 1, what the pipeline writes on broker 2, whose first produce
        // request fails: the test's own input is produced after the pipeline's assignment.
        let group = "eos-latest"
        let bed = try TestBed(partitions: 1, brokers: 2)
        let pipeline = bed.pipeline(group: group, rules: rules, transactionalID: "moments-eos-latest", consumerProperties: ["auto.offset.reset": "latest"])
        try bed.broker.cluster.setCoordinator(key: group, broker: 1)
        try bed.lead([bed.input], on: 1)
        try bed.lead(bed.topics.all + ["\(group)-state-changelog"], on: 2)
        try bed.broker.cluster.pushBrokerRequestError(broker: 2, apiKey: KafkaAPI.produce, error: KafkaError.topicAuthorizationFailed, rttMs: 0)
        let running = RunningPipeline(pipeline)
        #expect(waitFor(seconds: 30) { !running.pipeline.status.assigned.isEmpty })
        try bed.produce(lines.map { (Stream.customerKey($0) ?? "unknown", Array($0.utf8), nil) })
        let collector = try OutputCollector(bed: bed)
        let complete = collector.wait(seconds: 40) { expected.isSubset(of: Set($0.compactMap(\.cloudEventID))) && running.pipeline.status.transactionsAborted > 0 }
        let status = running.pipeline.status
        #expect(running.stop() == nil)
        collector.stop()
        #expect(complete)
        #expect(status.transactionsAborted >= 1)
        #expect(expected.isSubset(of: Set(collector.all.compactMap(\.cloudEventID))))
    }

    /// A fatal transactional error (the broker answering the commit with PRODUCER_FENCED, as to an
    /// instance a newer one with its transactional id has fenced) stops the pipeline with that
    /// error, and the pipeline is then freed without any of its handlers being called: `run()`
    /// rethrew without `shutdown`'s cleanup, and the consumer's close when it was freed (leaving
    /// the group, revoking its partitions) ran the rebalance handler on the pipeline being
    /// freed, which trapped and took the whole process down.
    @Test func aFencedPipelineStopsWithTheErrorAndIsFreedCleanly() throws {
        let lines = try referenceLines()
        let rules = try Stream.defaultRules()
        let bed = try TestBed(partitions: 1)
        try bed.produce(lines.map { (Stream.customerKey($0) ?? "unknown", Array($0.utf8), nil) })
        bed.broker.cluster.pushRequestErrors(apiKey: 26 /* EndTxn */, errors: [90 /* PRODUCER_FENCED */])
        var running: RunningPipeline? = RunningPipeline(bed.pipeline(group: "eos-fenced", rules: rules, transactionalID: "moments-eos-3"))
        #expect(running?.ended(within: 60) == true)
        let error = running?.stop()   // what run() ended with
        #expect((error as? KafkaError)?.isFatal == true, "\(String(describing: error))")
        #expect(running?.pipeline.status.commits == 0)
        running = nil   // the pipeline and its clients are freed now
        // The health check lets go of the consumer within its next step.
        Thread.sleep(forTimeInterval: 2)
    }
}

final class ErrorSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (any Error)?
    func set(_ e: (any Error)?) { lock.lock(); value = e; lock.unlock() }
    var error: (any Error)? { lock.lock(); defer { lock.unlock() }; return value }
}
