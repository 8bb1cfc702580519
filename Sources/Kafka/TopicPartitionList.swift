internal import CRdKafka

/// Conversions between Swift partition sets and `rd_kafka_topic_partition_list_t`.
enum TopicPartitionList {
    /// A new list the caller must destroy; offsets default to RD_KAFKA_OFFSET_INVALID.
    static func make(_ partitions: [TopicPartition], offsets: [TopicPartition: Int64] = [:]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))!
        for tp in partitions {
            let element = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)!
            if let o = offsets[tp] { element.pointee.offset = o }
        }
        return list
    }

    static func elements(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [(TopicPartition, Int64, rd_kafka_resp_err_t)] {
        (0..<Int(list.pointee.cnt)).map { i in
            let e = list.pointee.elems[i]
            return (TopicPartition(topic: String(cString: e.topic), partition: e.partition), e.offset, e.err)
        }
    }

    static func partitions(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        elements(list).map(\.0)
    }
}
