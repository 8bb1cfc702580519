import Testing
@testable import MomentsCore

@Suite struct RuleTestParserTests {
    static func parse(_ yaml: String) throws -> RuleTestFile {
        try RuleTestParser.parse(yaml: yaml, file: "t.yaml").get()
    }

    static func errors(_ yaml: String) -> [ConfigError] {
        switch RuleTestParser.parse(yaml: yaml, file: "t.yaml") {
        case .success: return []
        case .failure(let e): return e.errors
        }
    }

    static func oneTest(events: String, extra: String = "    absent: [moment]\n") -> String {
        "rules: moments.yaml\ntests:\n  - name: t\n    events:\n" + events + extra
    }

    @Test func compactEventsWithDefaultsAndCarriedFields() throws {
        let file = try Self.parse(Self.oneTest(events: """
                  - +0s started
                  - +5s queued billing
                  - +130s connected a-7
                  - +200s transferred tech
                  - +201s sentiment -0.8
                  - +2m10s message "I want to cancel"
                  - +300s ended resolved

            """))
        #expect(file.rulesPath == "moments.yaml")
        let e = file.cases[0].events
        let start = RuleTestParser.defaultStart
        #expect(e.map(\.type) == [.interactionStarted, .interactionQueued, .agentConnected, .interactionTransferred, .sentimentScored, .messageSent, .interactionEnded])
        #expect(e.map(\.occurredAt) == ([0, 5, 130, 200, 201, 130, 300] as [Int64]).map { start + .seconds($0) })
        #expect(Set(e.map(\.interactionID)) == ["i-1"] && Set(e.map(\.customerID)) == ["c-1"] && Set(e.map(\.channel)) == [.voice])
        // The queue and agent named once stay on the interaction's later events; a transfer moves it.
        #expect(e.map(\.queue) == [nil, "billing", "billing", "billing", "tech", "tech", "tech"])
        #expect(e.map(\.agentID) == [nil, nil, "a-7", "a-7", "a-7", "a-7", "a-7"])
        #expect(e[3].data.toQueue == "tech")
        #expect(e[4].data.score == -0.8)
        #expect(e[5].data.text == "I want to cancel" && e[5].data.sender == "customer")
        #expect(e[6].data.reason == "resolved")
        #expect(Set(e.map(\.eventID)).count == e.count)
    }

    @Test func mappedEventsTestDefaultsAndSeveralInteractions() throws {
        let file = try Self.parse("""
            rules: ../moments.yaml
            start: 2026-12-01T22:00:00Z
            defaults: { channel: chat, attributes: { tier: gold } }
            tests:
              - name: t
                defaults: { customer: c-9 }
                events:
                  - +0s message: { sender: agent, text: "hello: how can I help?", attributes: { language: en } }
                  - +1m started: { interaction: i-2, customer: c-2, channel: voice }
                  - +2m queued: { interaction: i-2 }
                  - "+3m message": "ich will kündigen: sofort"
                  - +4m survey 5: { id: dup-1 }
                run_until: +1h
                absent: [recovery]
            """)
        let t = file.cases[0]
        let e = t.events
        #expect(t.start == RFC3339.parse(Array("2026-12-01T22:00:00.000Z".utf8)))
        #expect(t.end == t.start + .hours(1))
        #expect(e[0].data.sender == "agent" && e[0].data.text == "hello: how can I help?")
        #expect(e[0].attributes == ["tier": "gold", "language": "en"] && e[0].customerID == "c-9" && e[0].channel == .chat)
        #expect(e[1].customerID == "c-2" && e[1].channel == .voice)
        #expect(e[2].customerID == "c-2" && e[2].channel == .voice)   // carried from the interaction's first event
        #expect(e[3].data.text == "ich will kündigen: sofort")       // a value after the colon: the text may hold colons
        #expect(e[4].eventID == "dup-1" && e[4].data.csat == 5)
        #expect(t.absent == [OutputPattern(kind: .recovery, rule: nil, at: nil, fields: [], location: SourceLocation(file: "t.yaml", line: 14, column: 14))])
    }

    /// An event without `id` never takes an id another event of the test gives: `id: e1` on the
    /// second event made the first (automatically `e1`) a duplicate that the engine dropped, and
    /// a test could pass for that. Explicit ids may still repeat, to test duplicates on purpose.
    @Test func automaticEventIDsAvoidExplicitOnes() throws {
        let e = try Self.parse(Self.oneTest(events: """
                  - +0s queued
                  - +1s connected a-7: { id: e1 }
                  - +2s hold.started: { id: e1-2 }
                  - +3s hold.ended
                  - +4s ended resolved: { id: dup }
                  - +5s ended resolved: { id: dup }

            """)).cases[0].events
        #expect(e.map(\.eventID) == ["e1-3", "e1", "e1-2", "e4", "dup", "dup"])
    }

    /// A rules file is said to be one, once: it was refused with an "unknown key" for each of its
    /// sections and a missing `rules` and `tests` (until 2026-12-08).
    @Test func aRulesFileIsSaidToBeOne() {
        let errors = Self.errors("settings: { duplicate_window: 100 }\nmoments:\n  - id: x\nrecovery: []\n")
        #expect(errors.map(\.description) == [
            "t.yaml:2:1: error: this is a rules file (it has 'moments:' and no 'tests:'): moments test takes a rule-test file, which names its rules file in 'rules:' and lists 'tests:' (see \"Testing rules\" in the README); moments check t.yaml checks a rules file",
        ])
        // A test file with a stray `moments:` is still a test file, its key unknown.
        let stray = Self.errors(Self.oneTest(events: "      - +0s queued\n") + "moments: []\n")
        #expect(stray.map(\.message).contains { $0.hasPrefix("unknown key 'moments' in the test file") }, "\(stray)")
    }

    @Test func expectationsWithTimesAndFields() throws {
        let file = try Self.parse(Self.oneTest(events: "      - +0s queued\n", extra: """
                expect:
                  - +2m moment long-wait
                  - recovery apology-discount: { percent: 15 }
                  - +2m10s coaching long-hold-coaching: { tip: "x" }
                absent:
                  - coaching
                nothing_else: true
            """))
        let t = file.cases[0]
        #expect(t.expected.map(\.kind) == [.moment, .recovery, .coaching])
        #expect(t.expected.map(\.rule) == ["long-wait", "apology-discount", "long-hold-coaching"])
        #expect(t.expected.map(\.at) == [.minutes(2), nil, .seconds(130)])
        #expect(t.expected[1].fields.map(\.name) == ["percent"] && t.expected[1].fields.map(\.value) == ["15"])
        #expect(t.expected[0].location == SourceLocation(file: "t.yaml", line: 7, column: 9))
        #expect(t.expected[1].fields[0].location == SourceLocation(file: "t.yaml", line: 8, column: 38))
        #expect(t.absent.map(\.rule) == [nil] && t.nothingElse)
    }

    /// Each broken test file and the one error it must give, at its line and column.
    @Test(arguments: [
        (oneTest(events: "      - +1x queued\n"), 5, 9, "bad time '+1x'"),
        (oneTest(events: "      - queued\n"), 5, 9, "must start with its time"),
        (oneTest(events: "      - +0s queud\n"), 5, 9, "unknown event type 'queud'"),
        (oneTest(events: "      - +0s ended\n"), 5, 9, "interaction.ended needs its reason"),
        (oneTest(events: "      - +0s ended hungup\n"), 5, 9, "reason must be resolved, abandoned, unresolved, found 'hungup'"),
        (oneTest(events: "      - +0s sentiment -1.5\n"), 5, 9, "score must be a number from -1 to 1"),
        (oneTest(events: "      - +0s survey 6\n"), 5, 9, "csat must be a whole number from 1 to 5"),
        (oneTest(events: "      - +0s started now\n"), 5, 9, "started takes no value"),
        (oneTest(events: "      - +0s connected: { agnet: a-1 }\n"), 5, 26, "unknown key 'agnet'"),
        (oneTest(events: "      - +0s connected: { score: 1 }\n"), 5, 26, "unknown key 'score'"),
        (oneTest(events: "      - +0s connected: { channel: fax }\n"), 5, 35, "unknown channel 'fax'"),
        (oneTest(events: "      - +0s queued\n", extra: "    expect: [\"+2m alert long-wait\"]\n"), 6, 14, "unknown output kind 'alert'"),
        (oneTest(events: "      - +0s queued\n", extra: "    expect: [\"moment\"]\n"), 6, 14, "names its rule"),
        (oneTest(events: "      - +0s queued\n", extra: "    expect: [\"moment long-wait now\"]\n"), 6, 14, "unexpected 'now'"),
        (oneTest(events: "      - +0s queued\n", extra: ""), 3, 5, "checks nothing"),
        (oneTest(events: "      - +0s queued\n", extra: "    expect: []\n"), 3, 5, "checks nothing"),
        (oneTest(events: "      - +0s queued\n", extra: "    absent: [moment]\n    run_unti: 1h\n"), 7, 5, "unknown key 'run_unti'"),
        ("tests:\n  - name: t\n    events: [\"+0s queued\"]\n    absent: [moment]\n", 1, 1, "missing 'rules'"),
        ("rules: r.yaml\nstart: yesterday\ntests:\n  - name: t\n    events: [\"+0s queued\"]\n    absent: [moment]\n", 2, 8, "start must be an RFC 3339 time"),
        ("rules: r.yaml\ntests:\n  - name: t\n    events: [\"+0s queued\"\n", 5, 1, "invalid YAML"),
        (oneTest(events: "      - +0s queued\n") + "  - name: t\n    events: [\"+0s queued\"]\n    absent: [moment]\n", 7, 5, "duplicate test name 't'"),
    ])
    func brokenFilesAreRefusedWithTheirPosition(yaml: String, line: Int, column: Int, message: String) {
        let errors = Self.errors(yaml)
        #expect(errors.count == 1, "\(errors)")
        let e = errors.first
        #expect(e?.line == line && e?.column == column, "\(errors)")
        #expect(e?.message.contains(message) == true, "\(errors)")
        #expect(e?.file == "t.yaml")
    }
}
