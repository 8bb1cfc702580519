/// Decides which input offset of one partition may be committed: an offset is committed only
/// after every output it caused, and everything before it, has been acknowledged by the broker.
///
/// Entries are kept in processing order; acknowledgements may arrive in any order.
public struct OffsetTracker: Sendable {
    private var pending: [Int] = []      // outputs still unacknowledged, per entry
    private var offsets: [Int64] = []    // input offset of each entry
    private var head = 0                 // index of the oldest live entry
    private var firstSequence: UInt64 = 0
    /// The next offset to commit (Kafka convention: last completed offset + 1), if any completed.
    public private(set) var committable: Int64?

    public init(committed: Int64? = nil) { committable = committed }

    /// Records that the input at `offset` produced `outputs` messages; returns a handle for
    /// acknowledging them. Entries with no outputs complete at once.
    public mutating func record(offset: Int64, outputs: Int) -> UInt64 {
        let sequence = firstSequence + UInt64(pending.count - head)
        pending.append(outputs)
        offsets.append(offset)
        drain()
        return sequence
    }

    /// One output of the entry `sequence` was acknowledged.
    public mutating func acknowledge(_ sequence: UInt64) {
        guard sequence >= firstSequence else { return }
        let index = head + Int(sequence - firstSequence)
        guard index < pending.count, pending[index] > 0 else { return }
        pending[index] -= 1
        drain()
    }

    /// The input offset of entry `sequence`, while it waits for outputs.
    public func offset(of sequence: UInt64) -> Int64? {
        guard sequence >= firstSequence else { return nil }
        let index = head + Int(sequence - firstSequence)
        return index < offsets.count ? offsets[index] : nil
    }

    /// Entries whose outputs are not all acknowledged yet.
    public var inFlight: Int { pending.count - head }

    private mutating func drain() {
        while head < pending.count, pending[head] == 0 {
            let next = offsets[head] + 1
            if committable.map({ next > $0 }) ?? true { committable = next }
            head += 1
            firstSequence += 1
        }
        // Compact now and then so memory follows what is in flight, not what was ever seen.
        if head > 1024, head * 2 > pending.count {
            pending.removeFirst(head)
            offsets.removeFirst(head)
            head = 0
        }
    }
}
