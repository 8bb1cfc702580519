/// Outputs handed to the producer and not yet acknowledged, found again by the token their
/// delivery report carries.
///
/// A slab of reusable slots rather than a `Dictionary`: a checkpoint hands the producer every
/// changed customer's state at once, so the in-flight count swings by thousands, and a
/// dictionary of these large values rehashed and moved them into freshly faulted memory at
/// every growth (a tenth of the pipeline thread's time). Slots freed by acknowledgements are
/// reused, so the storage stops growing at the high-water mark and no key is ever hashed.
///
/// A token is a slot index and that slot's generation. The generation changes whenever the slot
/// is emptied, so a stale report — for an output dropped by `removeAll` (an aborted
/// transaction) whose slot now holds a newer output — finds nothing, as with unique tokens.
struct PendingOutputs {
    private var slots: [PendingOutput?] = []
    private var generations: [UInt32] = []
    private var freeSlots: [Int] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Stores `output`; returns the token to give the producer.
    mutating func insert(_ output: consuming PendingOutput) -> UInt64 {
        let token = reserve()
        store(output, at: token)
        return token
    }

    /// A slot for an output not stored yet, and its token: the producer is given the token
    /// before the output is stored (`Pipeline.produce`). `store` or `cancel` it next.
    mutating func reserve() -> UInt64 {
        let index: Int
        if let reused = freeSlots.popLast() {
            index = reused
        } else {
            index = slots.count
            slots.append(nil)
            generations.append(1)
        }
        return UInt64(generations[index]) << 32 | UInt64(index)
    }

    /// Stores `output` in the slot `reserve` gave `token`.
    mutating func store(_ output: consuming PendingOutput, at token: UInt64) {
        let index = Int(token & 0xFFFF_FFFF)
        precondition(generations[index] == UInt32(truncatingIfNeeded: token >> 32), "an output stored in a slot not reserved for it")
        assert(slots[index] == nil, "an output stored over another")
        slots[index] = output
        count += 1
    }

    /// Gives back a reserved slot that no output was stored in.
    mutating func cancel(_ token: UInt64) {
        freeSlots.append(Int(token & 0xFFFF_FFFF))
    }

    /// The output `token` stands for, taken out; nil if it was already taken or dropped.
    mutating func remove(token: UInt64) -> PendingOutput? {
        let index = Int(token & 0xFFFF_FFFF)
        guard index < slots.count, generations[index] == UInt32(truncatingIfNeeded: token >> 32),
              let output = slots[index].take() else { return nil }
        release(index)
        return output
    }

    /// Drops every output; reports still to come for them find nothing.
    mutating func removeAll() {
        for index in slots.indices where slots[index] != nil {
            slots[index] = nil
            release(index)
        }
    }

    private mutating func release(_ index: Int) {
        generations[index] &+= 1
        freeSlots.append(index)
        count -= 1
    }
}
