import MomentsCore

/// A message ready for the producer: topic, key, CloudEvents JSON value and headers.
public struct OutputRecord: Sendable {
    public var topic: String
    public var key: [UInt8]?
    /// nil is a tombstone (a changelog record forgetting a key).
    public var value: [UInt8]?
    public var headers: [(String, [UInt8])]
    /// Set for changelog records, which go to the partition matching their input partition.
    public var partition: Int32? = nil
    /// When the input that caused it was produced (its Kafka timestamp), for latency figures.
    public var sourceTimestampMs: Int64? = nil
    /// The output id (the CloudEvents id) or dead-letter id, for observers and logs.
    public var id: String
    public var kind: OutputKind

    /// A changelog's partition record (clock, budgets, the input offset the state reflects).
    var isPartitionRecord: Bool { kind == .state && headers.contains { $0.0 == Changelog.partitionHeader.0 } }
}

/// Where each kind of output goes, and how it is encoded.
public struct OutputRouting: Sendable {
    public var alerts: String
    public var coaching: String
    public var recovery: String
    public var deadLetter: String
    public var encoder = CloudEventEncoder()

    public init(alerts: String, coaching: String, recovery: String, deadLetter: String) {
        self.alerts = alerts; self.coaching = coaching; self.recovery = recovery; self.deadLetter = deadLetter
    }

    static let contentType: (String, [UInt8]) = ("content-type", Array("application/cloudevents+json".utf8))

    /// The headers of an output of each kind, built once: they are the same for every record,
    /// and building the type name and its bytes anew cost two allocations per output.
    private static let alertHeaders = headers(.alert)
    private static let coachingHeaders = headers(.coaching)
    private static let recoveryHeaders = headers(.recovery)
    private static let deadLetterHeaders = headers(.deadLetter)
    private static let stateHeaders = headers(.state)

    private static func headers(_ kind: OutputKind) -> [(String, [UInt8])] { [contentType, ("ce_type", Array(kind.cloudEventType.utf8))] }

    static func headers(for kind: OutputKind) -> [(String, [UInt8])] {
        switch kind {
        case .alert: alertHeaders
        case .coaching: coachingHeaders
        case .recovery: recoveryHeaders
        case .deadLetter: deadLetterHeaders
        case .state: stateHeaders
        }
    }

    public func record(for output: Output) -> OutputRecord {
        let topic: String
        switch output.kind {
        case .alert: topic = alerts
        case .coaching: topic = coaching
        case .recovery: topic = recovery
        case .deadLetter, .state: topic = deadLetter
        }
        return OutputRecord(
            topic: topic, key: Array(output.key.utf8), value: encoder.encode(output),
            headers: Self.headers(for: output.kind), id: output.id, kind: output.kind)
    }

    /// A dead letter keeps the original key and says in headers where the input came from, so
    /// tools can route it without parsing the value.
    public func record(for d: DeadLetter, originalKey: [UInt8]?) -> OutputRecord {
        var headers: [(String, [UInt8])] = [Self.contentType, ("moments.reason", Array(d.error.description.utf8))]
        if let t = d.origin.topic { headers.append(("moments.source.topic", Array(t.utf8))) }
        if let p = d.origin.partition { headers.append(("moments.source.partition", Array(String(p).utf8))) }
        if let o = d.origin.offset { headers.append(("moments.source.offset", Array(String(o).utf8))) }
        return OutputRecord(topic: deadLetter, key: originalKey, value: encoder.encode(d), headers: headers, id: d.id, kind: .deadLetter)
    }
}
