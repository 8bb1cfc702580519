import Foundation

/// The active rules as JSON (the admin endpoint's `/rules`): what runs, in the words of the file.
extension RuleSet {
    public func json(into w: inout JSONWriter) {
        w.objectValue()
        w.key("moments"); w.arrayValue()
        for m in moments {
            w.objectValue()
            w.key("id"); w.value(m.id)
            w.key("kind"); w.value(m.kind.rawValue)
            w.key("stage"); w.value(m.stage)
            w.key("severity"); w.value(m.severity.rawValue)
            w.key("alert"); w.value(m.alert)
            w.key("condition"); w.value(m.condition.summary)
            w.key("summary"); w.value(m.summary.source)
            w.key("runbook"); w.value(m.runbook?.source)
            if let s = m.schedule { w.key("schedule"); w.value(s.summary) }
            if !m.inhibits.isEmpty {
                w.key("inhibits"); w.arrayValue()
                for i in m.inhibits { w.objectValue(); w.key("moments"); w.arrayValue(); i.moments.forEach { w.value($0) }; w.endArray(); w.key("scope"); w.value(i.scope.rawValue); w.endObject() }
                w.endArray()
            }
            w.endObject()
        }
        w.endArray()
        w.key("recovery"); w.arrayValue()
        for r in recovery {
            w.objectValue()
            w.key("id"); w.value(r.id)
            w.key("on"); w.arrayValue(); r.on.forEach { w.value($0) }; w.endArray()
            w.key("action"); w.value(r.action)
            w.key("params"); w.objectValue(); r.params.forEach { w.key($0.key); w.value($0.value) }; w.endObject()
            w.key("cooldown"); w.value(r.cooldown?.description)
            w.key("daily_budget"); if let b = r.dailyBudget { w.value(b) } else { w.null() }
            w.key("priority"); w.value(r.priority)
            w.endObject()
        }
        w.endArray()
        w.key("coaching"); w.arrayValue()
        for c in coaching {
            w.objectValue()
            w.key("id"); w.value(c.id)
            w.key("on"); w.arrayValue(); c.on.forEach { w.value($0) }; w.endArray()
            w.key("kind"); w.value(c.kind.rawValue)
            w.key("tip"); w.value(c.tip.source)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }
}

extension Condition {
    /// One line describing the condition, for `/rules` and logs.
    public var summary: String {
        func names(_ s: Set<EventType>) -> String { s.map(\.name).sorted().joined(separator: "|") }
        switch self {
        case .wait(let w): return "wait from \(names(w.from)) until \(names(w.until)) longer than \(w.longerThan) (once per \(w.oncePer.rawValue))"
        case .count(let c): return "count \(c.event.name) reaches \(c.reaches)"
        case .match(let m): return "match \(m.event.name)" + m.matchers.map { " \($0.field) in [\($0.values.sorted().joined(separator: ","))]" }.joined()
        case .threshold(let t):
            let parts = [t.below.map { "< \($0)" }, t.above.map { "> \($0)" }, t.atLeast.map { ">= \($0)" }, t.atMost.map { "<= \($0)" }].compactMap { $0 }
            let window: String
            switch t.window?.span {
            case .samples(let n)?: window = " averaged over the last \(n) values"
            case .duration(let d)?: window = " averaged over \(d)"
            case nil: window = ""
            }
            return "threshold \(t.event.name) \(t.field)\(window) \(parts.joined(separator: " and "))"
        case .ended(let e): return "ended with \(e.reasons.sorted().joined(separator: "|"))" + (e.phases.isEmpty ? "" : " while \(e.phases.map(\.rawValue).sorted().joined(separator: "|"))")
        case .repeatContact(let r): return "contact number \(r.atLeast) or more within \(r.within)"
        case .phrases(let p): return "\(p.phrases.count) phrases in \(Set(p.phrases.map(\.language)).sorted().joined(separator: ",")) from \(p.sender ?? "anyone")"
        case .resolution(let r): return "resolved within \(r.within) of connect" + (r.firstContactWithin.map { " on first contact in \($0)" } ?? "")
        }
    }
}

extension RuleSchedule {
    /// "Europe/Berlin mon,tue,wed,thu,fri 08:00-18:00, off outside".
    public var summary: String {
        let names = ["", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        func hm(_ m: Int) -> String { (m / 60 < 10 ? "0" : "") + "\(m / 60):" + (m % 60 < 10 ? "0" : "") + "\(m % 60)" }
        let days = schedule.days.sorted().map { names[$0] }.joined(separator: ",")
        let hours = schedule.hours.map { "\(hm($0.start))-\(hm($0.end))" }.joined(separator: ",")
        let outsideText: String
        switch outside {
        case .off: outsideText = "off"
        case .waitLimit(let d): outsideText = "longer than \(d)"
        case .threshold(let t): outsideText = Condition.threshold(t).summary
        }
        return "\(schedule.name.map { $0 + ": " } ?? "")\(schedule.timeZone.identifier) \(days) \(hours), outside: \(outsideText)"
    }
}
