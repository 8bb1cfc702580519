/// A detected moment of truth. Its `id` is deterministic: `interaction:moment:n`, where n counts
/// episodes for per-episode waits and is 1 otherwise, so reprocessing gives the same id.
///
/// Kept in one immutable object that copies share, as `Event` is: a moment is copied into its
/// pending entry, its alert, its recovery action and its coaching, and as a struct of seventeen
/// fields each copy retained a dozen references and each output's release released them
/// again. Read-only: the engine makes a moment whole, summary and runbook included, and
/// nothing changes one afterwards.
public struct Moment: Sendable, Equatable {
    @usableFromInline struct Fields: Sendable, Equatable {
        @usableFromInline var id: String
        @usableFromInline var rule: String
        @usableFromInline var kind: MomentKind
        @usableFromInline var stage: String
        @usableFromInline var severity: Severity
        @usableFromInline var time: Timestamp
        @usableFromInline var interactionID: String
        @usableFromInline var customerID: String
        @usableFromInline var channel: Channel
        @usableFromInline var queue: String?
        @usableFromInline var agentID: String?
        @usableFromInline var attributes: Attributes
        @usableFromInline var measures: [Measure]
        @usableFromInline var details: [String: String]
        @usableFromInline var causeEventID: String?
        @usableFromInline var summary: String
        @usableFromInline var runbook: String? = nil

        /// The value of a template placeholder for this moment.
        func placeholder(_ name: String) -> String? { placeholder(name, MomentField(placeholder: name)) }

        /// The value of a placeholder whose moment field, if it names one, is already known
        /// (`Template.momentFields`).
        func placeholder(_ name: String, _ field: MomentField?) -> String? {
            switch field {
            case .moment: return rule
            case .kind: return kind.rawValue
            case .stage: return stage
            case .severity: return severity.rawValue
            case .interactionID: return interactionID
            case .customerID: return customerID
            case .agentID: return agentID
            case .queue: return queue
            case .channel: return channel.rawValue
            case .time: return time.description
            case nil:
                if let d = details[name] { return d }
                if name == "tier" || name == "language" || name == "region" { return attributes[name] }
                if let m = measures.first(where: { $0.name == name }) {
                    return m.value == m.value.rounded() ? String(Int64(m.value)) : String(m.value)
                }
                return nil
            }
        }
    }

    @usableFromInline var box: Shared<Fields>

    init(_ fields: Fields) { box = Shared(fields) }

    public init(
        id: String, rule: String, kind: MomentKind, stage: String, severity: Severity, time: Timestamp,
        interactionID: String, customerID: String, channel: Channel, queue: String?, agentID: String?,
        attributes: Attributes, measures: [Measure], details: [String: String], causeEventID: String?,
        summary: String, runbook: String? = nil
    ) {
        box = Shared(Fields(
            id: id, rule: rule, kind: kind, stage: stage, severity: severity, time: time, interactionID: interactionID,
            customerID: customerID, channel: channel, queue: queue, agentID: agentID, attributes: attributes,
            measures: measures, details: details, causeEventID: causeEventID, summary: summary, runbook: runbook))
    }

    @inlinable public var id: String { _read { yield box.value.id } }
    @inlinable public var rule: String { _read { yield box.value.rule } }
    @inlinable public var kind: MomentKind { get { box.value.kind } }
    @inlinable public var stage: String { _read { yield box.value.stage } }
    @inlinable public var severity: Severity { get { box.value.severity } }
    @inlinable public var time: Timestamp { get { box.value.time } }
    @inlinable public var interactionID: String { _read { yield box.value.interactionID } }
    @inlinable public var customerID: String { _read { yield box.value.customerID } }
    @inlinable public var channel: Channel { get { box.value.channel } }
    @inlinable public var queue: String? { _read { yield box.value.queue } }
    @inlinable public var agentID: String? { _read { yield box.value.agentID } }
    @inlinable public var attributes: Attributes { _read { yield box.value.attributes } }
    /// Numeric measures (wait_seconds, score, contacts...) in the order the condition defines.
    @inlinable public var measures: [Measure] { _read { yield box.value.measures } }
    /// Text details (phrase, language) for templates.
    @inlinable public var details: [String: String] { _read { yield box.value.details } }
    /// The event that caused it; nil when a timer fired it.
    @inlinable public var causeEventID: String? { _read { yield box.value.causeEventID } }
    @inlinable public var summary: String { _read { yield box.value.summary } }
    /// The rule's runbook link, rendered; nil when the rule has none.
    @inlinable public var runbook: String? { _read { yield box.value.runbook } }

    public struct Measure: Sendable, Equatable {
        public var name: String
        public var value: Double
    }

    /// The value of a template placeholder for this moment.
    public func placeholder(_ name: String) -> String? { box.value.placeholder(name) }
    func placeholder(_ name: String, _ field: MomentField?) -> String? { box.value.placeholder(name, field) }

    public static func == (lhs: Moment, rhs: Moment) -> Bool {
        lhs.box === rhs.box || lhs.box.value == rhs.box.value
    }
}

public struct Alert: Sendable, Equatable {
    public var moment: Moment
    /// Ids of the recovery actions issued for this moment.
    public var recoveryIDs: [String]
    public var id: String { moment.id }
}

public struct RecoveryAction: Sendable, Equatable {
    public var id: String
    public var rule: String
    public var action: String
    public var params: [Param]
    public var moment: Moment

    public struct Param: Sendable, Equatable {
        public var key: String
        public var value: JSONValue
    }
}

public struct CoachingSignal: Sendable, Equatable {
    public var id: String
    public var rule: String
    public var kind: CoachingKind
    public var agentID: String
    public var tip: String
    public var moment: Moment
}

/// What the engine emits. Each kind goes to its own topic, keyed as the contract says.
public enum Output: Sendable, Equatable {
    case alert(Alert)
    case recovery(RecoveryAction)
    case coaching(CoachingSignal)

    public var id: String {
        switch self {
        case .alert(let a): return a.id
        case .recovery(let r): return r.id
        case .coaching(let c): return c.id
        }
    }

    /// Message key: alerts by interaction, recovery by customer, coaching by agent.
    public var key: String {
        switch self {
        case .alert(let a): return a.moment.interactionID
        case .recovery(let r): return r.moment.customerID
        case .coaching(let c): return c.agentID
        }
    }

    public var kind: OutputKind {
        switch self {
        case .alert: return .alert
        case .recovery: return .recovery
        case .coaching: return .coaching
        }
    }

    public var moment: Moment {
        switch self {
        case .alert(let a): return a.moment
        case .recovery(let r): return r.moment
        case .coaching(let c): return c.moment
        }
    }
}

public enum OutputKind: String, Sendable, CaseIterable {
    case alert, recovery, coaching, deadLetter = "deadletter"
    /// Not an output for downstream systems: a state record for the changelog topic.
    case state

    /// Literals, not interpolation: the encoder asks for this once per output.
    public var cloudEventType: String {
        switch self {
        case .alert: return "io.moments.alert.v1"
        case .recovery: return "io.moments.recovery.v1"
        case .coaching: return "io.moments.coaching.v1"
        case .deadLetter: return "io.moments.deadletter.v1"
        case .state: return "io.moments.state.v1"
        }
    }
}
