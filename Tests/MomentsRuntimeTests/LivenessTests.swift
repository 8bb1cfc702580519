import Foundation
import KafkaMock
import MomentsApp
import MomentsCore
@testable import MomentsRuntime
import Testing

/// The pipeline thread's signs of life (`Pipeline+Liveness`): a pass stuck in one call is
/// reported as a stall, and the report ends once the thread goes on.
@Suite(.serialized) struct LivenessTests {
    /// Blocks the pipeline thread at the start of a pass once asked to, until let go.
    final class Gate: @unchecked Sendable {
        private let lock = NSLock()
        private var closing = false
        private let opened = DispatchSemaphore(value: 0)
        func close() { lock.lock(); closing = true; lock.unlock() }
        func open() { opened.signal() }
        func pass() {
            lock.lock()
            let wait = closing
            closing = false
            lock.unlock()
            if wait { opened.wait() }
        }
    }

    @Test func aPassStuckInOneCallIsAStallUntilItEnds() throws {
        let bed = try TestBed(partitions: 1)
        let gate = Gate()
        var hooks = PipelineHooks()
        hooks.eachPass = { gate.pass() }
        let running = RunningPipeline(bed.pipeline(group: "liveness", rules: try Stream.defaultRules(), changelog: false, hooks: hooks))
        #expect(waitFor(seconds: 30) { running.pipeline.status.ready })
        let limit = Duration(milliseconds: 500)
        // Going: an idle loop passes at least once a second (its gauges), each pass a sign of life.
        #expect(running.pipeline.status.lastSignOfLifeNs != nil)
        #expect(running.pipeline.status.stalled(limit: .seconds(5)) == nil)
        gate.close()
        #expect(waitFor(seconds: 10) { running.pipeline.status.stalled(limit: limit) != nil }, "a stuck pass was not reported")
        let silent = try #require(running.pipeline.status.stalled(limit: limit))
        #expect(silent > limit)
        gate.open()
        #expect(waitFor(seconds: 10) { running.pipeline.status.stalled(limit: limit) == nil }, "the stall was still reported once the pass went on")
        #expect(running.stop() == nil)
        // No pipeline thread, nothing to be stalled.
        #expect(running.pipeline.status.lastSignOfLifeNs == nil)
    }

    /// The start's wait for brokers that do not answer is long by design, and each of its tries
    /// is a sign of life (up to 8 s apart): the daemon is not taken for stalled while it waits.
    @Test func waitingForTheBrokersAtTheStartIsNoStall() throws {
        let bed = try TestBed(partitions: 1)
        try bed.broker.cluster.setBrokerDown()
        // With a changelog, whose topic the start looks up first (`partitionCountsOnceAnswered`).
        let running = RunningPipeline(bed.pipeline(group: "liveness-start", rules: try Stream.defaultRules()))
        let limit = Duration.seconds(10)
        let began = Date()
        var stalled: Duration?
        while Date().timeIntervalSince(began) < 14 {
            if let s = running.pipeline.status.stalled(limit: limit) { stalled = s; break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(stalled == nil, "reported stalled while waiting for the brokers")
        #expect(!running.pipeline.status.running, "the start did not wait for the brokers")
        #expect(running.pipeline.status.lastSignOfLifeNs != nil)
        try bed.broker.cluster.setBrokerUp()
        #expect(waitFor(seconds: 60) { running.pipeline.status.ready })
        #expect(running.stop() == nil)
    }
}
