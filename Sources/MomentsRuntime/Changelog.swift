import Kafka
import MomentsCore

/// The state changelog (the Kafka Streams model): a compacted topic with one record per
/// customer of each input partition — key `<input topic>/<customer id>`, value the customer's
/// state, a tombstone once forgotten — and one partition record (clock, budgets) marked by a
/// header. Changelog partition n holds input partition n's state, so a new owner of a
/// partition reads exactly one changelog partition.
struct Changelog {
    let topic: String
    static let partitionHeader = ("moments.state", Array("partition".utf8))

    func key(_ input: TopicPartition, _ customer: String) -> [UInt8] { Array("\(input.topic)/\(customer)".utf8) }

    /// Records for what changed in `task` since the last call: changed customers and the partition record.
    func records(for task: PartitionTask) -> [OutputRecord] {
        let changes = task.engine.takeChangedCustomers()
        guard !changes.isEmpty else { return [] }
        var out = changes.map { change in
            OutputRecord(topic: topic, key: key(task.partition, change.customer), value: change.state, headers: [],
                         partition: task.partition.partition, id: "state:\(change.customer)", kind: .state)
        }
        out.append(OutputRecord(topic: topic, key: key(task.partition, ""), value: task.engine.partitionState(inputOffset: task.lastOffset), headers: [Self.partitionHeader],
                                partition: task.partition.partition, id: "state:partition", kind: .state))
        return out
    }

    /// Reads the changelog partition of `input` to its end: the latest record per key wins.
    func read(_ input: TopicPartition, with reader: KafkaConsumer, timeoutMs: Int64 = 60_000) throws -> (partition: [UInt8]?, customers: [String: [UInt8]]) {
        let tp = TopicPartition(topic: topic, partition: input.partition)
        let (low, high) = try reader.watermarks(tp, timeoutMs: 5000)
        guard high > low else { return (nil, [:]) }
        try reader.assign([tp: low])
        defer { try? reader.assign([:]) }
        let prefix = Array("\(input.topic)/".utf8)
        var partitionState: [UInt8]?
        var customers: [String: [UInt8]] = [:]
        var position = low
        var waited: Int64 = 0
        while position < high {
            guard let r = try reader.poll(timeoutMs: 100) else {
                waited += 100
                if waited > timeoutMs { throw KafkaError(code: KafkaError.timedOut, message: "reading \(tp) stopped at \(position) of \(high)") }
                continue
            }
            position = r.offset + 1
            guard r.topic == topic, r.partition == tp.partition, let key = r.key, key.starts(with: prefix) else { continue }
            if r.header("moments.state") == Self.partitionHeader.1 {
                partitionState = r.value
                continue
            }
            let customer = String(decoding: key[prefix.count...], as: UTF8.self)
            customers[customer] = r.value   // nil: a tombstone removes it
        }
        return (partitionState, customers)
    }
}
