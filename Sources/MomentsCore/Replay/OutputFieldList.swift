/// An output as named fields (`time`, `summary`, `params.percent`, `measures.wait_seconds`...),
/// the names of its JSON, so a changed output can say which of its fields changed.
enum OutputFieldList {
    static func fields(_ o: Output) -> [(name: String, value: String)] {
        let m = o.moment
        var f: [(String, String)] = [("time", m.time.description)]
        switch o {
        case .alert(let a):
            f += [("kind", m.kind.rawValue), ("stage", m.stage), ("severity", m.severity.rawValue), ("summary", m.summary),
                  ("runbook", m.runbook ?? "null"), ("recovery", a.recoveryIDs.joined(separator: ", "))]
            f += m.measures.map { ("measures.\($0.name)", OutputFields.text(.number($0.value))) }
        case .recovery(let r):
            f += [("action", r.action)]
            f += r.params.map { ("params.\($0.key)", OutputFields.text($0.value)) }
        case .coaching(let c):
            f += [("kind", c.kind.rawValue), ("agent_id", c.agentID), ("tip", c.tip)]
        }
        f += [("queue", m.queue ?? "null"), ("agent_id", m.agentID ?? "null"), ("channel", m.channel.rawValue),
              ("cause_event_id", m.causeEventID ?? "null")]
        f += m.attributes.map { ("attributes.\($0.key)", $0.value) }   // sorted by key already
        return f
    }

    /// Fields whose values differ, old against new; a field on one side only shows as "(none)".
    static func differences(_ old: Output, _ new: Output) -> [(name: String, old: String, new: String)] {
        let a = fields(old), b = fields(new)
        var out: [(String, String, String)] = []
        var seen = Set<String>()
        for (name, value) in a where seen.insert(name).inserted {
            let other = b.first { $0.name == name }?.value
            if other != value { out.append((name, value, other ?? "(none)")) }
        }
        for (name, value) in b where seen.insert(name).inserted {
            out.append((name, "(none)", value))
        }
        return out
    }
}
