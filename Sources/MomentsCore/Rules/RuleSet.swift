/// The rules operations staff tune: which moments to detect, how to recover, how to coach.
/// Built by `RulesParser` from YAML; everything here is already validated.
public struct RuleSet: Sendable {
    public var moments: [MomentRule]
    public var recovery: [RecoveryRule]
    public var coaching: [CoachingRule]
    public var settings: EngineSettings
    /// Time-boxed mutes: those of the rules file, plus (in the daemon) those made through the
    /// admin endpoint. Data for the engine, matched against event time.
    public var silences: [Silence]

    public init(
        moments: [MomentRule], recovery: [RecoveryRule] = [], coaching: [CoachingRule] = [], settings: EngineSettings = EngineSettings(),
        silences: [Silence] = []
    ) {
        self.moments = moments; self.recovery = recovery; self.coaching = coaching; self.settings = settings
        self.silences = silences
    }

    /// How long a customer's contacts must be remembered for repeat-contact and first-contact
    /// windows. Cooldowns are remembered separately, each for its own length.
    public var contactHistoryWindow: Duration {
        var w = Duration.zero
        for m in moments {
            switch m.condition {
            case .repeatContact(let c): w = max(w, c.within)
            case .resolution(let c): w = max(w, c.firstContactWithin ?? .zero)
            default: break
            }
        }
        return w
    }
}

/// Engine limits that keep state bounded and define lateness.
public struct EngineSettings: Sendable, Equatable {
    /// An ended interaction is kept this long for late events (surveys, late scores).
    public var interactionGrace = Duration.minutes(30)
    /// An interaction with no event for this long is evicted even if it never ended.
    public var interactionTimeout = Duration.hours(12)
    /// How many recent event ids are remembered to drop duplicates.
    public var duplicateWindow = 100_000
    /// Timers fire this long after their deadline, giving late events a chance to arrive first.
    public var allowedLateness = Duration.zero
    public init() {}
}

public enum MomentKind: String, Sendable { case pain, glory }
public enum Severity: String, Sendable, CaseIterable { case info, low, medium, high, critical }

public struct MomentRule: Sendable {
    public var id: String
    public var kind: MomentKind
    /// Moment-of-truth stage label (ZMOT, FMOT, SMOT, UMOT...), carried to outputs as is.
    public var stage: String
    public var severity: Severity
    public var condition: Condition
    public var filter: Filter
    /// Whether the moment is sent to the alerts topic.
    public var alert: Bool
    public var summary: Template
    /// A link for the supervisor (the runbook of this moment); placeholders are URL-encoded.
    public var runbook: Template? = nil
    /// When the rule is active, and what it does outside those hours; nil means always.
    public var schedule: RuleSchedule? = nil
    /// Moments this one suppresses when it fires first or together with them.
    public var inhibits: [Inhibition] = []
}

/// Restricts a rule to some channels, queues and attribute values; empty means any.
public struct Filter: Sendable {
    public var channels: Set<Channel> = []
    public var queues: Set<String> = []
    public var attributes: [(key: String, values: Set<String>)] = []
    public init() {}

    public var isEmpty: Bool { channels.isEmpty && queues.isEmpty && attributes.isEmpty }

    /// Whether every interaction `other` matches, this filter matches too.
    func covers(_ other: Filter) -> Bool {
        if !channels.isEmpty, other.channels.isEmpty || !other.channels.isSubset(of: channels) { return false }
        if !queues.isEmpty, other.queues.isEmpty || !other.queues.isSubset(of: queues) { return false }
        for (key, values) in attributes {
            guard let theirs = other.attributes.first(where: { $0.key == key }), theirs.values.isSubset(of: values) else { return false }
        }
        return true
    }

    public func matches(channel: Channel, queue: String?, attributes attrs: Attributes) -> Bool {
        if !channels.isEmpty, !channels.contains(channel) { return false }
        if !queues.isEmpty { guard let q = queue, queues.contains(q) else { return false } }
        for (key, values) in attributes {
            guard let v = attrs[key], values.contains(v) else { return false }
        }
        return true
    }
}

public enum Condition: Sendable {
    /// Time from an opening event to a closing one exceeding a limit; a timer fires while still open.
    case wait(WaitCondition)
    /// The n-th matching event within one interaction.
    case count(CountCondition)
    /// An event whose data fields match.
    case match(MatchCondition)
    /// A numeric data field crossing a threshold.
    case threshold(ThresholdCondition)
    /// The interaction ended with a reason while in a phase (abandoned while queued).
    case ended(EndedCondition)
    /// The customer's n-th interaction within a window.
    case repeatContact(RepeatContactCondition)
    /// Customer or agent text containing a phrase, case- and accent-insensitive.
    case phrases(PhraseCondition)
    /// Resolved soon after the agent connected, on the customer's first contact in a window.
    case resolution(ResolutionCondition)

    /// The condition's key in a rules file (`wait`, `repeat_contact`, …): what state records
    /// name a rule's kind by, so that state restored under a rule whose kind changed is dropped,
    /// as a reload drops it.
    public var keyword: String {
        switch self {
        case .wait: return "wait"
        case .count: return "count"
        case .match: return "match"
        case .threshold: return "threshold"
        case .ended: return "ended"
        case .repeatContact: return "repeat_contact"
        case .phrases: return "phrases"
        case .resolution: return "resolution"
        }
    }

    /// Numeric measures this condition attaches to its moments (placeholders `{name}`, and
    /// `{name_seconds}` for durations).
    public var measures: [String] {
        switch self {
        case .wait(let c): return [c.measure, c.measure + "_seconds"]
        case .count(let c): return [c.measure]
        case .match: return []
        case .threshold(let c): return c.window == nil ? [c.field] : [c.field, c.field + "_samples"]
        case .ended: return []
        case .repeatContact: return ["contacts"]
        case .phrases: return ["phrase", "language"]
        case .resolution: return ["handle", "handle_seconds"]
        }
    }
}

public enum OncePer: String, Sendable { case interaction, episode }

public struct WaitCondition: Sendable {
    public var from: Set<EventType>
    public var until: Set<EventType>
    public var longerThan: Duration
    public var oncePer: OncePer
    /// Name of the measured span (`wait`, `hold`).
    public var measure: String
    /// Different limits for some customers or queues (gold tier waits less); first match wins.
    public var overrides: [(filter: Filter, longerThan: Duration)]

    public func limit(channel: Channel, queue: String?, attributes: Attributes) -> Duration {
        for o in overrides where o.filter.matches(channel: channel, queue: queue, attributes: attributes) { return o.longerThan }
        return longerThan
    }
}

/// `field: [values]` on an event's data; all listed fields must match one of their values.
public struct FieldMatcher: Sendable {
    public var field: String
    /// The values as text: what a text field must equal, and how a number is shown (the rules'
    /// summary and JSON), written as `EventData.field` writes the event's.
    public var values: Set<String>
    /// For a numeric field, the values as numbers, compared as numbers: as text, a score of
    /// -0 ("-0.0") never matched `score: 0` ("0.0").
    public var numbers: Set<Double>?

    public init(field: String, values: Set<String>) { self.field = field; self.values = values; numbers = nil }

    public init(field: String, numbers: Set<Double>) {
        self.field = field
        self.numbers = numbers
        values = Set(numbers.map { $0 == $0.rounded() && field == "csat" ? String(Int($0)) : String($0) })
    }

    public func matches(_ data: EventData) -> Bool {
        if let numbers {
            guard let n = data.number(field) else { return false }
            return numbers.contains(n)
        }
        guard let v = data.field(field) else { return false }
        return values.contains(v)
    }
}

public struct CountCondition: Sendable {
    public var event: EventType
    public var matchers: [FieldMatcher]
    public var reaches: Int
    public var measure: String
}

public struct MatchCondition: Sendable {
    public var event: EventType
    public var matchers: [FieldMatcher]
}

public struct ThresholdCondition: Sendable {
    public var event: EventType
    public var field: String
    public var below: Double?
    public var above: Double?
    public var atLeast: Double?
    public var atMost: Double?
    /// Compare the average of recent values instead of each single value.
    public var window: TrailingWindow? = nil

    public func crossed(by v: Double) -> Bool {
        if let b = below, !(v < b) { return false }
        if let a = above, !(v > a) { return false }
        if let l = atLeast, !(v >= l) { return false }
        if let m = atMost, !(v <= m) { return false }
        return true
    }
}

public enum Phase: String, Sendable, CaseIterable { case started, queued, connected, on_hold, ended }

public struct EndedCondition: Sendable {
    public var reasons: Set<String>
    /// Phases the interaction may be in when it ends; empty means any.
    public var phases: Set<Phase>
}

public struct RepeatContactCondition: Sendable {
    public var within: Duration
    /// Contacts in the window counting this one (3 = "the third contact").
    public var atLeast: Int
}

public struct PhraseCondition: Sendable {
    /// `customer` or `agent`; nil matches either.
    public var sender: String?
    /// Normalized phrases with their language, checked in file order.
    public var phrases: [(language: String, phrase: String, original: String)]
}

public struct ResolutionCondition: Sendable {
    public var within: Duration
    public var firstContactWithin: Duration?
}

public struct RecoveryRule: Sendable {
    public var id: String
    public var on: [String]
    public var action: String
    public var params: [(key: String, value: JSONValue)]
    /// At most one action of this rule per customer within this span.
    public var cooldown: Duration?
    /// At most this many actions of this rule per UTC day (per engine, i.e. per partition).
    public var dailyBudget: Int?
    /// Precedence among the recovery rules of one moment: only one action is issued per moment,
    /// from the highest priority rule that is not in its cooldown or out of budget (ties: file order).
    public var priority: Int = 0
}

public enum CoachingKind: String, Sendable { case corrective, positive }

public struct CoachingRule: Sendable {
    public var id: String
    public var on: [String]
    public var kind: CoachingKind
    public var tip: Template
}
