/// Remembers the most recent `capacity` event ids so a redelivered event is dropped.
///
/// Memory is bounded: ids leave in arrival order (a ring), so an event repeated after more than
/// `capacity` others is processed again; output ids are deterministic, so downstream still dedupes.
///
/// The filter keeps a 128-bit fingerprint of each id rather than the id: a `Set<String>` hashed
/// every id with SipHash and retained a string per slot. Two ids share a fingerprint with
/// probability about n²/2¹²⁹ (10⁻²⁸ for a window of 100,000), far below the odds of a hardware
/// error, so the filter answers as the set did. It is never persisted, so the hash may change
/// between versions.
///
/// The fingerprints live in the ring; the hash table beside it holds 8 bytes per slot, a tag
/// of the fingerprint and where in the ring it is (see `FingerprintTable`). What the filter
/// costs is the cache miss of the first probe into that table, at random for every event, so
/// its size is what matters: 2 MiB for a window of 100,000 instead of 4 with whole
/// fingerprints in it.
public struct DuplicateFilter: Sendable {
    public let capacity: Int
    private var table: FingerprintTable
    /// The remembered fingerprints in arrival order; once full, `next` is the oldest.
    private var ring: [Fingerprint] = []
    private var next = 0

    static let initialReservation = 1024
    /// Ring positions are kept in 32 bits in the table (`FingerprintTable`).
    public static let maxCapacity = Int(UInt32.max - 1)

    public init(capacity: Int = 100_000) {
        precondition(capacity > 0 && capacity <= Self.maxCapacity)
        self.capacity = capacity
        // Small at first, doubling as ids come: an engine is made for every partition at every
        // assignment, and a table sized for the whole window was megabytes of memory zeroed per
        // partition before its first event (a twelfth of the pipeline thread in a short run),
        // most of it for partitions that never see that many ids. Growth rehashes each id
        // about once in all, a few milliseconds spread over the window's first minutes.
        table = FingerprintTable(expected: min(capacity, Self.initialReservation))
        ring.reserveCapacity(min(capacity, Self.initialReservation))
    }

    /// Records `id`; returns false when it was already seen.
    public mutating func insert(_ id: String) -> Bool { insert(Fingerprint(id)) }

    /// `insert` on a fingerprint already made (tests craft ones that share a tag).
    mutating func insert(_ fingerprint: Fingerprint) -> Bool {
        // Looked up, then placed: the eviction in between may shift the probe run, so the slot
        // the lookup ended on is not kept. The second probe walks lines the first brought in.
        if ring.withUnsafeBufferPointer({ table.contains(fingerprint, ring: $0) }) { return false }
        let position: Int
        if ring.count < capacity {
            position = ring.count
            ring.append(fingerprint)
        } else {
            position = next
            table.remove(ring[position], at: position)
            ring[position] = fingerprint
            next = (next + 1) % capacity
        }
        table.insert(fingerprint, at: position)
        return true
    }

    public var count: Int { table.count }

    /// The same window with room for `newCapacity` ids, remembering the most recent of those it
    /// holds: a reload that changes `duplicate_window` applies it to running partitions too
    /// (keeping the old filter, they went on with the old size while partitions assigned later
    /// used the new one).
    public func resized(to newCapacity: Int) -> DuplicateFilter {
        guard newCapacity != capacity else { return self }
        var resized = DuplicateFilter(capacity: newCapacity)
        // Oldest first, so the newest end up remembered when the new window is smaller. Once the
        // ring is full, `next` is its oldest entry.
        let oldest = ring.count < capacity ? 0 : next
        for k in max(0, ring.count - newCapacity)..<ring.count {
            _ = resized.insert(ring[(oldest + k) % ring.count])
        }
        return resized
    }
}

/// Two independent 64-bit hashes of a string's UTF-8 bytes, computed without allocating.
struct Fingerprint: Hashable, Sendable {
    var high: UInt64
    var low: UInt64

    init(high: UInt64, low: UInt64) { self.high = high; self.low = low }

    init(_ s: String) {
        (high, low) = s.withUTF8Bytes { Self.hash($0) }
        // (0, 0) marks an empty slot of the table; costs one bit of the 128.
        low |= 1
    }

    /// Two lanes with different seeds and multipliers over the id's words
    /// (`ByteHash.forEachWord`: no byte loop; the length, mixed in first, keeps the overlapping
    /// last word from making two ids alike), each finished with the avalanche so every input
    /// bit reaches every output bit.
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        var a: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(bytes.count)
        var b: UInt64 = 0x1319_8A2E_0370_7344 &+ UInt64(bytes.count)
        ByteHash.forEachWord(bytes) { word in
            a = ByteHash.mix(a, word)
            let y = b &+ (word &* 0x9E37_79B9_7F4A_7C15)
            b = ((y << 27) | (y >> 37)) &* 0xC2B2_AE3D_27D4_EB4F
        }
        return (ByteHash.avalanche(a), ByteHash.avalanche(b ^ a >> 17))
    }
}

/// An open-addressing hash table of the ring's fingerprints with linear probing: each slot is
/// 8 bytes, the fingerprint's tag (32 bits of its high word, which also give its home slot) and
/// its position in the ring plus one (0: an empty slot). A probe compares tags and reads the
/// ring only when they agree, which for two different fingerprints in one probe run happens
/// once in thousands of probes. Removal shifts the following entries back (no tombstones), so a
/// table under constant insert-and-evict churn never degrades. Kept at most half full so probes
/// stay short.
struct FingerprintTable: Sendable {
    private var slots: [UInt64]
    private var mask: Int
    private(set) var count = 0

    init(expected: Int) {
        var size = 16
        while size < expected * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always) static func tag(_ f: Fingerprint) -> UInt32 { UInt32(truncatingIfNeeded: f.high) }
    /// The home slot of a tag: the high word is already well mixed. (Past 2³¹ ids, a ring of
    /// 32 GiB, only the first 2³² slots can be homes: still correct, with longer probe runs.)
    @inline(__always) private func home(_ tag: UInt32) -> Int { Int(tag) & mask }
    @inline(__always) private static func slot(tag: UInt32, position: Int) -> UInt64 {
        UInt64(tag) << 32 | UInt64(position + 1)
    }

    func contains(_ f: Fingerprint, ring: UnsafeBufferPointer<Fingerprint>) -> Bool {
        let tag = Self.tag(f)
        var i = home(tag)
        while true {
            let s = slots[i]
            if s == 0 { return false }
            if UInt32(truncatingIfNeeded: s >> 32) == tag, ring[Int(UInt32(truncatingIfNeeded: s)) - 1] == f { return true }
            i = (i + 1) & mask
        }
    }

    /// Adds `f`, which is not there, as held at `position` of the ring.
    mutating func insert(_ f: Fingerprint, at position: Int) {
        place(Self.slot(tag: Self.tag(f), position: position))
        count += 1
        if count * 2 > slots.count { grow() }
    }

    private mutating func place(_ entry: UInt64) {
        var i = home(UInt32(truncatingIfNeeded: entry >> 32))
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = entry
    }

    /// Removes `f`, held at `position` of the ring (found by its position: that is unique).
    mutating func remove(_ f: Fingerprint, at position: Int) {
        let entry = Self.slot(tag: Self.tag(f), position: position)
        var i = home(Self.tag(f))
        while slots[i] != entry {
            if slots[i] == 0 { return }
            i = (i + 1) & mask
        }
        // Backward-shift deletion: move later entries of the probe run into the hole when their
        // home slot does not lie (cyclically) between the hole and their current position.
        var hole = i
        var j = i
        while true {
            j = (j + 1) & mask
            if slots[j] == 0 { break }
            let h = home(UInt32(truncatingIfNeeded: slots[j] >> 32))
            let between = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j)
            if !between {
                slots[hole] = slots[j]
                hole = j
            }
        }
        slots[hole] = 0
        count -= 1
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for entry in old where entry != 0 { place(entry) }
    }
}
