/// Recently decoded `attributes` objects, by their raw bytes, so an object seen before is not
/// sorted and laid out again: building `Attributes` was a sixth of decoding an event.
///
/// Attributes are categorical (tier, language, region, segment, site): the reference workload
/// has 377 distinct objects in 50,000 events, and every event of an interaction repeats its
/// own. A hit is a hash of the object's bytes and one comparison with the stored bytes, so the
/// result is exactly what decoding the bytes gives (the same bytes always decode alike) and
/// decoding stays deterministic. A cache is not shared between threads: the pipeline keeps one
/// per partition, whose records one thread handles at a time.
///
/// If a producer puts a value of its own in every object (a request id), every lookup misses;
/// then the cache stops storing for a while (`pauseLength` lookups) instead of paying for an
/// insertion per event.
public final class AttributeCache {
    private struct Slot {
        var raw: [UInt8]
        var attributes: Attributes
    }

    // Unchecked exclusivity: a cache is used by one thread at a time, and the dynamic checks
    // of a class's stored properties cost more than the lookup itself.
    @exclusivity(unchecked) private var slots: [Slot?]
    private let mask: Int
    /// Hits and lookups in the current window of `windowLength` lookups.
    @exclusivity(unchecked) private var windowHits = 0
    @exclusivity(unchecked) private var windowLookups = 0
    /// Lookups left before storing resumes (0: storing).
    @exclusivity(unchecked) private var paused = 0
    @exclusivity(unchecked) public private(set) var hits = 0
    @exclusivity(unchecked) public private(set) var misses = 0

    static let windowLength = 4096
    static let pauseLength = 65_536
    /// Objects larger than this are not kept (a hostile megabyte object would pin its bytes).
    static let maxRawBytes = 1024

    /// `capacity` is rounded up to a power of two.
    public init(capacity: Int = 2048) {
        var n = 1
        while n < max(capacity, 1) { n <<= 1 }
        slots = Array(repeating: nil, count: n)
        mask = n - 1
    }

    /// The stored attributes of the object whose bytes (braces included) are exactly `raw`, or nil. Counts towards
    /// the hit rate; objects too large to keep are not looked up.
    func lookup(raw: UnsafeBufferPointer<UInt8>) -> Attributes? {
        guard raw.count <= Self.maxRawBytes else { return nil }
        if let slot = slots[Self.slot(raw, mask)], slot.raw.withUnsafeBufferPointer({ ByteScan.equal($0, raw) }) {
            hits += 1
            count(hit: true)
            return slot.attributes
        }
        misses += 1
        count(hit: false)
        return nil
    }

    /// Keeps `attributes` as what `raw` decodes to, unless storing is paused. `raw` must be a
    /// whole object that decoded without error to exactly these attributes.
    func store(raw: UnsafeBufferPointer<UInt8>, _ attributes: Attributes) {
        guard raw.count <= Self.maxRawBytes, paused == 0 else { return }
        slots[Self.slot(raw, mask)] = Slot(raw: Array(raw), attributes: attributes)
    }

    private static func slot(_ raw: UnsafeBufferPointer<UInt8>, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: hash(raw)) & mask
    }

    /// Keeps the hit rate of the current window; a window with fewer hits than misses pauses
    /// storing.
    private func count(hit: Bool) {
        if paused > 0 { paused -= 1; return }
        windowLookups += 1
        if hit { windowHits += 1 }
        guard windowLookups == Self.windowLength else { return }
        if windowHits * 2 < windowLookups { paused = Self.pauseLength }
        windowHits = 0
        windowLookups = 0
    }

    /// FNV-1a's step taken over the object's words (`ByteHash.forEachWord`), finished with a
    /// multiply-shift: the slot only needs the bits spread, the comparison decides.
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(bytes.count)
        ByteHash.forEachWord(bytes) { h = (h ^ $0) &* 0x0000_0100_0000_01B3 }
        return ((h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9) >> 32
    }
}
