/// A partition of a topic.
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) { self.topic = topic; self.partition = partition }

    public var description: String { "\(topic)/\(partition)" }

    public static func < (a: TopicPartition, b: TopicPartition) -> Bool { (a.topic, a.partition) < (b.topic, b.partition) }
}

/// A message header; a nil value is a header without a value.
public struct KafkaHeader: Sendable, Equatable {
    public var name: String
    public var value: [UInt8]?
    public init(name: String, value: [UInt8]?) { self.name = name; self.value = value }
}

/// A record read by the consumer. Key and value are both optional: a null value is a
/// tombstone, which is legitimate data, never a crash.
public struct ConsumerRecord: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var timestampMs: Int64?
    public var headers: [KafkaHeader]

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?, timestampMs: Int64?, headers: [KafkaHeader]) {
        self.topic = topic; self.partition = partition; self.offset = offset; self.key = key; self.value = value
        self.timestampMs = timestampMs; self.headers = headers
    }

    public func header(_ name: String) -> [UInt8]? { headers.last { $0.name == name }?.value }
}

/// A record read by `KafkaConsumer.poll(timeoutMs:appendingTo:)`: its key and value are
/// ranges of the byte buffer the caller gave, shared by the records read into it.
public struct BufferedRecord: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: Range<Int>?
    public var value: Range<Int>?
    public var timestampMs: Int64?

    public init(topic: String, partition: Int32, offset: Int64, key: Range<Int>?, value: Range<Int>?, timestampMs: Int64?) {
        self.topic = topic; self.partition = partition; self.offset = offset; self.key = key; self.value = value
        self.timestampMs = timestampMs
    }
}

/// The broker's answer for one produced message.
public struct DeliveryReport: Sendable {
    /// The token given to `produce`.
    public var token: UInt64
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// nil when the broker acknowledged the message.
    public var error: KafkaError?
    /// A failed message's key, value and headers, as they were produced, so that whoever
    /// produces it again need not keep its own copy while it is in flight; nil when acknowledged.
    public var undelivered: UndeliveredMessage? = nil
}

/// The bytes of a message the broker did not acknowledge (`DeliveryReport.undelivered`).
public struct UndeliveredMessage: Sendable {
    public var key: [UInt8]?
    /// nil for a tombstone.
    public var value: [UInt8]?
    public var headers: [KafkaHeader]

    public init(key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader]) {
        self.key = key; self.value = value; self.headers = headers
    }
}

/// Partitions handed to or taken from this consumer by its group.
public enum RebalanceEvent: Sendable, Equatable {
    case assigned([TopicPartition])
    case revoked([TopicPartition])
    /// Taken away without a handover: the session expired or the member was fenced (a long
    /// stall, a broker outage), so the group has likely given them to another member already.
    /// Committing their offsets would fail, or overwrite the new owner's.
    case lost([TopicPartition])
    /// Told after `assigned` when librdkafka refused that assignment (a start offset it does
    /// not take, a partition it holds already): they are not consumed, and the consumer's group
    /// state waits for an assignment call that succeeds, which never comes; nothing but a new
    /// consumer gets it going again.
    case refused([TopicPartition], reason: String)
}

/// The group coordinator's answer to a commit (`KafkaConsumer`'s `onCommit`), synchronous or not.
public struct CommitResult: Sendable {
    /// The offsets the commit carried, each the next offset to read.
    public var offsets: [TopicPartition: Int64]
    /// Why each partition's offset was not committed; absent for those that were.
    public var errors: [TopicPartition: KafkaError]

    public init(offsets: [TopicPartition: Int64], errors: [TopicPartition: KafkaError]) {
        self.offsets = offsets; self.errors = errors
    }
}
