/// Remembers the most recent `capacity` event ids so a redelivered event is dropped.
///
/// Memory is bounded: ids leave in arrival order (a ring), so an event repeated after more than
/// `capacity` others is processed again; output ids are deterministic, so downstream still dedupes.
public struct DuplicateFilter: Sendable {
    public let capacity: Int
    private var seen: Set<String> = []
    private var ring: [String] = []
    private var next = 0

    public init(capacity: Int = 100_000) {
        precondition(capacity > 0)
        self.capacity = capacity
        // The window fills within minutes in production; growing the set there rehashed every id.
        seen.reserveCapacity(min(capacity, 1 << 20))
        ring.reserveCapacity(min(capacity, 1 << 20))
    }

    /// Records `id`; returns false when it was already seen.
    public mutating func insert(_ id: String) -> Bool {
        // One hash for the check and the insertion together.
        guard seen.insert(id).inserted else { return false }
        if ring.count < capacity {
            ring.append(id)
        } else {
            seen.remove(ring[next])
            ring[next] = id
            next = (next + 1) % capacity
        }
        return true
    }

    public var count: Int { seen.count }
}
