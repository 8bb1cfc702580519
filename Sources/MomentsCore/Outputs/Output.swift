/// A detected moment of truth. Its `id` is deterministic: `interaction:moment:n`, where n counts
/// episodes for per-episode waits and is 1 otherwise, so reprocessing gives the same id.
public struct Moment: Sendable, Equatable {
    public var id: String
    public var rule: String
    public var kind: MomentKind
    public var stage: String
    public var severity: Severity
    public var time: Timestamp
    public var interactionID: String
    public var customerID: String
    public var channel: Channel
    public var queue: String?
    public var agentID: String?
    public var attributes: Attributes
    /// Numeric measures (wait_seconds, score, contacts...) in the order the condition defines.
    public var measures: [Measure]
    /// Text details (phrase, language) for templates.
    public var details: [String: String]
    /// The event that caused it; nil when a timer fired it.
    public var causeEventID: String?
    public var summary: String
    /// The rule's runbook link, rendered; nil when the rule has none.
    public var runbook: String? = nil

    public struct Measure: Sendable, Equatable {
        public var name: String
        public var value: Double
    }

    /// The value of a template placeholder for this moment.
    public func placeholder(_ name: String) -> String? {
        switch name {
        case "moment": return rule
        case "kind": return kind.rawValue
        case "stage": return stage
        case "severity": return severity.rawValue
        case "interaction_id": return interactionID
        case "customer_id": return customerID
        case "agent_id": return agentID
        case "queue": return queue
        case "channel": return channel.rawValue
        case "time": return time.description
        case "tier", "language", "region":
            if let d = details[name] { return d }
            return attributes[name]
        default:
            if let d = details[name] { return d }
            if let m = measures.first(where: { $0.name == name }) {
                return m.value == m.value.rounded() ? String(Int64(m.value)) : String(m.value)
            }
            return nil
        }
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
