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

/// An input that could not be decoded, kept whole so nothing is lost; or an output Kafka
/// refused as too large, in the dead letter that stands in for it (`Pipeline+RefusedOutputs`).
public struct DeadLetter: Sendable, Equatable {
    public var original: [UInt8]
    public var error: DecodeError
    public var origin: Origin
    /// When it was refused (the partition clock), for the CloudEvents `time`.
    public var time: Timestamp
    /// Deterministic: the same record refused twice has the same id. An input's is
    /// `dlq:<origin>`; a refused output's names the output (several may share an origin).
    public var id: String
    /// The original is cut past this many bytes (see `CloudEventEncoder`).
    public var originalLimit: Int

    public init(original: [UInt8], error: DecodeError, origin: Origin, time: Timestamp, id: String? = nil, originalLimit: Int = DeadLetter.maxOriginalBytes) {
        self.original = original; self.error = error; self.origin = origin; self.time = time
        self.id = id ?? "dlq:\(origin.description)"
        self.originalLimit = originalLimit
    }

    /// An input's original longer than this is cut in its dead letter.
    public static let maxOriginalBytes = 256 * 1024
}
