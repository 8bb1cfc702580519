/// The engine's timers, earliest deadline first. Timers with the same deadline come out in an
/// order of what they are about (`Timer.order`: waits before evictions, then a hash of the
/// customer, interaction, rule and episode), not of when they were scheduled: a restored engine
/// schedules them again in another order, and until 2026-12-08 the last discount of a day's
/// budget could go to another customer after a restart, or as two events of one instant
/// arrived. The sequence number breaks what is left (a timer scheduled twice).
///
/// The heap holds only plain values (deadline, order, sequence, slot); what a timer is about
/// lives in a slot table beside it. Sifting then moves 32-byte values without reference
/// counting: with the ids inside the heap, `pop` alone was an eighth of the engine's time.
struct TimerQueue: Sendable {
    struct Entry: Sendable {
        var deadline: Timestamp
        var sequence: UInt64
        var timer: Timer

        func before(_ other: Entry) -> Bool {
            if deadline != other.deadline { return deadline < other.deadline }
            let (a, b) = (timer.order, other.timer.order)
            return a != b ? a < b : sequence < other.sequence
        }
    }

    enum Timer: Sendable, Equatable {
        /// A wait condition's deadline: still open at `episode`?
        case wait(customer: String, interaction: String, rule: Int, episode: Int)
        /// Is this interaction ended or idle long enough to be forgotten?
        case evictInteraction(customer: String, interaction: String)
        /// Has this customer's history expired?
        case evictCustomer(customer: String)

        /// Where the timer goes among those due at the same instant: its kind in the top two
        /// bits (waits, then interactions' evictions, then customers'), then a hash of what it is
        /// about, made once when it is scheduled. A restored engine computes the same numbers.
        /// (Sorting each instant's timers by their ids cost up to half the engine's instructions
        /// with whole-second timestamps, where many timers share an instant.)
        var order: UInt64 {
            switch self {
            case let .wait(customer, interaction, rule, episode):
                return Self.hash(customer, interaction, UInt64(truncatingIfNeeded: rule) << 32 ^ UInt64(truncatingIfNeeded: episode)) >> 2
            case let .evictInteraction(customer, interaction):
                return 1 << 62 | Self.hash(customer, interaction, 0) >> 2
            case let .evictCustomer(customer):
                return 2 << 62 | Self.hash(customer, "", 0) >> 2
            }
        }

        private static func hash(_ customer: String, _ interaction: String, _ numbers: UInt64) -> UInt64 {
            ByteHash.finish(ByteHash.mixing(interaction, into: ByteHash.mixing(customer, into: numbers)))
        }
    }

    /// A heap node: ordered by deadline, then the timer's `order`, then sequence; `slot` finds
    /// the timer.
    private struct Key {
        var deadline: Int64
        var order: UInt64
        var sequence: UInt64
        var slot: Int32

        @inline(__always) func before(_ other: Key) -> Bool {
            if deadline != other.deadline { return deadline < other.deadline }
            return order != other.order ? order < other.order : sequence < other.sequence
        }
    }

    private var heap: [Key] = []
    private var slots: [Timer?] = []
    private var freeSlots: [Int32] = []
    private(set) var nextSequence: UInt64 = 0

    var count: Int { heap.count }
    var earliest: Timestamp? { heap.first.map { Timestamp(milliseconds: $0.deadline) } }
    var entries: [Entry] {
        heap.map { Entry(deadline: Timestamp(milliseconds: $0.deadline), sequence: $0.sequence, timer: slots[Int($0.slot)]!) }
    }

    mutating func setNextSequence(_ n: UInt64) { nextSequence = n }

    mutating func schedule(_ timer: consuming Timer, at deadline: Timestamp) {
        insert(timer, deadline: deadline, sequence: nextSequence)
        nextSequence &+= 1
    }

    /// Inserts an entry keeping its sequence number (used when timers are carried over).
    mutating func insertPreservingSequence(_ entry: Entry) {
        insert(entry.timer, deadline: entry.deadline, sequence: entry.sequence)
    }

    /// The timer is moved into its slot: stored from a borrowed entry, it was copied (its
    /// strings retained) and the entry then destroyed (released) for every timer scheduled.
    private mutating func insert(_ timer: consuming Timer, deadline: Timestamp, sequence: UInt64) {
        let order = timer.order
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slots[Int(slot)] = consume timer
        } else {
            slot = Int32(slots.count)
            slots.append(consume timer)
        }
        push(Key(deadline: deadline.milliseconds, order: order, sequence: sequence, slot: slot))
    }

    /// Removes and returns the earliest timer due at or before `time`.
    mutating func popDue(at time: Timestamp) -> Entry? {
        guard let first = heap.first, first.deadline <= time.milliseconds else { return nil }
        popFirst()
        let timer = slots[Int(first.slot)].take()!
        freeSlots.append(first.slot)
        return Entry(deadline: Timestamp(milliseconds: first.deadline), sequence: first.sequence, timer: timer)
    }

    // Four children a node rather than two: half as many levels to sift through. The heap is
    // larger than the cache, and each level of a pop is a cache miss or two (a node's four
    // children are 128 bytes side by side), where a binary heap had twice the levels. Which
    // timer comes first does not depend on the heap's shape: keys are ordered by deadline, then
    // by the timer's order, then by a sequence number no two timers share.

    private mutating func push(_ key: Key) {
        heap.append(key)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 4
            guard key.before(heap[parent]) else { break }
            heap[i] = heap[parent]
            i = parent
        }
        heap[i] = key
    }

    private mutating func popFirst() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        let n = heap.count
        var i = 0
        while true {
            let first = 4 * i + 1
            guard first < n else { break }
            var m = first
            let end = min(first + 4, n)
            var c = first + 1
            while c < end {
                if heap[c].before(heap[m]) { m = c }
                c += 1
            }
            guard heap[m].before(last) else { break }
            heap[i] = heap[m]
            i = m
        }
        heap[i] = last
    }
}
