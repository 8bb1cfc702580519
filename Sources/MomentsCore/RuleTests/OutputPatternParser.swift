import Yams

/// Reads one item of `expect:` or `absent:`: `+2m moment long-wait`, `recovery apology-discount`,
/// or such a line mapped to fields that must match, `+2m moment long-wait: { wait: "2 min" }`.
enum OutputPatternParser {
    /// `requireRule`: an expectation names its rule; an `absent` line may name only a kind
    /// (`absent: [recovery]`: no recovery action at all).
    static func parse(_ item: Node, _ ctx: YAMLContext, requireRule: Bool) -> OutputPattern? {
        guard let (lineNode, fieldsNode) = TestItems.split(item, ctx, what: "an output") else { return nil }
        let line = lineNode.string ?? ""
        let compact: CompactLine
        switch CompactLine.parse(line) {
        case .success(let c): compact = c
        case .failure(.badOffset(let t)):
            ctx.error(lineNode, "bad time '\(t)' (write an offset from the test start: +120s, +2m10s, +1d)"); return nil
        case .failure(.empty):
            ctx.error(lineNode, "an output is written '[+time] moment|recovery|coaching RULE-ID'"); return nil
        }
        let (kindWord, rest) = CompactLine.split(compact.text)
        guard let kind = OutputPattern.Kind(rawValue: String(kindWord)) else {
            ctx.error(lineNode, "unknown output kind '\(kindWord)' (expected moment, recovery or coaching, as in '+2m moment long-wait')")
            return nil
        }
        let (ruleWord, extra) = CompactLine.split(rest)
        guard extra.isEmpty else { ctx.error(lineNode, "unexpected '\(extra)' after the rule id (fields go after a ':')"); return nil }
        if ruleWord.isEmpty && requireRule {
            ctx.error(lineNode, "an expected output names its rule: '\(kindWord) RULE-ID'"); return nil
        }
        let location = SourceLocation(file: ctx.file, line: lineNode.mark?.line ?? 1, column: lineNode.mark?.column ?? 1)
        var fields: [(name: String, value: String, location: SourceLocation)] = []
        if let fieldsNode, let members = ctx.mapping(fieldsNode, what: "the fields of an output") {
            for m in members {
                guard case .scalar(let s) = m.value else { ctx.error(m.value, "field '\(m.key)' must be a single value"); continue }
                fields.append((m.key, s.string, SourceLocation(file: ctx.file, line: m.keyNode.mark?.line ?? 1, column: m.keyNode.mark?.column ?? 1)))
            }
        }
        return OutputPattern(kind: kind, rule: ruleWord.isEmpty ? nil : String(ruleWord), at: compact.offset, fields: fields, location: location)
    }
}
