import Testing
@testable import MomentsCore

/// `KeyPartitioner` must put a key where the input topic's producers put it (the Java client's
/// default partitioner, librdkafka's `murmur2_random`), or a partitioned replay would split the
/// customers otherwise than the daemon's partitions do.
@Suite struct KeyPartitionerTests {
    /// Kafka's own test values for `Utils.murmur2` (UtilsTest.testMurmur2), byte for byte.
    @Test(arguments: [
        ("21", -973_932_308),
        ("foobar", -790_332_482),
        ("a-little-bit-long-string", -985_981_536),
        ("a-little-bit-longer-string", -1_486_304_829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
        ("abc", 479_470_107),
    ] as [(String, Int32)])
    func murmur2MatchesKafkasTestValues(key: String, hash: Int32) {
        #expect(KeyPartitioner.murmur2(key.utf8) == hash)
        #expect(KeyPartitioner.murmur2(Array(key.utf8)) == hash)
    }

    /// The sign bit is masked off, not the hash negated: c-2 hashes to -494967646, masked
    /// 1652516002, partition 2 of 8; its absolute value would give 6.
    @Test func partitionMasksTheSignBitAsJavaDoes() {
        #expect(KeyPartitioner.murmur2("c-2".utf8) == -494_967_646)
        #expect(KeyPartitioner.partition(of: "c-2".utf8, count: 8) == 2)
        #expect(KeyPartitioner.partition(of: "c-1".utf8, count: 8) == 7)   // 460065359, positive
        #expect(KeyPartitioner.partition(of: "c-1".utf8, count: 1) == 0)
        for n in 0..<500 {
            let p = KeyPartitioner.partition(of: "customer-\(n)".utf8, count: 7)
            #expect((0..<7).contains(p))
        }
    }
}
