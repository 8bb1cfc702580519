/// Runs rule tests on the engine itself, with fake time and no broker: each test gets a fresh
/// engine, its events in file order, then the clock advanced to the test's end so timers fire.
public enum RuleTestRunner {
    /// Checks the file against `rules` (unknown rule ids or fields refuse it), then runs every test.
    public static func run(_ file: RuleTestFile, rules: RuleSet) -> Result<[RuleTestResult], ConfigErrors> {
        let errors = RuleTestChecker.errors(file, rules: rules)
        guard errors.isEmpty else { return .failure(ConfigErrors(errors)) }
        return .success(file.cases.map { run($0, rules: rules) })
    }

    /// What `run` checks before running: rule ids and field names the file names must exist in
    /// `rules` (`moments check TESTFILE`).
    public static func validate(_ file: RuleTestFile, rules: RuleSet) -> ConfigErrors? {
        let errors = RuleTestChecker.errors(file, rules: rules)
        return errors.isEmpty ? nil : ConfigErrors(errors)
    }

    public static func run(_ test: RuleTestCase, rules: RuleSet) -> RuleTestResult {
        var engine = Engine(rules: rules, clock: test.start)
        if !test.silences.isEmpty { engine.setSilences(rules.silences + test.silences) }
        var outputs: [Output] = []
        var suppressed: [SuppressedMoment] = []
        let watch = !test.suppressed.isEmpty
        func record(at time: Timestamp) {
            guard watch else { return }
            // In a fixed order: by rule alone, a step's moments of one rule (a dictionary's
            // entries) were listed in a different order at every run.
            func order(_ k: SuppressionKey) -> [String] { [k.rule, k.queue ?? "", "\(k.reason)"] }
            for (key, n) in engine.takeSuppressionCounts().sorted(by: { order($0.key).lexicographicallyPrecedes(order($1.key)) }) {
                suppressed += Array(repeating: SuppressedMoment(time: time, rule: key.rule, queue: key.queue, reason: key.reason), count: n)
            }
        }
        // With `suppressed:` lines, the clock moves timer by timer, so what each step held back
        // is known with its time; timers due at an event's own instant stay with the event.
        func stepTimers(before limit: Timestamp, including: Bool) {
            guard watch else { return }
            var last: Timestamp?
            while let due = engine.nextDeadline, due < limit || (including && due == limit), due != last {
                outputs += engine.advance(to: due)
                record(at: due)
                last = due
            }
        }
        for event in test.events {
            stepTimers(before: event.occurredAt, including: false)
            outputs += engine.process(event)
            record(at: event.occurredAt)
        }
        let end = test.end(allowedLateness: rules.settings.allowedLateness)
        stepTimers(before: end, including: true)
        outputs += engine.advance(to: end)
        record(at: end)
        var failures = check(test, outputs)
        failures += checkSuppressed(test, suppressed)
        failures.sort { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
        return RuleTestResult(test: test, outputs: outputs, failures: failures, suppressed: suppressed)
    }

    /// Each `suppressed:` line claims one moment held back, as an expectation claims an output.
    static func checkSuppressed(_ test: RuleTestCase, _ suppressed: [SuppressedMoment]) -> [RuleTestFailure] {
        let pairing = ClaimMatching.assign(claims: test.suppressed.count, items: suppressed.count, order: Array(test.suppressed.indices)) { c in
            suppressed.indices.filter { test.suppressed[c].matches(suppressed[$0], start: test.start) }
        }
        var failures: [RuleTestFailure] = []
        for (c, p) in test.suppressed.enumerated() {
            guard pairing[c] == nil else { continue }
            var message = "expected \(p.text), not held back"
            if suppressed.isEmpty {
                message += "\n  nothing was silenced or inhibited"
            } else {
                message += "\n  held back:" + suppressed.map { "\n    " + $0.text(start: test.start) }.joined()
            }
            failures.append(RuleTestFailure(location: p.location, message: message))
        }
        return failures
    }

    static func check(_ test: RuleTestCase, _ outputs: [Output]) -> [RuleTestFailure] {
        let matcher = OutputPatternMatcher(start: test.start)
        var failures: [RuleTestFailure] = []
        // Each expectation claims one output, paired so that as many as possible are satisfied
        // (`ClaimMatching`). The most specific claim is tried first, so where the pairing is free
        // "+2m moment x" keeps its earliest output and "moment x" takes another.
        let order = test.expected.indices.sorted { a, b in
            let (pa, pb) = (test.expected[a], test.expected[b])
            let (sa, sb) = ((pa.at == nil ? 0 : 100) + pa.fields.count, (pb.at == nil ? 0 : 100) + pb.fields.count)
            return sa != sb ? sa > sb : a < b
        }
        let pairing = ClaimMatching.assign(claims: test.expected.count, items: outputs.count, order: order) { c in
            outputs.indices.filter { matcher.matches(test.expected[c], outputs[$0]) }
        }
        var claimedAt: [Int: SourceLocation] = [:]
        for (c, o) in pairing.enumerated() { if let o { claimedAt[o] = test.expected[c].location } }
        for (c, p) in test.expected.enumerated() where pairing[c] == nil {
            failures.append(RuleTestFailure(location: p.location, message: RuleTestExplainer(test: test, outputs: outputs, claimedAt: claimedAt).missing(p)))
        }
        let claimed = Set(pairing.compactMap { $0 })
        let unclaimed = outputs.indices.filter { !claimed.contains($0) }
        for p in test.absent {
            let hits = outputs.filter { matcher.matches(p, $0) }
            if !hits.isEmpty {
                failures.append(RuleTestFailure(location: p.location, message: RuleTestExplainer(test: test, outputs: outputs).unwanted(p, hits)))
            }
        }
        if test.nothingElse, !unclaimed.isEmpty {
            failures.append(RuleTestFailure(
                location: test.location,
                message: RuleTestExplainer(test: test, outputs: outputs).unexpected(unclaimed.map { outputs[$0] })))
        }
        return failures.sorted { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
    }
}

public struct RuleTestResult: Sendable {
    public var test: RuleTestCase
    /// Everything the engine emitted, in order.
    public var outputs: [Output]
    public var failures: [RuleTestFailure]
    /// Moments detected but held back (recorded when the test has `suppressed:` lines).
    public var suppressed: [SuppressedMoment] = []
    public var passed: Bool { failures.isEmpty }
}

/// One failed expectation: where it is written and what went wrong, expected against got.
public struct RuleTestFailure: Sendable, Equatable, CustomStringConvertible {
    public var location: SourceLocation
    /// First line says what failed; the following lines (indented) show what was emitted.
    public var message: String
    public var description: String { "\(location): \(message)" }
}
