import MomentsCore
import Testing
@testable import Kafka
@testable import MomentsRuntime

/// A checkpoint's state waits for its own partition's outputs, and a partition waiting is not
/// taken again. Until 2026-12-07 one output stuck on its way (an output partition without a
/// leader) held back the state and commits of every partition of the instance, and each commit
/// interval added a copy of every changed customer's state to what waited. No broker: the
/// pipeline's bookkeeping is driven directly.
@Suite struct StateWaitingTests {
    let first = TopicPartition(topic: "interactions", partition: 0)
    let second = TopicPartition(topic: "interactions", partition: 1)

    @Test func oneStuckOutputHoldsBackOnlyItsPartition() throws {
        let p = try Pipeline.unstarted()
        let stuck = p.newTask(first), other = p.newTask(second)
        stuck.unacknowledgedByEpoch[0] = 1   // an output of the first partition, produced in epoch 0, not acknowledged
        p.deferredState = [
            Pipeline.DeferredState(epoch: 0, partition: first, generation: stuck.generation, encoding: nil, offset: 19),
            Pipeline.DeferredState(epoch: 0, partition: second, generation: other.generation, encoding: nil, offset: 29),
            Pipeline.DeferredState(epoch: 1, partition: first, generation: stuck.generation, encoding: nil, offset: 24),
        ]
        p.releaseDeferredState()
        #expect(other.durableOffset == 30)   // its state written: its commits go on
        #expect(stuck.durableOffset == 10)
        // The later state of the first partition waits behind its earlier one, though epoch 1 has no output outstanding.
        #expect(p.deferredState.map(\.offset) == [19, 24])
        stuck.outputSettled(epoch: 0)
        p.releaseDeferredState()
        #expect(stuck.durableOffset == 25)
        #expect(p.deferredState.isEmpty)
    }

    @Test func aPartitionWaitingIsNotTakenAgainUntilItLeaves() throws {
        let p = try Pipeline.unstarted()
        p.changelog = Changelog(topic: "moments-state-changelog")
        let t = p.newTask(first)
        t.engine.tracksChanges = true
        func apply(_ n: Int) throws {
            let line = #"{"event_id":"e-\#(n)","type":"interaction.queued","occurred_at":"2026-11-24T09:00:0\#(n)Z","interaction_id":"i-1","customer_id":"c-1","channel":"voice","queue":"billing"}"#
            _ = t.engine.process(try EventDecoder().decode(line).get())
            t.noteProcessed(offset: Int64(10 + n))
        }
        try apply(0)
        t.unacknowledgedByEpoch[p.epoch] = 1
        p.deferChangelog(only: nil)
        #expect(p.deferredState.map(\.offset) == [10])
        try apply(1)
        p.deferChangelog(only: nil)
        p.deferChangelog(only: nil)
        // Still the one state: the change since stays marked in the engine.
        #expect(p.deferredState.map(\.offset) == [10])
        #expect(p.status.statesWaiting == 1)
        // Leaving, the partition's state is taken whatever waits: all of it must be written now.
        p.deferChangelog(only: nil, leaving: true)
        #expect(p.deferredState.map(\.offset) == [10, 11])
        let later = try #require(p.deferredState.last?.encoding?.records(wait: true))
        #expect(later.contains { $0.id == "state:c-1" })
    }
}
