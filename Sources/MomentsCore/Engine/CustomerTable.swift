/// The engine's customers by id: the one table every event looks up.
///
/// A `[String: CustomerState]` hashed the id with SipHash on every lookup (a fresh `Hasher`,
/// the string's bytes, a finalization): about 460 instructions an event, a thirtieth of the
/// engine. This table hashes the id's bytes with a seeded multiply-rotate hash instead
/// (`CustomerTable.hash`, a few dozen instructions), probes an array of 8-byte slots, and keeps
/// the entries (key and state side by side) dense, in an array of their own, so a state is
/// reached by its position. Side by side because every event reads both, and each table of
/// tens of thousands of customers is out of the cache: in arrays of their own, the key and the
/// state were two cache misses an event where one entry is one (2026-12-06).
///
/// Each slot holds 32 bits of the key's hash (its tag, which also gives the home slot) and the
/// key's position plus one (0: empty). Probing is linear, at most half the slots are in use,
/// and a removal shifts the following entries back (no tombstones), so a table under constant
/// arrival and eviction never degrades. A removal moves the last entry into the freed position,
/// so positions are valid only until the next insertion or removal, as a Dictionary's indices.
///
/// The seed comes from Swift's own per-process hashing seed, so ids chosen to collide cannot be
/// prepared in advance (SWIFT_DETERMINISTIC_HASHING fixes it for repeatable measurements).
/// Nothing the engine emits depends on the layout: snapshots sort the ids, and the order of the
/// dense arrays is that of arrival and eviction, the same for the same inputs.
struct CustomerTable: Sendable {
    typealias Index = Int

    private struct Entry {
        var key: String
        var value: CustomerState
    }
    private var entries: [Entry] = []
    /// For snapshots and gauges, not for every event.
    var keys: [String] { entries.map(\.key) }
    private var slots: [UInt64]
    private var mask: Int
    private let seed: UInt64

    /// `seed` is for tests, which replay one layout; the engine takes the process's.
    init(seed: UInt64? = nil) {
        slots = Array(repeating: 0, count: 16)
        mask = 15
        self.seed = seed ?? Self.processSeed()
    }

    /// A seed from Swift's per-process hashing seed (fixed by SWIFT_DETERMINISTIC_HASHING).
    static func processSeed() -> UInt64 {
        var h = Hasher()
        h.combine(0x4D6F_6D65_6E74_73 as UInt64)
        return UInt64(truncatingIfNeeded: h.finalize())
    }

    /// The open interactions of every customer, counted in place (`values` would copy every state).
    var interactionCount: Int { entries.reduce(0) { $0 + $1.value.interactions.count } }

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    /// The position of `key`'s state, or nil.
    func index(forKey key: String) -> Index? {
        let tag = Self.tag(hash(key))
        var i = Int(tag) & mask
        while true {
            let s = slots[i]
            if s == 0 { return nil }
            if UInt32(truncatingIfNeeded: s >> 32) == tag {
                let d = Int(UInt32(truncatingIfNeeded: s)) - 1
                if entries[d].key == key { return d }
            }
            i = (i + 1) & mask
        }
    }

    subscript(key: String) -> CustomerState? {
        get { index(forKey: key).map { entries[$0].value } }
        set {
            switch (index(forKey: key), newValue) {
            case let (d?, value?): entries[d].value = value
            case let (d?, nil): remove(at: d)
            case let (nil, value?): insert(key, value)
            case (nil, nil): break
            }
        }
    }

    /// Moves a state out for an update by swapping it with `value` (a placeholder going in), so
    /// the update works on a uniquely referenced state (no copy on write). Returns the position
    /// for `checkIn` (nil when the key is absent and `value` is left as it was), so the key is
    /// hashed once. Nothing may insert or remove keys before `checkIn`.
    mutating func checkOut(_ key: String, into value: inout CustomerState) -> Index? {
        guard let d = index(forKey: key) else { return nil }
        checkOut(at: d, into: &value)
        return d
    }

    /// `checkOut` at a position already looked up.
    mutating func checkOut(at d: Index, into value: inout CustomerState) { swap(&value, &entries[d].value) }

    /// Puts a state back at the position `checkOut` returned, or inserts it (`slot` nil).
    mutating func checkIn(_ key: String, _ value: inout CustomerState, at slot: Index?) {
        if let slot { swap(&value, &entries[slot].value) } else { insert(key, value) }
    }

    /// Works on the state at `d` where it is: reading `values[d]` would copy the state out (a
    /// retain per reference in it) just to look at one field.
    mutating func inPlace<T>(at d: Index, _ body: (inout CustomerState) -> T) -> T { body(&entries[d].value) }

    /// Removes the entry at `d`; the last entry takes its position.
    mutating func remove(at d: Index) {
        removeSlot(of: entries[d].key, position: d)
        let last = entries.count - 1
        if d != last {
            repoint(entries[last].key, from: last, to: d)
            entries.swapAt(d, last)
        }
        entries.removeLast()
    }

    /// The same keys with every state transformed (a hot reload remaps rule indices).
    func mapValues(_ transform: (CustomerState) -> CustomerState) -> CustomerTable {
        var t = self
        t.entries = entries.map { Entry(key: $0.key, value: transform($0.value)) }
        return t
    }

    // MARK: slots

    /// Adds `key`, which is not in the table.
    private mutating func insert(_ key: String, _ value: CustomerState) {
        entries.append(Entry(key: key, value: value))
        place(Self.tag(hash(key)), position: entries.count - 1)
        if entries.count * 2 > slots.count { grow() }
    }

    private mutating func place(_ tag: UInt32, position: Int) {
        var i = Int(tag) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = UInt64(tag) << 32 | UInt64(position + 1)
    }

    /// The slot index holding `key` at `position`.
    private func slotIndex(of key: String, position: Int) -> Int {
        let entry = UInt64(Self.tag(hash(key))) << 32 | UInt64(position + 1)
        var i = Int(UInt32(truncatingIfNeeded: entry >> 32)) & mask
        while slots[i] != entry { i = (i + 1) & mask }
        return i
    }

    private mutating func repoint(_ key: String, from old: Int, to new: Int) {
        let i = slotIndex(of: key, position: old)
        slots[i] = slots[i] & 0xFFFF_FFFF_0000_0000 | UInt64(new + 1)
    }

    /// Backward-shift deletion: later entries of the probe run move into the hole when their
    /// home slot does not lie (cyclically) after the hole and up to their current slot.
    private mutating func removeSlot(of key: String, position: Int) {
        var hole = slotIndex(of: key, position: position)
        var j = hole
        while true {
            j = (j + 1) & mask
            if slots[j] == 0 { break }
            let home = Int(UInt32(truncatingIfNeeded: slots[j] >> 32)) & mask
            let between = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j)
            if !between {
                slots[hole] = slots[j]
                hole = j
            }
        }
        slots[hole] = 0
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for entry in old where entry != 0 {
            place(UInt32(truncatingIfNeeded: entry >> 32), position: Int(UInt32(truncatingIfNeeded: entry)) - 1)
        }
    }

    // MARK: hashing

    @inline(__always) private static func tag(_ h: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: h >> 32) }

    /// The key's UTF-8 bytes as words (`ByteHash.forEachWord`: no byte loop), each mixed in
    /// after the length and the seed, finished with the avalanche.
    @inline(__always) private func hash(_ key: String) -> UInt64 {
        key.withUTF8Bytes { Self.hash($0, seed: seed) }
    }

    static func hash(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        var h = seed ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
        ByteHash.forEachWord(bytes) { h = ByteHash.mix(h, $0) }
        return ByteHash.avalanche(h)
    }
}
