import Testing
@testable import MomentsCore

/// The engine's timer queue must fire timers by deadline, and timers of one deadline in the
/// order they were scheduled, whatever the heap's shape (it became four-ary on 2026-12-06):
/// that order is part of what makes a replay give the same outputs.
@Suite struct TimerQueueTests {
    /// A small deterministic generator, so a failure can be replayed.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    /// Timers scheduled and fired in interleaved rounds, with many equal deadlines, against a
    /// list kept in order by (deadline, order of scheduling): every pop must be the list's first.
    @Test(arguments: [1, 2, 5, 17, 300, 5000])
    func firesByDeadlineThenByScheduleOrder(size: Int) throws {
        var queue = TimerQueue()
        var expected: [(deadline: Int64, customer: String)] = []
        var random = Generator(state: UInt64(size))
        var scheduled = 0
        var clock: Int64 = 0
        for _ in 0..<4 {
            for _ in 0..<size {
                // Few distinct deadlines: ties are the case the sequence numbers decide.
                let deadline = clock + Int64(random.next(max(2, size / 8)))
                let customer = "c-\(scheduled)"
                queue.schedule(.evictCustomer(customer: customer), at: Timestamp(milliseconds: deadline))
                // After the last entry of an equal or earlier deadline: stable by schedule order.
                let at = expected.firstIndex { $0.deadline > deadline } ?? expected.count
                expected.insert((deadline, customer), at: at)
                scheduled += 1
            }
            #expect(queue.count == expected.count)
            #expect(queue.earliest == expected.first.map { Timestamp(milliseconds: $0.deadline) })
            // Fire what is due at a time within the scheduled range: about half of them.
            clock += Int64(max(1, size / 16))
            while let entry = queue.popDue(at: Timestamp(milliseconds: clock)) {
                try #require(!expected.isEmpty, "more timers fired than were scheduled")
                let first = expected.removeFirst()
                #expect(entry.deadline.milliseconds == first.deadline)
                #expect(entry.timer == .evictCustomer(customer: first.customer), "fired out of order")
                if entry.timer != .evictCustomer(customer: first.customer) { return }
            }
            #expect(expected.first.map { $0.deadline > clock } ?? true, "a due timer was not fired")
        }
        // The rest, in order.
        while let entry = queue.popDue(at: Timestamp(milliseconds: .max)) {
            try #require(!expected.isEmpty, "more timers fired than were scheduled")
            let first = expected.removeFirst()
            #expect(entry.deadline.milliseconds == first.deadline)
            #expect(entry.timer == .evictCustomer(customer: first.customer))
        }
        #expect(expected.isEmpty && queue.count == 0)
    }

    /// Carried-over entries keep their sequence numbers (a snapshot restored): order among them
    /// and new ones follows those numbers.
    @Test func preservedSequencesKeepTheirOrder() {
        var queue = TimerQueue()
        let at = Timestamp(milliseconds: 10)
        queue.insertPreservingSequence(.init(deadline: at, sequence: 7, timer: .evictCustomer(customer: "b")))
        queue.insertPreservingSequence(.init(deadline: at, sequence: 3, timer: .evictCustomer(customer: "a")))
        queue.insertPreservingSequence(.init(deadline: at, sequence: 9, timer: .evictCustomer(customer: "c")))
        queue.setNextSequence(10)
        queue.schedule(.evictCustomer(customer: "d"), at: at)
        var fired: [TimerQueue.Timer] = []
        while let e = queue.popDue(at: at) { fired.append(e.timer) }
        #expect(fired == ["a", "b", "c", "d"].map { .evictCustomer(customer: $0) })
    }
}
