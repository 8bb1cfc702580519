import Testing
@testable import MomentsCore

/// The engine's timer queue must fire timers by deadline, and timers of one deadline in the
/// order of what they are about (`Timer.order`; until 2026-12-08 the order they were scheduled
/// in), whatever the heap's shape (it became four-ary on 2026-12-06): that order is part of
/// what makes a replay, and a restored engine, give the same outputs.
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
    /// list kept in order by (deadline, the timer's order): every pop must be the list's first.
    @Test(arguments: [1, 2, 5, 17, 300, 5000])
    func firesByDeadlineThenByTheirOrder(size: Int) throws {
        var queue = TimerQueue()
        var expected: [(deadline: Int64, customer: String)] = []
        var random = Generator(state: UInt64(size))
        var scheduled = 0
        var clock: Int64 = 0
        for _ in 0..<4 {
            for _ in 0..<size {
                // Few distinct deadlines: ties are the case the timers' order decides.
                let deadline = clock + Int64(random.next(max(2, size / 8)))
                let customer = "c-\(scheduled)"
                queue.schedule(.evictCustomer(customer: customer), at: Timestamp(milliseconds: deadline))
                let order = TimerQueue.Timer.evictCustomer(customer: customer).order
                let at = expected.firstIndex {
                    $0.deadline > deadline || $0.deadline == deadline && TimerQueue.Timer.evictCustomer(customer: $0.customer).order > order
                } ?? expected.count
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

    /// Timers of one instant come out in the same order whatever order they were scheduled in
    /// (a restored engine schedules them again in its own), waits before evictions.
    @Test func oneInstantsTimersComeOutInOneOrder() {
        let at = Timestamp(milliseconds: 10)
        let timers: [TimerQueue.Timer] = [
            .evictCustomer(customer: "a"), .evictInteraction(customer: "b", interaction: "i-1"),
            .wait(customer: "c", interaction: "i-2", rule: 0, episode: 1), .wait(customer: "a", interaction: "i-3", rule: 1, episode: 1),
            .evictCustomer(customer: "d"), .wait(customer: "c", interaction: "i-2", rule: 0, episode: 2),
        ]
        func fired(_ list: [TimerQueue.Timer]) -> [TimerQueue.Timer] {
            var queue = TimerQueue()
            for t in list { queue.schedule(t, at: at) }
            var out: [TimerQueue.Timer] = []
            while let e = queue.popDue(at: at) { out.append(e.timer) }
            return out
        }
        let first = fired(timers)
        #expect(fired(timers.reversed()) == first)
        #expect(fired([timers[3], timers[0], timers[5], timers[1], timers[4], timers[2]]) == first)
        let kinds = first.map { t -> Int in
            switch t { case .wait: return 0; case .evictInteraction: return 1; case .evictCustomer: return 2 }
        }
        #expect(kinds == kinds.sorted())
    }
}
