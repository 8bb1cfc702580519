import Foundation
import KafkaMock
import MomentsApp
import MomentsCore
import Testing
@testable import Kafka
@testable import MomentsRuntime

/// Calls that wait for a broker during a stop end within the stop's deadline: systemd and
/// Kubernetes kill a stop 30 s after its signal, and until 2026-12-07 a stop's commit of the
/// leaving partitions could wait librdkafka's 45 s for a coordinator, and exactly-once's offsets
/// and commit 30 s each.
@Suite(.serialized, .timeLimit(.minutes(3))) struct StopCallBoundTests {
    static let endTxn: Int16 = 26

    @Test func aCallsBoundIsWhatIsLeftOfTheStopsDeadline() throws {
        let bed = try TestBed(partitions: 1)
        let p = bed.pipeline(group: "stop-bound", rules: try Stream.defaultRules(), changelog: false)
        let now = p.wallClock.milliseconds()
        #expect(p.boundedWaitMs(usual: 30_000) == 30_000)
        #expect(p.leavingCommitTimeoutMs() == 30_000)
        p.stopDeadlineWall = now + 10_000
        #expect((8_000...10_000).contains(p.boundedWaitMs(usual: 30_000)))
        // Never longer than the call's usual bound, never shorter than 2 s.
        p.stopDeadlineWall = now + 600_000
        #expect(p.boundedWaitMs(usual: 30_000) == 30_000)
        p.stopDeadlineWall = now - 5_000
        #expect(p.boundedWaitMs(usual: 30_000) == 2_000)
        #expect(p.transactionCallTimeoutMs() == 2_000)
    }

    /// Exactly-once: a stop's commit of the transaction, which the coordinator answers 20 s
    /// late, gives up at the stop's deadline and is left to the next instance with the id.
    @Test func aStopsTransactionCommitEndsAtTheStopsDeadline() throws {
        let bed = try TestBed(partitions: 1)
        let id = "stop-bound-eos"
        let (p, task, _) = try bed.transactionalPipeline(id: id, transactionCallTimeout: .seconds(30))
        try bed.produceOutput(p, task, offset: 4)

        try bed.broker.cluster.pushBrokerRequestError(broker: 1, apiKey: Self.endTxn, error: 0, rttMs: 20_000)
        p.stopDeadlineWall = p.wallClock.milliseconds() + 3_000
        let started = Date()
        try p.commitTransaction()
        let waited = Date().timeIntervalSince(started)
        let pending: Bool
        if case .committing = p.transactionEnding { pending = true } else { pending = false }
        #expect(pending, "the commit was not left to finish later")
        // Well below the 20 s the coordinator takes and the 30 s the call may take otherwise
        // (a loose bound: the machine is shared).
        #expect(waited < 15, "the commit waited \(waited) s")
    }
}
