import Foundation
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
}
