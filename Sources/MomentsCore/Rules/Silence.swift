/// A time-boxed mute: moments that match it, at an event time within [startsAt, endsAt), are
/// still detected and counted, but emit nothing (no alert, recovery or coaching).
public struct Silence: Sendable, Equatable {
    public var id: String
    public var matchers: SilenceMatchers
    public var startsAt: Timestamp
    public var endsAt: Timestamp
    public var comment: String?
    public var createdBy: String?

    public init(id: String, matchers: SilenceMatchers, startsAt: Timestamp, endsAt: Timestamp, comment: String? = nil, createdBy: String? = nil) {
        self.id = id; self.matchers = matchers; self.startsAt = startsAt; self.endsAt = endsAt
        self.comment = comment; self.createdBy = createdBy
    }

    public func isActive(at time: Timestamp) -> Bool { time >= startsAt && time < endsAt }

    public func matches(_ m: Moment) -> Bool { isActive(at: m.time) && matchers.matches(m) }
}

/// What a silence applies to; every non-empty matcher must match (empty matches anything).
public struct SilenceMatchers: Sendable, Equatable {
    public var rules: Set<String> = []
    public var queues: Set<String> = []
    public var agents: Set<String> = []
    public var channels: Set<Channel> = []
    public var attributes: [String: Set<String>] = [:]

    public init(rules: Set<String> = [], queues: Set<String> = [], agents: Set<String> = [], channels: Set<Channel> = [], attributes: [String: Set<String>] = [:]) {
        self.rules = rules; self.queues = queues; self.agents = agents; self.channels = channels; self.attributes = attributes
    }

    public var isEmpty: Bool { rules.isEmpty && queues.isEmpty && agents.isEmpty && channels.isEmpty && attributes.isEmpty }

    public func matches(_ m: Moment) -> Bool {
        if !rules.isEmpty, !rules.contains(m.rule) { return false }
        if !queues.isEmpty { guard let q = m.queue, queues.contains(q) else { return false } }
        if !agents.isEmpty { guard let a = m.agentID, agents.contains(a) else { return false } }
        if !channels.isEmpty, !channels.contains(m.channel) { return false }
        for (key, values) in attributes {
            guard let v = m.attributes[key], values.contains(v) else { return false }
        }
        return true
    }
}
