/// `moments replay --partitions N`: recorded events spread over N engines by customer key, as
/// the input topic's producers spread them over N partitions (`KeyPartitioner`). The daemon runs
/// one engine per partition, so what an engine keeps for itself — each recovery rule's
/// `daily_budget`, the `duplicate_window`, the event-time clock that fires timers — holds per
/// partition; one engine over a whole day's file would issue one partition's budget and fire a
/// customer's timers on other customers' events. `Replayer` is this with one partition.
public struct PartitionedReplayer: Sendable {
    /// One engine per partition, in partition order. Made as copies of one engine, whose storage
    /// is shared until an engine first changes it: a partition that sees no event costs nothing.
    public private(set) var engines: [Engine]
    /// The dialect of the recorded lines (`moments replay --dialect`); canonical by default.
    public let dialect: DialectDecoder
    public private(set) var malformed = 0
    public private(set) var lines = 0

    public init(rules: RuleSet, partitions: Int = 1, dialect: DialectDecoder = DialectDecoder()) {
        precondition(partitions > 0, "at least one partition")
        self.engines = Array(repeating: Engine(rules: rules), count: partitions)
        self.dialect = dialect
    }

    /// Feeds one line (one JSON event, or a vendor record standing for several); blank lines are
    /// skipped. Each event goes to its customer's partition and that partition's engine alone
    /// moves its clock and fires its timers; items come back in the order they were made.
    public mutating func feed(line bytes: [UInt8], file: String, lineNumber: Int) -> [Replayer.Item] {
        lines += 1
        if Self.isBlank(bytes) { return [] }
        switch dialect.decode(bytes) {
        case .success(let events):
            return events.flatMap { event in
                engines[partition(of: event)].process(event).map(Replayer.Item.output)
            }
        case .failure(let error):
            malformed += 1
            // A line that cannot be read has no key and so no partition: it is stamped with the
            // latest event time of any partition (with one partition, that partition's clock,
            // as `Replayer` stamps it).
            return [.deadLetter(DeadLetter(original: bytes, error: error, origin: .file(file, line: lineNumber), time: clock))]
        }
    }

    /// Whether a line holds nothing to read (spaces, tabs, a carriage return): skipped, not refused.
    static func isBlank(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    /// The partition whose engine processes `event`: the one its customer's key hashes to.
    public func partition(of event: Event) -> Int {
        KeyPartitioner.partition(of: event.customerID.utf8, count: engines.count)
    }

    /// The latest event time any partition has reached.
    public var clock: Timestamp { engines.lazy.map(\.clock).max()! }

    /// The engines' counts, added up over the partitions.
    public var stats: EngineStats {
        engines.dropFirst().reduce(engines[0].stats) { $0.adding($1.stats) }
    }

    /// Every partition's held-back moments since the last call (`Engine.takeSuppressionCounts`), added up.
    public mutating func takeSuppressionCounts() -> [SuppressionKey: Int] {
        var counts: [SuppressionKey: Int] = [:]
        for p in engines.indices {
            counts.merge(engines[p].takeSuppressionCounts(), uniquingKeysWith: +)
        }
        return counts
    }
}

extension EngineStats {
    /// Both sets of counts added field by field (a counter added to `EngineStats` belongs here too).
    func adding(_ other: EngineStats) -> EngineStats {
        var sum = self
        sum.eventsProcessed += other.eventsProcessed
        sum.duplicatesDropped += other.duplicatesDropped
        sum.eventsIgnored += other.eventsIgnored
        sum.momentsDetected += other.momentsDetected
        sum.recoverySkippedCooldown += other.recoverySkippedCooldown
        sum.recoverySkippedBudget += other.recoverySkippedBudget
        sum.momentsSilenced += other.momentsSilenced
        sum.momentsInhibited += other.momentsInhibited
        sum.recoverySkippedPrecedence += other.recoverySkippedPrecedence
        return sum
    }
}
