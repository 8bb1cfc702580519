/// Runs the engine over recorded events in event time, as `moments replay` does: the same
/// engine, the same outputs, the same ids as the daemon, without Kafka.
public struct Replayer: Sendable {
    /// One partition's replay: what `--partitions 1` runs, so the single-engine path and the
    /// partitioned one are the same code.
    private var partitioned: PartitionedReplayer
    public var engine: Engine { partitioned.engines[0] }
    /// The dialect of the recorded lines (`moments replay --dialect`); canonical by default.
    public var dialect: DialectDecoder { partitioned.dialect }
    public var malformed: Int { partitioned.malformed }
    public var lines: Int { partitioned.lines }

    public init(rules: RuleSet, dialect: DialectDecoder = DialectDecoder()) {
        partitioned = PartitionedReplayer(rules: rules, partitions: 1, dialect: dialect)
    }

    public enum Item: Sendable {
        case output(Output)
        case deadLetter(DeadLetter)
    }

    /// Feeds one line (one JSON event, or a vendor record standing for several); blank lines
    /// are skipped.
    public mutating func feed(line bytes: [UInt8], file: String, lineNumber: Int) -> [Item] {
        partitioned.feed(line: bytes, file: file, lineNumber: lineNumber)
    }

    /// Feeds a whole file of JSON lines and returns every item, in order.
    public mutating func feed(lines bytes: [UInt8], file: String) -> [Item] {
        partitioned.feed(lines: bytes, file: file)
    }
}
