/// The fields an expectation can check on an output. They are the template placeholders of the
/// moment (one vocabulary for rules and their tests), plus what each kind of output adds.
enum OutputFields {
    static let alertFields = ["id", "summary", "runbook"]
    static let recoveryFields = ["id", "action", "moment_id"]
    static let coachingFields = ["id", "tip", "moment_id"]

    /// A field's value as text; nil when the output does not have it.
    static func value(_ name: String, of output: Output) -> String? {
        switch (output, name) {
        case (_, "id"): return output.id
        case (.alert(let a), "summary"): return a.moment.summary
        case (.alert(let a), "runbook"): return a.moment.runbook
        case (.recovery(let r), "action"): return r.action
        case (.recovery, "moment_id"), (.coaching, "moment_id"): return output.moment.id
        case (.coaching(let c), "tip"): return c.tip
        // As in the coaching JSON: corrective or positive, not the moment's pain or glory.
        case (.coaching(let c), "kind"): return c.kind.rawValue
        case (.recovery(let r), _):
            if let p = r.params.first(where: { $0.key == name }) { return text(p.value) }
        default: break
        }
        return output.moment.placeholder(name)
    }

    /// Every field name that outputs of `kind` from `rule` can have, for refusing typos.
    static func names(kind: OutputPattern.Kind, rule: String?, in rules: RuleSet) -> Set<String> {
        var names = Placeholders.common
        func measures(of moments: [String]) -> Set<String> {
            Set(rules.moments.filter { moments.contains($0.id) }.flatMap(\.condition.measures))
        }
        switch kind {
        case .moment:
            names.formUnion(alertFields)
            names.formUnion(measures(of: rule.map { [$0] } ?? rules.moments.map(\.id)))
        case .recovery:
            names.formUnion(recoveryFields)
            let matching = rules.recovery.filter { rule == nil || $0.id == rule }
            names.formUnion(matching.flatMap { $0.params.map(\.key) })
            names.formUnion(measures(of: matching.flatMap(\.on)))
        case .coaching:
            names.formUnion(coachingFields)
            names.formUnion(measures(of: rules.coaching.filter { rule == nil || $0.id == rule }.flatMap(\.on)))
        }
        return names
    }

    static func text(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .bool(let b): return String(b)
        case .null: return "null"
        default: return "\(v)"
        }
    }

    /// A numeric field's number: a measure of the moment, or a recovery parameter written as a
    /// number. Nil for a text field, however much its text looks like a number.
    static func number(_ name: String, of output: Output) -> Double? {
        if case .recovery(let r) = output, let p = r.params.first(where: { $0.key == name }) {
            if case .number(let n) = p.value { return n }
            return nil
        }
        return output.moment.measures.first { $0.name == name }?.value
    }

    /// A numeric field equals a decimal of the same number ("15" and "15.0", "-0.80" and
    /// "-0.8"; `DecimalText`); anything else is compared as text. Any two texts that read as
    /// numbers were compared as numbers: `queue: "42"` passed on a queue "0042", `wait_seconds:
    /// "0x78"` on 120.
    static func equal(_ expected: String, _ actual: String?, number: Double?) -> Bool {
        guard let actual else { return false }
        if let number, let e = Double(expected), DecimalText.isExact(expected, e) { return e == number }
        return expected == actual
    }
}
