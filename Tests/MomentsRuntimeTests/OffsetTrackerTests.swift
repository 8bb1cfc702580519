import Testing
@testable import MomentsRuntime
import MomentsCore

@Suite struct OffsetTrackerTests {
    @Test func commitsOnlyWhatIsAcknowledgedInOrder() {
        var t = OffsetTracker()
        let a = t.record(offset: 10, outputs: 2)
        let b = t.record(offset: 11, outputs: 1)
        _ = t.record(offset: 12, outputs: 0)
        #expect(t.committable == nil)
        t.acknowledge(b)                 // 11 done, but 10 is not
        #expect(t.committable == nil)
        t.acknowledge(a)
        #expect(t.committable == nil)    // 10 still has one output in flight
        t.acknowledge(a)
        #expect(t.committable == 13)     // 10, 11 and 12 are all done
        #expect(t.inFlight == 0)
    }

    @Test func inputsWithoutOutputsCompleteAtOnce() {
        var t = OffsetTracker(committed: 5)
        #expect(t.committable == 5)
        _ = t.record(offset: 5, outputs: 0)
        _ = t.record(offset: 6, outputs: 0)
        #expect(t.committable == 7)
    }

    @Test func timerOutputsHoldBackLaterOffsets() {
        var t = OffsetTracker()
        _ = t.record(offset: 20, outputs: 0)
        let timer = t.record(offset: 20, outputs: 1)    // a timer fired after offset 20
        _ = t.record(offset: 21, outputs: 0)
        #expect(t.committable == 21)
        t.acknowledge(timer)
        #expect(t.committable == 22)
    }

    @Test func duplicateAndStaleAcknowledgementsAreHarmless() {
        var t = OffsetTracker()
        let a = t.record(offset: 1, outputs: 1)
        t.acknowledge(a)
        t.acknowledge(a)
        t.acknowledge(99)
        _ = t.record(offset: 2, outputs: 1)
        #expect(t.committable == 2)
    }

    @Test func memoryFollowsWhatIsInFlight() {
        var t = OffsetTracker()
        for o in 0..<10_000 { _ = t.record(offset: Int64(o), outputs: 0) }
        let last = t.record(offset: 10_000, outputs: 1)
        #expect(t.committable == 10_000)
        t.acknowledge(last)
        #expect(t.committable == 10_001)
    }
}

@Suite struct PartitionClockTests {
    @Test func wallTimeAdvancesFromTheLastEvent() {
        var c = PartitionClock()
        #expect(c.now(wallMs: 1000) == nil)
        let t = Timestamp(milliseconds: 1_000_000)
        c.observed(engineClock: t, wallMs: 500)
        #expect(c.now(wallMs: 500) == t)
        #expect(c.now(wallMs: 620) == t + Duration(milliseconds: 120))
        #expect(c.now(wallMs: 400) == t)   // never behind the event
    }

    @Test func aTimerIsDueAtTheWallTimeTheClockReachesIt() throws {
        var c = PartitionClock()
        let deadline = Timestamp(milliseconds: 1_060_000)
        #expect(c.wallMs(reaching: deadline) == nil)   // no event yet: no clock to reach it
        c.observed(engineClock: Timestamp(milliseconds: 1_000_000), wallMs: 500)
        let wall = try #require(c.wallMs(reaching: deadline))
        #expect(try #require(c.now(wallMs: wall)) >= deadline)       // due by then
        #expect(try #require(c.now(wallMs: wall - 1)) < deadline)    // and not a millisecond before
        #expect(c.wallMs(reaching: Timestamp(milliseconds: 999_000)) == 500)   // already passed: due now
    }
}
