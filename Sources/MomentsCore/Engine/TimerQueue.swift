/// A min-heap of timers ordered by deadline, then by the order they were scheduled, so timers
/// with the same deadline always fire in the same order (determinism).
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
    }

    private(set) var heap: [Entry] = []
    private(set) var nextSequence: UInt64 = 0

    var count: Int { heap.count }
    var earliest: Timestamp? { heap.first?.deadline }

    mutating func setNextSequence(_ n: UInt64) { nextSequence = n }

    mutating func schedule(_ timer: Timer, at deadline: Timestamp) {
        insertPreservingSequence(Entry(deadline: deadline, sequence: nextSequence, timer: timer))
        nextSequence &+= 1
    }

    /// Inserts an entry keeping its sequence number (used when timers are carried over).
    mutating func insertPreservingSequence(_ entry: Entry) {
        heap.append(entry)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].before(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    /// Removes and returns the earliest timer due at or before `time`.
    mutating func popDue(at time: Timestamp) -> Entry? {
        guard let first = heap.first, first.deadline <= time else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count, heap[l].before(heap[m]) { m = l }
                if r < heap.count, heap[r].before(heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return first
    }
}
