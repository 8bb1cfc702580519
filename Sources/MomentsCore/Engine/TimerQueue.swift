/// The engine's timers, earliest deadline first; timers with the same deadline fire in the order
/// they were scheduled, so the same input always fires them in the same order (determinism).
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

    private var heap = MinHeap<Entry> { $0.before($1) }
    private(set) var nextSequence: UInt64 = 0

    var count: Int { heap.count }
    var earliest: Timestamp? { heap.first?.deadline }
    var entries: [Entry] { heap.elements }

    mutating func setNextSequence(_ n: UInt64) { nextSequence = n }

    mutating func schedule(_ timer: Timer, at deadline: Timestamp) {
        heap.push(Entry(deadline: deadline, sequence: nextSequence, timer: timer))
        nextSequence &+= 1
    }

    /// Inserts an entry keeping its sequence number (used when timers are carried over).
    mutating func insertPreservingSequence(_ entry: Entry) { heap.push(entry) }

    /// Removes and returns the earliest timer due at or before `time`.
    mutating func popDue(at time: Timestamp) -> Entry? {
        guard let first = heap.first, first.deadline <= time else { return nil }
        return heap.pop()
    }
}
