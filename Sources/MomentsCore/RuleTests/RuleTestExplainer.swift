/// Writes what a failing test shows: the expectation, the outputs of the same rule with how each
/// differs, and everything emitted around the expected time, so the fix is obvious without a
/// debugger.
struct RuleTestExplainer {
    let test: RuleTestCase
    let outputs: [Output]
    /// Where the expectation that claimed each output is written, by the output's index.
    var claimedAt: [Int: SourceLocation] = [:]
    /// Outputs within this span of an expected time count as "around" it.
    static let window = Duration.minutes(2)
    static let maxLines = 12

    var matcher: OutputPatternMatcher { OutputPatternMatcher(start: test.start) }

    func missing(_ p: OutputPattern) -> String {
        var lines = ["expected \(RuleTestNotation.pattern(p)), not emitted"]
        let sameRule = outputs.indices.filter { matcher.sameRule(p, outputs[$0]) }
        if !sameRule.isEmpty {
            lines.append("  \(p.kind.rawValue) \(p.rule ?? "") was emitted, but differs:")
            for i in sameRule.prefix(Self.maxLines) {
                let differences = matcher.differences(p, outputs[i])
                // One that differs in nothing is another expectation's (each claims one output):
                // it was listed with nothing after it.
                if differences.isEmpty, let by = claimedAt[i] {
                    lines.append("    \(outputs[i].id): matches, but the expectation at line \(by.line), column \(by.column) claims it")
                } else {
                    lines.append("    \(outputs[i].id): " + differences.joined(separator: "; "))
                }
            }
        }
        lines += around(p.at)
        return lines.joined(separator: "\n")
    }

    func unwanted(_ p: OutputPattern, _ hits: [Output]) -> String {
        var lines = ["must not appear: \(RuleTestNotation.pattern(p)), but got:"]
        lines += list(hits)
        return lines.joined(separator: "\n")
    }

    func unexpected(_ extra: [Output]) -> String {
        (["nothing_else: emitted \(extra.count) output\(extra.count == 1 ? "" : "s") that no expectation names:"] + list(extra))
            .joined(separator: "\n")
    }

    /// The outputs near `at` (all of them when no time was expected).
    private func around(_ at: Duration?) -> [String] {
        guard !outputs.isEmpty else { return ["  the test emitted nothing (clock run to \(RelativeTime.format(test.end - test.start)))"] }
        guard let at else { return ["  emitted:"] + list(outputs) }
        let near = outputs.filter {
            let offset = $0.moment.time - test.start
            return offset >= at - Self.window && offset <= at + Self.window
        }
        let span = "\(RelativeTime.format(max(.zero, at - Self.window))) to \(RelativeTime.format(at + Self.window))"
        guard !near.isEmpty else {
            return ["  nothing emitted from \(span); \(outputs.count) output\(outputs.count == 1 ? "" : "s") at other times:"] + list(outputs)
        }
        return ["  emitted from \(span):"] + list(near)
    }

    private func list(_ items: [Output]) -> [String] {
        var lines = items.prefix(Self.maxLines).map { "    " + RuleTestNotation.output($0, start: test.start) }
        if items.count > Self.maxLines { lines.append("    ... and \(items.count - Self.maxLines) more") }
        return lines
    }
}

/// Private so that a later Duration arithmetic elsewhere cannot collide with it.
extension Duration {
    fileprivate static func - (a: Duration, b: Duration) -> Duration { Duration(milliseconds: a.milliseconds - b.milliseconds) }
    fileprivate static func + (a: Duration, b: Duration) -> Duration { Duration(milliseconds: a.milliseconds + b.milliseconds) }
}
