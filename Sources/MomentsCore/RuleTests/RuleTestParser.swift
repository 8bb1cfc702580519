import Yams

/// Reads a rule-test file into a `RuleTestFile`, or every problem with file:line:column, the
/// way `RulesParser` reports a rules file.
///
/// ```yaml
/// rules: moments.yaml              # relative to this file
/// defaults: { queue: billing }     # optional, for every event (interaction i-1, customer c-1, voice)
/// tests:
///   - name: a long wait is reported at the 120th second
///     events: ["+0s queued", "+130s connected a-7"]
///     expect: ["+120s moment long-wait", "+120s recovery apology-discount"]
///     absent: [coaching]
/// ```
public enum RuleTestParser {
    /// The default start of every test: a Tuesday morning, far from a UTC day boundary.
    public static let defaultStart = RFC3339.parse(Array("2026-11-24T09:00:00.000Z".utf8))!

    static let topKeys = ["rules", "start", "defaults", "tests"]
    static let caseKeys = ["name", "start", "defaults", "events", "run_until", "expect", "absent", "nothing_else", "silences", "suppressed"]

    public static func parse(yaml: String, file: String) -> Result<RuleTestFile, ConfigErrors> {
        let ctx = YAMLContext(file: file)
        guard let root = ctx.compose(yaml) else {
            if ctx.errors.isEmpty { ctx.report(line: 1, column: 1, "the test file is empty") }
            return .failure(ConfigErrors(ctx.errors))
        }
        // A rules file given here (`moments test config/moments.yaml`) was refused key by key,
        // an "unknown key" for each of its sections, without a word of what the file is.
        if case .mapping(let m) = root {
            let keys = ctx.pairs(m).map(\.key)
            if let moments = keys.first(where: { $0.string == "moments" }), !keys.contains(where: { $0.string == "tests" }) {
                ctx.error(moments, "this is a rules file (it has 'moments:' and no 'tests:'): moments test takes a rule-test file, which names its rules file in 'rules:' and lists 'tests:' (see \"Testing rules\" in the README); moments check \(file) checks a rules file")
                return .failure(ConfigErrors(ctx.errors))
            }
        }
        guard let top = ctx.mapping(root, what: "the test file", allowed: topKeys, extensions: true) else { return .failure(ConfigErrors(ctx.errors)) }
        let rulesNode = ctx.required(top, "rules", in: root, what: "the test file (the rules file to test, relative to this file)")
        let rulesPath = ctx.string(rulesNode, what: "rules")
        let start = timestamp(top["start"], ctx) ?? defaultStart
        let defaults = EventDefaults().overridden(by: top["defaults"], ctx)
        var cases: [RuleTestCase] = []
        var names: Set<String> = []
        if let list = ctx.sequence(ctx.required(top, "tests", in: root, what: "the test file"), what: "tests") {
            if list.isEmpty { ctx.error(top["tests"], "tests must not be empty") }
            for item in list {
                guard let c = parseCase(item, ctx, start: start, defaults: defaults) else { continue }
                if !names.insert(c.name).inserted { ctx.error(item, "duplicate test name '\(c.name)'"); continue }
                cases.append(c)
            }
        }
        guard ctx.errors.isEmpty, let rulesPath, let rulesNode else { return .failure(ConfigErrors(ctx.errors)) }
        return .success(RuleTestFile(rulesPath: rulesPath, rulesLocation: location(rulesNode, ctx), cases: cases))
    }

    static func parseCase(_ node: Node, _ ctx: YAMLContext, start fileStart: Timestamp, defaults fileDefaults: EventDefaults) -> RuleTestCase? {
        guard let m = ctx.mapping(node, what: "a test", allowed: caseKeys) else { return nil }
        let before = ctx.errors.count
        let name = ctx.string(ctx.required(m, "name", in: node, what: "a test"), what: "name")
        let start = timestamp(m["start"], ctx) ?? fileStart
        let defaults = fileDefaults.overridden(by: m["defaults"], ctx)
        var events: [Event] = []
        if let list = ctx.sequence(ctx.required(m, "events", in: node, what: "test '\(name ?? "?")'"), what: "events") {
            if list.isEmpty { ctx.error(m["events"], "events must not be empty") }
            var parser = TestEventParser(ctx: ctx, start: start, defaults: defaults)
            events = parser.parse(list)
        }
        let runUntil = m["run_until"].flatMap { offset($0, ctx, what: "run_until") }
        let expected = (m["expect"].flatMap { ctx.sequence($0, what: "expect") } ?? [])
            .compactMap { OutputPatternParser.parse($0, ctx, requireRule: true) }
        let absent = (m["absent"].flatMap { ctx.sequence($0, what: "absent") } ?? [])
            .compactMap { OutputPatternParser.parse($0, ctx, requireRule: false) }
        let nothingElse = ctx.bool(m["nothing_else"], what: "nothing_else") ?? false
        var silences: [Silence] = []
        var silenceRules: [(rule: String, location: SourceLocation)] = []
        for (i, item) in (m["silences"].flatMap { ctx.sequence($0, what: "silences") } ?? []).enumerated() {
            // As in a rules file, but `id` may be left out and `starts_at` defaults to the test
            // start; times may be offsets (`+10m`). Rule names are checked against the rules file.
            let hasID: Bool
            if case .mapping(let mm) = item { hasID = ctx.pairs(mm).contains { $0.key.string == "id" } } else { hasID = false }
            guard let silence = SilenceSection.parse(
                item, ctx, id: hasID ? nil : "test-silence-\(i + 1)", defaultStart: start, knownMoments: nil, offsetsFrom: start)
            else { continue }
            silences.append(silence)
            if case .sequence(let rules)? = ctx.member(ctx.member(item, "match"), "rule") {
                for r in rules { if let id = r.string { silenceRules.append((id, location(r, ctx))) } }
            } else if let r = ctx.member(ctx.member(item, "match"), "rule"), let id = r.string {
                silenceRules.append((id, location(r, ctx)))
            }
        }
        let suppressed = (m["suppressed"].flatMap { ctx.sequence($0, what: "suppressed") } ?? []).compactMap { SuppressionPattern.parse($0, ctx) }
        // An empty list checks nothing either (`expect: []` passed, checking nothing).
        func checks(_ key: String) -> Bool {
            guard let node = m[key] else { return false }
            if case .sequence(let items) = node { return !items.isEmpty }
            return true
        }
        if !checks("expect") && !checks("absent") && !checks("suppressed") && !nothingElse {
            ctx.error(node, "test '\(name ?? "?")' checks nothing: give 'expect', 'absent', 'suppressed' or 'nothing_else: true'")
        }
        guard ctx.errors.count == before, let name else { return nil }
        return RuleTestCase(
            name: name, location: location(node, ctx), start: start, events: events, runUntil: runUntil,
            expected: expected, absent: absent, nothingElse: nothingElse, silences: silences, silenceRules: silenceRules, suppressed: suppressed)
    }

    static func timestamp(_ node: Node?, _ ctx: YAMLContext) -> Timestamp? {
        guard let text = ctx.string(node, what: "start") else { return nil }
        guard let t = RFC3339.parse(Array(text.utf8)) else {
            ctx.error(node, "start must be an RFC 3339 time such as 2026-11-24T09:00:00Z, found '\(text)'")
            return nil
        }
        return t
    }

    /// `+40m` or `40m`: an offset from the test start.
    static func offset(_ node: Node, _ ctx: YAMLContext, what: String) -> Duration? {
        guard let text = ctx.string(node, what: what) else { return nil }
        let bare = text.hasPrefix("+") ? String(text.dropFirst()) : text
        guard let d = DurationParser.parse(bare) else {
            ctx.error(node, "bad time '\(text)' for \(what) (write an offset from the test start: +40m, +1d)")
            return nil
        }
        return d
    }

    static func location(_ node: Node, _ ctx: YAMLContext) -> SourceLocation {
        SourceLocation(file: ctx.file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }
}
