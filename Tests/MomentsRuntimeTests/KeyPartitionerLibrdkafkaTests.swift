import CRdKafka
import MomentsCore
import MomentsSimulation
import Testing

/// `moments replay --partitions` must split customers as the input topic's producers do:
/// `simulate`, `dev` and the daemon's producer name librdkafka's `murmur2_random` partitioner
/// (Java's default). `KeyPartitioner` is checked against that very function, called in place.
@Suite struct KeyPartitionerLibrdkafkaTests {
    @Test func keyPartitionerAgreesWithLibrdkafkasMurmur2Partitioner() {
        let simulated = TrafficSimulator.events(options: SimulationOptions(seed: 7), count: 3000).map(\.key)
        let keys = Set(simulated + (0..<500).map { "c-\($0)" } + ["", "x", "ab", "abc", "héllo-wörld", "21", "foobar"])
        for count in [1, 2, 3, 8, 12, 100, 10_000] {
            for key in keys {
                let bytes = Array(key.utf8)
                let librdkafka = bytes.withUnsafeBytes { raw in
                    // A non-null pointer even for the empty key: a null key would be placed at random.
                    rd_kafka_msg_partitioner_murmur2_random(nil, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), raw.count, Int32(count), nil, nil)
                }
                #expect(KeyPartitioner.partition(of: bytes, count: count) == Int(librdkafka), "key '\(key)' on \(count) partitions")
            }
        }
    }
}
