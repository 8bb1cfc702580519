import Kafka
import MomentsCore
import Testing
@testable import MomentsRuntime

@Suite struct PendingOutputsTests {
    func output(_ id: String) -> PendingOutput {
        PendingOutput(
            record: OutputRecord(topic: "alerts", key: nil, value: [1], headers: [], id: id, kind: .alert),
            partition: TopicPartition(topic: "in", partition: 0), generation: 0, sequence: 0, arrivalWall: 0)
    }

    @Test func eachTokenFindsItsOutputOnce() {
        var pending = PendingOutputs()
        let a = pending.insert(output("a"))
        let b = pending.insert(output("b"))
        #expect(pending.count == 2)
        #expect(pending.remove(token: b)?.record.id == "b")
        #expect(pending.remove(token: b) == nil)
        #expect(pending.remove(token: a)?.record.id == "a")
        #expect(pending.isEmpty)
    }

    @Test func aReusedSlotIgnoresTheReportOfItsFormerOutput() {
        var pending = PendingOutputs()
        let old = pending.insert(output("old"))
        pending.removeAll()   // an aborted transaction: its reports may still come
        #expect(pending.isEmpty)
        let new = pending.insert(output("new"))
        #expect(new != old)
        #expect(pending.remove(token: old) == nil)
        #expect(pending.count == 1)
        #expect(pending.remove(token: new)?.record.id == "new")
    }

    /// `Pipeline.produce` gives the producer a reserved slot's token before it stores the
    /// output; a produce that fails gives the slot back.
    @Test func aReservedSlotIsEmptyUntilStoredAndReusedWhenCancelled() {
        var pending = PendingOutputs()
        let reserved = pending.reserve()
        #expect(pending.isEmpty)
        #expect(pending.remove(token: reserved) == nil)   // nothing stored there yet
        pending.cancel(reserved)
        let again = pending.reserve()
        #expect(again == reserved)   // the slot came back, and no output was ever in it
        pending.store(output("a"), at: again)
        #expect(pending.count == 1)
        let other = pending.insert(output("b"))
        #expect(other != again)
        #expect(pending.remove(token: again)?.record.id == "a")
        #expect(pending.remove(token: other)?.record.id == "b")
        #expect(pending.isEmpty)
    }

    @Test func unknownTokensFindNothing() {
        var pending = PendingOutputs()
        _ = pending.insert(output("a"))
        #expect(pending.remove(token: 0) == nil)
        #expect(pending.remove(token: UInt64(1) << 32 | 5) == nil)
        #expect(pending.count == 1)
    }
}
