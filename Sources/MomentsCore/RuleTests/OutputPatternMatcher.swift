/// Whether an output is what a pattern describes, and if not, how it differs: the differences
/// are what a failing test prints ("at +2m1s, expected +2m"; "wait is "2 min", expected ...").
struct OutputPatternMatcher {
    let start: Timestamp

    func matches(_ p: OutputPattern, _ o: Output) -> Bool {
        sameRule(p, o) && differences(p, o).isEmpty
    }

    func sameRule(_ p: OutputPattern, _ o: Output) -> Bool {
        guard o.kind == p.kind.outputKind else { return false }
        return p.rule == nil || p.rule == Self.rule(of: o)
    }

    /// Time and field mismatches of an output of the right kind and rule.
    func differences(_ p: OutputPattern, _ o: Output) -> [String] {
        var out: [String] = []
        let offset = o.moment.time - start
        if let at = p.at, at != offset {
            out.append("at \(RelativeTime.format(offset)), expected \(RelativeTime.format(at))")
        }
        for f in p.fields {
            let actual = OutputFields.value(f.name, of: o)
            if !OutputFields.equal(f.value, actual, number: OutputFields.number(f.name, of: o)) {
                out.append("\(f.name) is \(actual.map { "\"\($0)\"" } ?? "not set"), expected \"\(f.value)\"")
            }
        }
        return out
    }

    /// The rule an output comes from: the moment for an alert, else the recovery/coaching rule.
    static func rule(of o: Output) -> String {
        switch o {
        case .alert(let a): return a.moment.rule
        case .recovery(let r): return r.rule
        case .coaching(let c): return c.rule
        }
    }
}

/// How outputs and patterns are written in messages, in the test file's own notation.
enum RuleTestNotation {
    static func pattern(_ p: OutputPattern) -> String {
        var s = [p.at.map(RelativeTime.format), p.kind.rawValue, p.rule].compactMap { $0 }.joined(separator: " ")
        if !p.fields.isEmpty {
            s += " {" + p.fields.map { "\($0.name): " + (Double($0.value) != nil ? $0.value : "\"\($0.value)\"") }.joined(separator: ", ") + "}"
        }
        return s
    }

    static func output(_ o: Output, start: Timestamp) -> String {
        let at = RelativeTime.format(o.moment.time - start)
        let kind: String
        let detail: String
        switch o {
        case .alert(let a):
            kind = "moment"
            detail = "\"\(a.moment.summary)\""
        case .recovery(let r):
            kind = "recovery"
            detail = r.action + r.params.map { " \($0.key)=\(OutputFields.text($0.value))" }.joined()
        case .coaching(let c):
            kind = "coaching"
            detail = "agent \(c.agentID): \"\(c.tip.count > 70 ? String(c.tip.prefix(70)) + "..." : c.tip)\""
        }
        return "\(at.padding(7)) \(kind.padding(9)) \(OutputPatternMatcher.rule(of: o).padding(28)) \(o.id)  \(detail)"
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
