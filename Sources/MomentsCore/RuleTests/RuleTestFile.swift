/// A rule-test file (`moments test`): the rules it exercises and its test cases, already parsed
/// and located, so the runner never needs the YAML again.
public struct RuleTestFile: Sendable {
    /// Path as written in the file, relative to the test file.
    public var rulesPath: String
    /// Where `rules:` is written, for errors about the rules file as a whole.
    public var rulesLocation: SourceLocation
    public var cases: [RuleTestCase]
}

/// A line and column in a test file.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) { self.file = file; self.line = line; self.column = column }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One test: a short stream of events on a fresh engine, and what must (not) come out of it.
public struct RuleTestCase: Sendable {
    public var name: String
    public var location: SourceLocation
    /// Instant that the `+offset`s of events and expectations count from.
    public var start: Timestamp
    /// In file order, which is the order of arrival (times may go back: late events).
    public var events: [Event]
    /// The clock is advanced at least this far past `start` after the last event, so timers fire.
    public var runUntil: Duration?
    public var expected: [OutputPattern]
    public var absent: [OutputPattern]
    /// When set, every output must be matched by an expectation.
    public var nothingElse: Bool
    /// Silences in force during the test, besides the rules file's own (as if made through
    /// `POST /silences`).
    public var silences: [Silence] = []
    /// Each moment a test silence's `rule` matcher names, where it is written (checked against
    /// the rules file).
    public var silenceRules: [(rule: String, location: SourceLocation)] = []
    /// Moments that must be detected but held back by a silence or an inhibition.
    public var suppressed: [SuppressionPattern] = []

    /// How far the clock runs: the latest instant named by an event, an expectation or `run_until`.
    public var end: Timestamp { end(allowedLateness: .zero) }

    /// `end` under rules with `allowed_lateness`: an output's time is a timer's deadline, and the
    /// timer fires that much later, so the clock runs on past an expectation's time by it.
    /// Stopped at the time itself, the timer never fired: an `absent:` line could not fail, and
    /// an `expect:` line of an output the daemon emits failed.
    public func end(allowedLateness: Duration) -> Timestamp {
        var end = start
        for e in events where e.occurredAt > end { end = e.occurredAt }
        for p in expected + absent { if let at = p.at, start + at + allowedLateness > end { end = start + at + allowedLateness } }
        for p in suppressed { if let at = p.at, start + at + allowedLateness > end { end = start + at + allowedLateness } }
        if let runUntil, start + runUntil > end { end = start + runUntil }
        return end
    }
}

/// One line of `expect:` or `absent:`: an output kind, optionally a rule, a time and fields.
public struct OutputPattern: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The alert of a moment (a moment with `alert: false` has none).
        case moment
        case recovery
        case coaching

        var outputKind: OutputKind {
            switch self {
            case .moment: return .alert
            case .recovery: return .recovery
            case .coaching: return .coaching
            }
        }
    }

    public var kind: Kind
    /// Moment, recovery or coaching rule id; nil (only in `absent`) means any rule of the kind.
    public var rule: String?
    /// Offset from the test start of the output's time (the moment's time); nil means any time.
    public var at: Duration?
    /// Field name → expected value, compared as numbers when both sides are numbers.
    public var fields: [(name: String, value: String, location: SourceLocation)]
    public var location: SourceLocation

    public static func == (a: OutputPattern, b: OutputPattern) -> Bool {
        a.kind == b.kind && a.rule == b.rule && a.at == b.at && a.location == b.location
            && a.fields.map { [$0.name, $0.value] } == b.fields.map { [$0.name, $0.value] }
    }
}
