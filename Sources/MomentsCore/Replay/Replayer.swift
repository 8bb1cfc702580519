/// Runs the engine over recorded events in event time, as `moments replay` does: the same
/// engine, the same outputs, the same ids as the daemon, without Kafka.
public struct Replayer: Sendable {
    public private(set) var engine: Engine
    /// The dialect of the recorded lines (`moments replay --dialect`); canonical by default.
    public let dialect: DialectDecoder
    public private(set) var malformed = 0
    public private(set) var lines = 0

    public init(rules: RuleSet, dialect: DialectDecoder = DialectDecoder()) {
        self.engine = Engine(rules: rules)
        self.dialect = dialect
    }

    public enum Item: Sendable {
        case output(Output)
        case deadLetter(DeadLetter)
    }

    /// Feeds one line (one JSON event); blank lines are skipped.
    public mutating func feed(line bytes: [UInt8], file: String, lineNumber: Int) -> [Item] {
        lines += 1
        if Self.isBlank(bytes) { return [] }
        switch dialect.decode(bytes) {
        case .success(let events):
            // A vendor line may stand for several canonical events, or none.
            return events.flatMap { engine.process($0).map(Item.output) }
        case .failure(let error):
            malformed += 1
            return [.deadLetter(DeadLetter(original: bytes, error: error, origin: .file(file, line: lineNumber), time: engine.clock))]
        }
    }

    /// Whether a line holds nothing to read (spaces, tabs, a carriage return): skipped, not refused.
    static func isBlank(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}
