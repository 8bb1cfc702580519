/// Runs the engine over recorded events in event time, as `moments replay` does: the same
/// engine, the same outputs, the same ids as the daemon, without Kafka.
public struct Replayer: Sendable {
    public private(set) var engine: Engine
    public let decoder: EventDecoder
    public private(set) var malformed = 0
    public private(set) var lines = 0

    public init(rules: RuleSet, decoder: EventDecoder = EventDecoder()) {
        self.engine = Engine(rules: rules)
        self.decoder = decoder
    }

    public enum Item: Sendable {
        case output(Output)
        case deadLetter(DeadLetter)
    }

    /// Feeds one line (one JSON event); blank lines are skipped.
    public mutating func feed(line bytes: [UInt8], file: String, lineNumber: Int) -> [Item] {
        lines += 1
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return [] }
        switch decoder.decode(bytes) {
        case .success(let event):
            return engine.process(event).map(Item.output)
        case .failure(let error):
            malformed += 1
            return [.deadLetter(DeadLetter(original: bytes, error: error, origin: .file(file, line: lineNumber), time: engine.clock))]
        }
    }
}
