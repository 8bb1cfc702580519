import Yams

/// One line of a test's `suppressed:`: a moment that must be detected but held back by a
/// silence or an inhibition. `+2m silenced long-wait`, `inhibited long-wait: { by: abandoned }`.
/// Without it a test can only say the alert is `absent`, which also passes when the moment was
/// never detected at all.
public struct SuppressionPattern: Sendable {
    public enum Reason: String, Sendable { case silenced, inhibited }

    public var reason: Reason
    public var rule: String
    /// Offset from the test start of the step it was held back in (a timer's deadline, an
    /// event's time); nil means any time.
    public var at: Duration?
    /// `by` (the inhibiting moment), `silence` (the silence id), `queue`.
    public var fields: [(name: String, value: String, location: SourceLocation)]
    public var location: SourceLocation

    static let fieldNames: [Reason: [String]] = [.silenced: ["silence", "queue"], .inhibited: ["by", "queue"]]

    static func parse(_ item: Node, _ ctx: YAMLContext) -> SuppressionPattern? {
        guard let (lineNode, fieldsNode) = TestItems.split(item, ctx, what: "a suppressed moment") else { return nil }
        let form = "a suppressed moment is written '[+time] silenced|inhibited MOMENT-ID'"
        let compact: CompactLine
        switch CompactLine.parse(lineNode.string ?? "") {
        case .success(let c): compact = c
        case .failure(.badOffset(let t)): ctx.error(lineNode, "bad time '\(t)' (write an offset from the test start: +120s, +2m10s, +1d)"); return nil
        case .failure(.empty): ctx.error(lineNode, form); return nil
        }
        let (word, rest) = CompactLine.split(compact.text)
        let (rule, extra) = CompactLine.split(rest)
        guard let reason = Reason(rawValue: String(word)) else {
            ctx.error(lineNode, "unknown suppression '\(word)' (expected silenced or inhibited, as in '+2m silenced long-wait')"); return nil
        }
        guard !rule.isEmpty, extra.isEmpty else { ctx.error(lineNode, form); return nil }
        var fields: [(name: String, value: String, location: SourceLocation)] = []
        if let fieldsNode, let members = ctx.mapping(fieldsNode, what: "the fields of a suppressed moment", allowed: fieldNames[reason]) {
            for m in members {
                guard let v = ctx.string(m.value, what: "field '\(m.key)'") else { continue }
                fields.append((m.key, v, RuleTestParser.location(m.keyNode, ctx)))
            }
        }
        return SuppressionPattern(reason: reason, rule: String(rule), at: compact.offset, fields: fields, location: RuleTestParser.location(lineNode, ctx))
    }

    func matches(_ s: SuppressedMoment, start: Timestamp) -> Bool {
        guard s.rule == rule else { return false }
        if let at, s.time != start + at { return false }
        switch (reason, s.reason) {
        case (.silenced, .silenced(let id)):
            if let want = fields.first(where: { $0.name == "silence" })?.value, want != id { return false }
        case (.inhibited, .inhibited(let by)):
            if let want = fields.first(where: { $0.name == "by" })?.value, want != by { return false }
        default: return false
        }
        if let want = fields.first(where: { $0.name == "queue" })?.value, want != s.queue { return false }
        return true
    }

    var text: String {
        var s = (at.map { RelativeTime.format($0) + " " } ?? "") + "\(reason.rawValue) \(rule)"
        if !fields.isEmpty { s += " {" + fields.map { "\($0.name): \($0.value)" }.joined(separator: ", ") + "}" }
        return s
    }
}

/// A moment the engine detected and held back, as a rule test records it: the step's time
/// (an event's, or the timer deadline the clock stopped at), the rule, the queue and why.
public struct SuppressedMoment: Sendable, Equatable {
    public var time: Timestamp
    public var rule: String
    public var queue: String?
    public var reason: SuppressionKey.Reason

    func text(start: Timestamp) -> String {
        let why: String
        switch reason {
        case .silenced(let id): why = "silenced \(rule) {silence: \(id)"
        case .inhibited(let by): why = "inhibited \(rule) {by: \(by)"
        }
        return RelativeTime.format(time - start) + " " + why + (queue.map { ", queue: \($0)" } ?? "") + "}"
    }
}
