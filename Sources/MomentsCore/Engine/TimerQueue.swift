/// The engine's timers, earliest deadline first; timers with the same deadline come out in the
/// order they were scheduled, and the engine orders each such group by what its timers are
/// about (`Timer.firesBefore`), so the same state fires them in the same order (determinism).
///
/// The heap holds only plain values (deadline, sequence, slot); what a timer is about lives in a
/// slot table beside it. Sifting then moves 24-byte values without reference counting: with the
/// ids inside the heap, `pop` alone was an eighth of the engine's time.
struct TimerQueue: Sendable {
    struct Entry: Sendable {
        var deadline: Timestamp
        var sequence: UInt64
        var timer: Timer

        func before(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : sequence < other.sequence
        }
    }

    enum Timer: Sendable, Equatable {
        /// A wait condition's deadline: still open at `episode`?
        case wait(customer: String, interaction: String, rule: Int, episode: Int)
        /// Is this interaction ended or idle long enough to be forgotten?
        case evictInteraction(customer: String, interaction: String)
        /// Has this customer's history expired?
        case evictCustomer(customer: String)

        /// The order of timers due at the same instant (`Engine.fireDueTimers`): waits before
        /// evictions, an interaction's before its customer's, then by customer, interaction,
        /// rule and episode — what the timer is about, which a restored engine knows too.
        static func firesBefore(_ a: Timer, _ b: Timer) -> Bool {
            a.order < b.order
        }

        private var order: (Int, String, String, Int, Int) {
            switch self {
            case let .wait(customer, interaction, rule, episode): return (0, customer, interaction, rule, episode)
            case let .evictInteraction(customer, interaction): return (1, customer, interaction, 0, 0)
            case let .evictCustomer(customer): return (2, customer, "", 0, 0)
            }
        }
    }

    /// A heap node: ordered by deadline, then sequence; `slot` finds the timer.
    private struct Key {
        var deadline: Int64
        var sequence: UInt64
        var slot: Int32

        @inline(__always) func before(_ other: Key) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : sequence < other.sequence
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
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slots[Int(slot)] = consume timer
        } else {
            slot = Int32(slots.count)
            slots.append(consume timer)
        }
        push(Key(deadline: deadline.milliseconds, sequence: sequence, slot: slot))
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
    // children are 96 bytes side by side), where a binary heap had twice the levels. Which
    // timer comes first does not depend on the heap's shape: keys are ordered by deadline, then
    // by a sequence number no two timers share.

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
