import Foundation
import KafkaMock
import MomentsApp
import MomentsCore
import Testing
@testable import Kafka
@testable import MomentsRuntime

/// Exactly-once: committing and aborting a transaction are resumable in librdkafka. A call that
/// returns a retriable error (its timeout) leaves the operation going on in the background, and
/// only calling the same function again finishes it; meanwhile every other transactional call
/// fails (`__CONFLICT`) and so does every produce (`__STATE`). A commit that timed out was never
/// called again: the next outputs failed, the aborts that followed were refused, and the
/// pipeline never committed or emitted again until restarted.
///
/// The embedded broker answers EndTxn (API key 26) late here, past the pipeline's call timeout:
/// a real coordinator that is slow, or moving, does the same.
@Suite(.serialized, .timeLimit(.minutes(3))) struct TransactionResumeTests {
    static let endTxn: Int16 = 26

    // Values are bound before they are checked: an expectation that fails reflects what it
    // names, and a pipeline's or task's engine holds timestamps (`Timestamp.min`) the
    // reflection traps on.

    /// A pipeline's bookkeeping driven directly (`TestBed.transactionalPipeline`), its calls
    /// timing out after 300 ms.
    func pipeline(_ bed: TestBed, id: String) throws -> (Pipeline, PartitionTask, TopicPartition) {
        try bed.transactionalPipeline(id: id, transactionCallTimeout: .milliseconds(300))
    }

    func produceOutput(_ p: Pipeline, _ task: PartitionTask, _ bed: TestBed, offset: Int64) throws {
        try bed.produceOutput(p, task, offset: offset)
    }

    /// Calls `commitTransaction` as the loop does while an ending is pending; returns whether it ended.
    func resume(_ p: Pipeline, seconds: Double = 15) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while p.transactionEnding != nil && Date() < deadline { try p.commitTransaction() }
        return p.transactionEnding == nil
    }

    @Test func aCommitThatTimedOutIsCalledAgainUntilItCommits() throws {
        let bed = try TestBed(partitions: 1)
        let (p, task, tp) = try pipeline(bed, id: "eos-resume-commit")
        try produceOutput(p, task, bed, offset: 4)

        try bed.broker.cluster.pushBrokerRequestError(broker: 1, apiKey: Self.endTxn, error: 0, rttMs: 2000)
        try p.commitTransaction()
        guard case .committing(let offsets) = p.transactionEnding else {
            Issue.record("the commit was not left pending")
            return
        }
        #expect(offsets == [tp: 5])
        var (commits, open) = (p.status.commits, p.inTransaction)
        #expect(commits == 0 && open)
        // What librdkafka refuses meanwhile, and what the loop therefore never calls.
        let producer: KafkaProducer = p.producer
        #expect(throws: KafkaError.self) { try producer.abortTransaction(timeoutMs: 100) }

        let resumed = try resume(p)
        #expect(resumed)
        let (aborted, lastCommitted, sameTask) = (p.status.transactionsAborted, task.lastCommitted, p.tasks[tp] === task)
        (commits, open) = (p.status.commits, p.inTransaction)
        #expect(commits == 1 && aborted == 0)
        #expect(!open && lastCommitted == 5)
        #expect(sameTask, "a committed transaction rewinds nothing")

        // The next transaction begins, takes outputs and commits as usual.
        try produceOutput(p, task, bed, offset: 9)
        try p.commitTransaction()
        let (ended, commitsNow, lastNow) = (p.transactionEnding == nil, p.status.commits, task.lastCommitted)
        #expect(ended && commitsNow == 2 && lastNow == 10)
    }

    @Test func anAbortThatTimedOutIsCalledAgainBeforeTheRewind() throws {
        let bed = try TestBed(partitions: 1)
        let (p, task, tp) = try pipeline(bed, id: "eos-resume-abort")
        try produceOutput(p, task, bed, offset: 4)
        p.transactionFailed = true   // as a failed output would

        try bed.broker.cluster.pushBrokerRequestError(broker: 1, apiKey: Self.endTxn, error: 0, rttMs: 2000)
        try p.commitTransaction()
        guard case .aborting = p.transactionEnding else {
            Issue.record("the abort was not left pending")
            return
        }
        // Not rewound yet: work redone now would be produced into a transaction that cannot begin.
        let (notRewound, abortedBefore) = (p.tasks[tp] === task, p.status.transactionsAborted)
        #expect(notRewound && abortedBefore == 0)

        let resumed = try resume(p)
        #expect(resumed)
        let (aborted, commits, open, failed) = (p.status.transactionsAborted, p.status.commits, p.inTransaction, p.transactionFailed)
        let rewound = p.tasks[tp] != nil && p.tasks[tp] !== task
        #expect(aborted == 1 && commits == 0)
        #expect(!open && !failed)
        #expect(rewound, "rewound to the last commit with a new task")

        // And the transactions after it work.
        guard let again = p.tasks[tp] else { return }
        try produceOutput(p, again, bed, offset: 0)
        try p.commitTransaction()
        let (ended, commitsNow) = (p.transactionEnding == nil, p.status.commits)
        #expect(ended && commitsNow == 1)
    }

    /// The whole pipeline: after a commit that timed out, it goes on committing and emitting.
    @Test func thePipelineGoesOnAfterACommitThatTimedOut() throws {
        let lines = try Stream.referenceLines()
        let rules = try Stream.defaultRules()
        let expected = Set(Stream.replay(lines, rules: rules).map(\.id))
        let firstHalf = Set(Stream.replay(Array(lines.prefix(36)), rules: rules).map(\.id))
        let bed = try TestBed(partitions: 1)
        let messages = lines.map { (key: Stream.customerKey($0) ?? "unknown", value: Array($0.utf8), partition: Int32?.none) }
        try bed.produce(Array(messages.prefix(36)))
        let running = RunningPipeline(bed.pipeline(group: "eos-resume", rules: rules, transactionalID: "moments-eos-resume", transactionCallTimeout: .milliseconds(300)))
        let collector = try OutputCollector(bed: bed)
        #expect(collector.wait(seconds: 30) { firstHalf.isSubset(of: Set($0.compactMap(\.cloudEventID))) })
        #expect(waitFor(seconds: 10) { running.pipeline.status.commits > 0 && running.pipeline.status.outputsInFlight == 0 })
        Thread.sleep(forTimeInterval: 0.5)   // the first half's last transaction committed
        let commitsBefore = running.pipeline.status.commits

        // The next EndTxn, the second half's first commit, is answered after 2 s.
        try bed.broker.cluster.pushBrokerRequestError(broker: 1, apiKey: Self.endTxn, error: 0, rttMs: 2000)
        try bed.produce(Array(messages.dropFirst(36)))
        let complete = collector.wait(seconds: 30) { expected.isSubset(of: Set($0.compactMap(\.cloudEventID))) }
        let committedAgain = waitFor(seconds: 15) { running.pipeline.status.commits > commitsBefore && running.pipeline.status.outputsInFlight == 0 }
        let (aborted, produceErrors) = (running.pipeline.status.transactionsAborted, running.pipeline.status.produceErrors)
        let stopError = running.stop()
        #expect(stopError == nil)
        collector.stop()
        #expect(complete)
        #expect(committedAgain, "no transaction committed after the one that timed out")
        #expect(aborted == 0)
        #expect(produceErrors == 0, "an output was produced while the commit was unfinished")
    }
}
