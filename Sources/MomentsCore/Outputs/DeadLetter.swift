/// Where a refused input came from: a Kafka record, or a line of a file being replayed.
public struct Origin: Sendable, Equatable, CustomStringConvertible {
    public var topic: String?
    public var partition: Int32?
    public var offset: Int64?
    public var file: String?
    public var line: Int?
    public var key: String?

    public static func kafka(topic: String, partition: Int32, offset: Int64, key: String?) -> Origin {
        Origin(topic: topic, partition: partition, offset: offset, file: nil, line: nil, key: key)
    }

    public static func file(_ file: String, line: Int) -> Origin {
        Origin(topic: nil, partition: nil, offset: nil, file: file, line: line, key: nil)
    }

    public var description: String {
        if let topic, let partition, let offset { return "\(topic)/\(partition)/\(offset)" }
        return "\(file ?? "-"):\(line ?? 0)"
    }
}

/// An input that could not be decoded, kept whole so nothing is lost.
public struct DeadLetter: Sendable, Equatable {
    public var original: [UInt8]
    public var error: DecodeError
    public var origin: Origin
    /// When it was refused (the partition clock), for the CloudEvents `time`.
    public var time: Timestamp

    public init(original: [UInt8], error: DecodeError, origin: Origin, time: Timestamp) {
        self.original = original; self.error = error; self.origin = origin; self.time = time
    }

    /// Originals longer than this are cut in the dead letter (see `CloudEventEncoder`).
    public static let maxOriginalBytes = 256 * 1024

    /// Deterministic: the same record refused twice has the same id.
    public var id: String { "dlq:\(origin.description)" }
}
