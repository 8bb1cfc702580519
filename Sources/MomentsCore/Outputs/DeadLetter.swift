/// Where a refused input came from: a Kafka record, or a line of a file being replayed.
public struct Origin: Sendable, Equatable, CustomStringConvertible {
    public var topic: String?
    public var partition: Int32?
    public var offset: Int64?
    public var file: String?
    public var line: Int?
    public var key: String?
    /// The key's whole size in bytes, when it was longer than `DeadLetter.maxKeyBytes` and
    /// `key` (and the dead letter's own Kafka key) holds only its start.
    public var keySize: Int? = nil

    public static func kafka(topic: String, partition: Int32, offset: Int64, key: String?) -> Origin {
        Origin(topic: topic, partition: partition, offset: offset, file: nil, line: nil, key: key)
    }

    /// A Kafka record's origin, its key as a dead letter keeps it (`DeadLetter.keptKey`).
    public static func kafka(topic: String, partition: Int32, offset: Int64, keyBytes: [UInt8]?) -> (origin: Origin, key: [UInt8]?) {
        guard let keyBytes else { return (.kafka(topic: topic, partition: partition, offset: offset, key: nil), nil) }
        let kept = DeadLetter.keptKey(keyBytes)
        var origin = Origin.kafka(topic: topic, partition: partition, offset: offset, key: String(validating: kept, as: UTF8.self))
        if kept.count < keyBytes.count { origin.keySize = keyBytes.count }
        return (origin, kept)
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

    /// An input's key longer than this is cut in its dead letter, in `origin.key` and as the
    /// dead letter's own Kafka key. Nothing bounds a key on its way in: kept whole, a key near
    /// a megabyte made a dead letter larger than Kafka takes, and its stand-in too, which
    /// stopped the daemon on that record at every start.
    public static let maxKeyBytes = 1024

    /// The key's first `maxKeyBytes`, ended before a UTF-8 character it would split, so that
    /// a text key stays text.
    public static func keptKey(_ key: [UInt8]) -> [UInt8] {
        guard key.count > maxKeyBytes else { return key }
        // `key[end]` is the first byte left out: while it continues a character (10xxxxxx),
        // that character began before the cut, which then goes before it (at most 3 back).
        var end = maxKeyBytes
        while end > maxKeyBytes - 3, key[end] & 0xC0 == 0x80 { end -= 1 }
        return Array(key[..<end])
    }
}
