/// The customers whose state changed since the last checkpoint, in the order they first
/// changed: what the changelog writes next (`Engine.takeChangedStates`).
///
/// Every event marks its customer, so membership is tested once an event. A `Set<String>`
/// hashed the id with SipHash each time and grew by rehashing every id the same way: about 620
/// instructions an event with a changelog, a sixth of detection. This set hashes as
/// `CustomerTable` does (seeded multiply-rotate, `CustomerTable.hash`), probes 8-byte slots
/// (32 bits of the hash, which also give the home slot, and the position in `inOrder` plus
/// one), and grows from the slots alone. It is emptied, never shrunk, at each checkpoint, so a
/// partition's steady traffic finds it the right size.
struct ChangedCustomers: Sendable {
    /// The changed customers, first change first.
    private(set) var inOrder: [String] = []
    private var slots: [UInt64] = Array(repeating: 0, count: 16)
    private var mask = 15
    private let seed: UInt64

    /// `seed` is for tests; the engine takes the process's (`CustomerTable.processSeed`).
    init(seed: UInt64 = CustomerTable.processSeed()) { self.seed = seed }

    var isEmpty: Bool { inOrder.isEmpty }
    var count: Int { inOrder.count }

    func contains(_ customer: String) -> Bool { find(customer).position != nil }

    /// Adds `customer`; false when it was already there.
    @discardableResult
    mutating func insert(_ customer: String) -> Bool {
        let (position, slot, tag) = find(customer)
        if position != nil { return false }
        inOrder.append(customer)
        slots[slot] = UInt64(tag) << 32 | UInt64(inOrder.count)
        if inOrder.count * 2 > slots.count { grow() }
        return true
    }

    /// Empties the set, keeping its room. Few entries in a table grown large (a full snapshot,
    /// `markAllChanged`, made it as large as the partition) are cleared slot by slot, not by
    /// zeroing the whole table at every checkpoint after.
    mutating func removeAll() {
        guard !inOrder.isEmpty else { return }
        if inOrder.count * 16 < slots.count {
            // Every slot found before any is cleared: a cleared slot would end later probes early.
            let used = inOrder.map { find($0).slot }
            for slot in used { slots[slot] = 0 }
        } else {
            slots.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        inOrder.removeAll(keepingCapacity: true)
    }

    /// Where `customer` is in `inOrder` (nil: absent), and the slot where the probe ended (the
    /// first empty one when absent) with the customer's tag.
    @inline(__always)
    private func find(_ customer: String) -> (position: Int?, slot: Int, tag: UInt32) {
        let tag = UInt32(truncatingIfNeeded: customer.withUTF8Bytes { CustomerTable.hash($0, seed: seed) } >> 32)
        var i = Int(tag) & mask
        while true {
            let s = slots[i]
            if s == 0 { return (nil, i, tag) }
            if UInt32(truncatingIfNeeded: s >> 32) == tag {
                let p = Int(UInt32(truncatingIfNeeded: s)) - 1
                if inOrder[p] == customer { return (p, i, tag) }
            }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for entry in old where entry != 0 {
            var i = Int(UInt32(truncatingIfNeeded: entry >> 32)) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = entry
        }
    }
}
