/// The input partition a keyed record lands on, as the Java client's default partitioner puts
/// it (and librdkafka's `murmur2_random`, which `simulate` and the daemon's producers name): the
/// key's murmur2 hash with the sign bit masked off, modulo the number of partitions. Producers of
/// the input topic key each event by its customer, so this is the partition whose engine sees a
/// customer's events; `moments replay --partitions` spreads a file's events the same way.
public enum KeyPartitioner {
    /// The partition, `0..<count`, of a record with this key.
    public static func partition(of key: some Collection<UInt8>, count: Int) -> Int {
        precondition(count > 0, "a topic has at least one partition")
        // Masked rather than negated: Java's `Utils.toPositive`, so Int32.min has a partition too.
        return Int(UInt32(bitPattern: murmur2(key)) & 0x7FFF_FFFF) % count
    }

    /// Kafka's `Utils.murmur2`: 32-bit MurmurHash2 with Kafka's seed, words read little-endian,
    /// as a signed Int32 (how Java returns it, and how its published test values are written).
    public static func murmur2(_ key: some Collection<UInt8>) -> Int32 {
        let m: UInt32 = 0x5BD1_E995
        var h: UInt32 = 0x9747_B28C ^ UInt32(truncatingIfNeeded: key.count)
        var word: UInt32 = 0
        var filled = 0
        for byte in key {
            word |= UInt32(byte) << (8 * UInt32(filled))
            filled += 1
            guard filled == 4 else { continue }
            var k = word &* m
            k ^= k >> 24
            k = k &* m
            h = (h &* m) ^ k
            word = 0
            filled = 0
        }
        // The one to three bytes left over, which Java's fall-through switch xors in the same way.
        if filled > 0 {
            h ^= word
            h = h &* m
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }
}
