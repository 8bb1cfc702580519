import Foundation
import Testing
@testable import MomentsCore

@Suite struct RulesParserTests {
    @Test func defaultRulesLoad() throws {
        let rules = try Fixtures.defaultRules()
        #expect(rules.moments.map(\.id) == [
            "long-wait", "abandoned", "long-hold", "multi-transfer", "escalation", "rude-agent",
            "negative-sentiment", "repeat-contact", "churn-phrase", "fast-resolution", "top-csat",
        ])
        #expect(rules.recovery.map(\.id) == ["apology-discount", "priority-callback"])
        #expect(rules.coaching.filter { $0.kind == .positive }.flatMap(\.on).sorted() == ["fast-resolution", "top-csat"])
        #expect(rules.contactHistoryWindow == .hours(24))
    }

    static let base = """
        moments:
          - id: long-wait
            kind: pain
            when:
              wait: { from: interaction.queued, until: agent.connected, longer_than: 120s }
        """

    static let scheduled = "moments:\n  - id: s\n    kind: pain\n    schedule: { timezone: UTC, hours: \"08:00-18:00\" }\n"

    /// A number in `where:` on a score or csat matches the event's number however it is
    /// written: `1` never matched a score of 1 (compared as text with "1.0").
    @Test func whereOnANumberMatchesItsValue() throws {
        let rules = try Fixtures.rules("""
            moments:
              - id: perfect
                kind: glory
                when: { match: { event: sentiment.scored, where: { score: [1, 0.50] } } }
              - id: top
                kind: glory
                when: { match: { event: survey.submitted, where: { csat: "05" } } }
            """)
        var engine = Engine(rules: rules)
        var s = Script()
        let out = engine.run([
            s.at(0, .sentimentScored, data: EventData(score: 1)), s.at(1, .surveySubmitted, data: EventData(csat: 5)),
        ])
        s.interaction = "i-2"
        let half = engine.run([s.at(2, .sentimentScored, data: EventData(score: 0.5)), s.at(3, .sentimentScored, data: EventData(score: 0.25))])
        #expect(out.alerts.map(\.id) == ["i-1:perfect:1", "i-1:top:1"])
        #expect(half.alerts.map(\.id) == ["i-2:perfect:1"])
    }

    /// Compared as numbers, not as the text of the numbers: a score of -0 (a sentiment model's
    /// neutral, written `-0.0`) never matched `score: 0`, whose text is "0.0".
    @Test func whereOnANumberComparesNumbers() throws {
        let rules = try Fixtures.rules("""
            moments:
              - id: neutral
                kind: pain
                when: { match: { event: sentiment.scored, where: { score: 0 } } }
            """)
        var engine = Engine(rules: rules)
        var s = Script()
        let out = engine.run([s.at(0, .sentimentScored, data: EventData(score: -0.0))])
        #expect(out.alerts.map(\.id) == ["i-1:neutral:1"])
        // And shown as the event's number is written.
        #expect(rules.moments.first?.condition.summary.contains("score in [0.0]") == true, "\(String(describing: rules.moments.first?.condition.summary))")
    }

    /// A plain param is a number only as written: a code with leading zeros, a hex-looking
    /// value and an integer past what a double holds stay text (they were sent as 42, 26 and
    /// 1.2345678901234567e+19).
    @Test func recoveryParamsAreNumbersOnlyAsWritten() throws {
        let rules = try Fixtures.rules("""
            moments:
              - { id: m, kind: pain, when: { match: { event: agent.flagged } } }
            recovery:
              - id: r
                on: m
                action: voucher
                params: { percent: 15, rate: 0.5, big: 1e3, code: 0042, hex: 0x1A, account: 12345678901234567890, text: abc, odd: 9007199254740993, fine: 1.00000000000000000001, small: 0.000123, tiny: 1e-400, zero: 0.0 }
            """)
        let params = Dictionary(uniqueKeysWithValues: try #require(rules.recovery.first).params.map { ($0.key, $0.value) })
        #expect(params["percent"] == .number(15) && params["rate"] == .number(0.5) && params["big"] == .number(1000))
        #expect(params["code"] == .string("0042") && params["hex"] == .string("0x1A"))
        #expect(params["account"] == .string("12345678901234567890") && params["text"] == .string("abc"))
        #expect(params["odd"] == .string("9007199254740993") && params["fine"] == .string("1.00000000000000000001"))
        #expect(params["small"] == .number(0.000123) && params["zero"] == .number(0) && params["tiny"] == .string("1e-400"))
    }

    /// With no list of moments read (`moment:` misspelled), the rules naming moments are not
    /// also each told their moment is unknown, with an empty list (until 2026-12-08).
    @Test func aMissingMomentsSectionIsNotRepeatedByEveryRuleNamingOne() {
        let rules = "recovery:\n  - { id: r, on: long-wait, action: discount }\ncoaching:\n  - { id: c, on: [long-wait], kind: corrective, tip: hi }\n"
        let misspelled = Fixtures.errors("moment:\n  - { id: long-wait, kind: pain, when: { match: { event: agent.flagged } } }\n" + rules).map(\.message)
        #expect(misspelled.count == 2 && misspelled.contains("missing 'moments' (the list of moments to detect)"), "\(misspelled)")
        #expect(misspelled.contains { $0.hasPrefix("unknown key 'moment'") }, "\(misspelled)")
        let notAList = Fixtures.errors("moments: 3\n" + rules).map(\.message)
        #expect(notAList == ["moments must be a list"], "\(notAList)")
        // An empty list was read: its names are unknown, and said to be.
        let none = Fixtures.errors("moments: []\n" + rules).map(\.message)
        #expect(none == ["unknown moment 'long-wait' (no moments are defined)", "unknown moment 'long-wait' (no moments are defined)"], "\(none)")
    }

    /// Nesting past libyaml's limit is said in plain words: libyaml's own named a C function
    /// to call (until 2026-12-08).
    @Test func nestingTooDeepIsSaidPlainly() {
        for yaml in [String(repeating: "[", count: 100_000), "moments: " + String(repeating: "{a: ", count: 2_000)] {
            let errors = Fixtures.errors(yaml)
            #expect(errors.map(\.message) == ["invalid YAML: nested deeper than 1000 levels (lists and mappings within one another)"], "\(errors.map(\.description))")
        }
    }

    /// A negative number goes out as written, as any other: it was refused (until 2026-12-08)
    /// by a check no action needed, which the schema and the README did not have.
    @Test func recoveryParamsMayBeNegative() throws {
        let rules = try Fixtures.rules("moments:\n  - { id: m, kind: pain, when: { match: { event: agent.flagged } } }\nrecovery:\n  - { id: r, on: m, action: shift, params: { offset: -5, delta: -0.25, text: -x } }\n")
        let params = Dictionary(uniqueKeysWithValues: try #require(rules.recovery.first).params.map { ($0.key, $0.value) })
        #expect(params["offset"] == .number(-5) && params["delta"] == .number(-0.25) && params["text"] == .string("-x"))
    }

    /// Both lists of an `ended` condition are checked, every bad item at its place: a bad
    /// reason used to hide a bad phase (`check` reports every problem at once).
    @Test func everyBadItemOfAnEndedConditionIsReported() {
        let yaml = "moments:\n  - id: s\n    kind: pain\n    when:\n      ended:\n        reason: [resolved, abandonned]\n        while: [queued, holding]\n"
        let errors = Fixtures.errors(yaml).map { "\($0.line):\($0.column) \($0.message)" }
        #expect(errors.count == 2, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("6:28 reason must be resolved, abandoned or unresolved, found 'abandonned'") }, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("7:25 while must name phases") && $0.hasSuffix("found 'holding'") }, "\(errors)")
    }

    /// Each broken file and the one error it must produce, at its line and column.
    @Test(arguments: [
        (base + "\nrecovery:\n  - id: r\n    on: [long-wiat]\n    action: discount\n", 8, 10, "unknown moment 'long-wiat'"),
        (base.replacingOccurrences(of: "120s", with: "12x"), 5, 78, "bad duration '12x'"),
        (base.replacingOccurrences(of: "120s", with: "-5s"), 5, 78, "must not be negative"),
        (base.replacingOccurrences(of: "    kind: pain\n", with: ""), 2, 5, "missing 'kind'"),
        (base.replacingOccurrences(of: "kind: pain", with: "kind: pian"), 3, 11, "kind must be pain or glory"),
        (base.replacingOccurrences(of: "longer_than", with: "longer_tan"), 5, 13, "missing 'longer_than'"),
        (base + "\n    severty: high\n", 6, 5, "unknown key 'severty'"),
        ("moments:\n  - id: s\n    kind: pain\n    when:\n      threshold: { event: sentiment.scored, field: score, below: -1.6 }\n", 5, 66, "outside the sentiment range"),
        ("moments:\n  - id: s\n    kind: pain\n    when:\n      count: { event: interaction.transferred, reaches: -2 }\n", 5, 57, "must be at least 1"),
        ("moments:\n  - id: s\n    kind: pain\n    when:\n      match: { event: agent.flaged }\n", 5, 23, "unknown event type 'agent.flaged'"),
        ("moments:\n  - id: s\n    kind: pain\n    summary: \"waited {wiat}\"\n    when:\n      match: { event: agent.flagged }\n", 4, 22, "unknown placeholder '{wiat}'"),
        // The same in a file with CRLF line ends (it was reported at the template's start).
        ("moments:\r\n  - id: s\r\n    kind: pain\r\n    summary: \"waited {wiat}\"\r\n    when:\r\n      match: { event: agent.flagged }\r\n", 4, 22, "unknown placeholder '{wiat}'"),
        // A number a score or csat can never be, at its item.
        ("moments:\n  - id: s\n    kind: pain\n    when:\n      match: { event: sentiment.scored, where: { score: [0.5, high] } }\n", 5, 63, "where.score: 'high' is not a number"),
        ("moments:\n  - id: s\n    kind: pain\n    when:\n      match: { event: survey.submitted, where: { csat: [4.5] } }\n", 5, 57, "where.csat: 4.5 is not an integer 1..5"),
        ("moments:\n  - id: s\n    kind: pain\n    when:\n      match: { event: sentiment.scored, where: { score: [0.5, 1.5] } }\n", 5, 63, "where.score: 1.5 is outside the sentiment range -1..1"),
        // A bad item of a list at its own line and column, not at the list's first item.
        ("moments:\n  - id: s\n    kind: pain\n    when:\n      wait:\n        from: interaction.queued\n        until:\n          - agent.connected\n          - interaction.endd\n        longer_than: 60s\n", 9, 13, "unknown event type 'interaction.endd'"),
        ("moments:\n  - id: s\n    kind: pain\n    only: { channel: [voice, fax] }\n    when: { match: { event: agent.flagged } }\n", 4, 30, "unknown channel 'fax'"),
        // A control character the YAML reader refuses, at its place (it was reported at 1:1).
        ("moments:\n  - id: s\n    kind: pain\n    summary: \"x \u{01} y\"\n    when: { match: { event: agent.flagged } }\n", 4, 17, "invalid YAML"),
        // A measure that cannot be a placeholder, at its place (it was reported as a bad template).
        ("moments:\n  - id: s\n    kind: pain\n    when:\n      wait: { from: hold.started, until: hold.ended, longer_than: 60s, measure: hold-time }\n", 5, 81, "measure 'hold-time' must be a placeholder name"),
        ("moments:\n  - id: s\n    kind: pain\n    when:\n      count: { event: interaction.transferred, reaches: 2, measure: queue }\n", 5, 69, "measure 'queue' is a placeholder every moment fills already"),
        // After a literal `{{…}}` of the same name: at the placeholder, not inside the literal.
        ("moments:\n  - id: s\n    kind: pain\n    summary: \"{{queu}} and {queu}\"\n    when:\n      match: { event: agent.flagged }\n", 4, 28, "unknown placeholder '{queu}'"),
        // On a later line of a folded template: at the template's start.
        ("moments:\n  - id: s\n    kind: pain\n    summary: >-\n      waited\n      {wiat}\n    when:\n      match: { event: agent.flagged }\n", 4, 14, "unknown placeholder '{wiat}'"),
        ("moments:\n  - id: s\n    kind: pain\n    when:\n      match: { event: agent.flagged }\n      ended: { reason: abandoned }\n", 5, 7, "exactly one condition"),
        ("moments:\n  - id: s\n    kind: pain\n    when: [oops\n", 5, 1, "invalid YAML"),
        // A tab in the indentation: the parser's words never said so (until 2026-12-07).
        ("moments:\n\t- id: s\n", 2, 1, "cannot start any token (line 2 is indented with a tab; YAML indents with spaces only)"),
        ("moments:\n  - id: s\n    kind: pain\n\t   when: { match: { event: agent.flagged } }\n", 4, 1, "(line 4 is indented with a tab; YAML indents with spaces only)"),
        (base + "\n  - id: long-wait\n    kind: pain\n    when: { match: { event: agent.flagged } }\n", 6, 5, "duplicate moment id 'long-wait'"),
        // A repeated key at its repeat, the mistake, naming the first (it was at the first).
        ("moments:\n  - id: s\n    kind: pain\n    kind: gain\n    when: { match: { event: agent.flagged } }\n", 4, 5, "duplicate key 'kind' in one mapping ('kind' first at line 3, column 5)"),
        ("moments:\n  - id: s\n    id: t\n    kind: pain\n    when: { match: { event: agent.flagged } }\n", 3, 5, "duplicate key 'id' in one mapping ('id' first at line 2, column 5)"),
        ("moments:\n  - id: s\n    kind: pain\n    when: { match: { event: agent.flagged, event: agent.flagged } }\n", 4, 44, "duplicate key 'event' in one mapping ('event' first at line 4, column 22)"),
        ("moments:\n  - id: s\n    kind: pain\n    \"kind\": gain\n    when: { match: { event: agent.flagged } }\n", 4, 5, "duplicate key 'kind' in one mapping"),
        // Three times: at the second, the first repeat.
        ("moments:\n  - id: s\n    kind: pain\n    kind: gain\n    kind: pain\n    when: { match: { event: agent.flagged } }\n", 4, 5, "duplicate key 'kind' in one mapping"),
        // Rule ids are part of output ids, which ':' joins.
        ("moments:\n  - id: vip:rude\n    kind: pain\n    when: { match: { event: agent.flagged } }\n", 2, 9, "id 'vip:rude' may hold only ASCII letters (a-z, A-Z), digits, '-', '_' and '.'"),
        // A letter outside ASCII is refused as such (until 2026-12-08 "only letters", which é is).
        ("moments:\n  - id: \"é\"\n    kind: pain\n    when: { match: { event: agent.flagged } }\n", 2, 9, "id 'é' may hold only ASCII letters (a-z, A-Z)"),
        (base + "\ncoaching:\n  - { id: \"tip one\", on: long-wait, kind: corrective, tip: hi }\n", 7, 11, "id 'tip one' may hold only"),
        ("moments:\n  - id: s\n    kind: pain\n    when: { repeat_contact: { within: 30d, at_least: 300 } }\n", 4, 54, "at_least must be at most 256, found 300"),
        ("recovery: []\n", 1, 1, "missing 'moments'"),
        ("settings:\n  duplicate_window: 5000000000\n" + base, 2, 21, "duplicate_window must be at most 4294967294"),
        // Durations past 100 years would wrap event time: a wait's timer due at once, every
        // interaction evicted after its first event.
        (base.replacingOccurrences(of: "120s", with: "9223372036854775807ms"), 5, 78, "longer_than must be at most 100 years (36525d), found '9223372036854775807ms'"),
        ("settings:\n  interaction_timeout: 106751991167d\n" + base, 2, 24, "interaction_timeout must be at most 100 years"),
        (base + "\nrecovery:\n  - { id: r, on: long-wait, action: discount, cooldown: 36526d }\n", 7, 57, "cooldown must be at most 100 years"),
        // Other limits outside a schedule are held to the same ranges as the condition's own.
        (scheduled + "    outside: { below: 5 }\n    when: { threshold: { event: sentiment.scored, field: score, below: -0.6 } }\n", 5, 23, "below 5.0 is outside the sentiment range -1..1"),
        (scheduled + "    outside: { at_least: -1 }\n    when: { threshold: { event: survey.submitted, field: csat, at_least: 4 } }\n", 5, 26, "at_least must not be negative for csat"),
        // A moment named twice in `on` would give each of its moments two identical outputs.
        (base + "\ncoaching:\n  - { id: c, on: [long-wait, long-wait], kind: corrective, tip: hi }\n", 7, 30, "moment 'long-wait' is named twice in on"),
        (base + "\nrecovery:\n  - id: r\n    on: [long-wait, long-wait]\n    action: discount\n", 8, 21, "moment 'long-wait' is named twice in on"),
        // Conditions that could never hold (accepted until 2026-12-07): a field the event type
        // never carries, bounds no value meets together.
        ("moments:\n  - id: s\n    kind: pain\n    when: { match: { event: agent.flagged, where: { csat: 1 } } }\n", 4, 53, "agent.flagged events carry no 'csat' (they carry: flag, source), so this condition could never hold"),
        ("moments:\n  - id: s\n    kind: pain\n    when: { count: { event: agent.connected, where: { flag: rude }, reaches: 2 } }\n", 4, 55, "agent.connected events carry no 'flag' (they carry no data fields)"),
        ("moments:\n  - id: s\n    kind: pain\n    when: { threshold: { event: sentiment.scored, field: csat, at_most: 2 } }\n", 4, 58, "sentiment.scored events carry no 'csat' (they carry: score)"),
        ("moments:\n  - id: s\n    kind: pain\n    when: { threshold: { event: sentiment.scored, field: score, below: -0.6, above: 0.6 } }\n", 4, 72, "no score (-1..1) is below -0.6 and above 0.6 at once, so this condition could never hold"),
        ("moments:\n  - id: s\n    kind: glory\n    when: { threshold: { event: survey.submitted, field: csat, at_least: 6 } }\n", 4, 74, "no csat (an integer 1..5) is at_least 6 at once"),
        ("moments:\n  - id: s\n    kind: glory\n    when: { threshold: { event: survey.submitted, field: csat, above: 4.2, below: 4.8 } }\n", 4, 83, "no csat (an integer 1..5) is below 4.8 and above 4.2 at once"),
        // Numbers as YAML writes them, and a whole number too large said to be so (until
        // 2026-12-07 `0x5` was 5, and 10^19 "not a whole number").
        ("moments:\n  - id: s\n    kind: pain\n    when: { threshold: { event: sentiment.scored, field: score, below: 0x0 } }\n", 4, 72, "below must be a number, found '0x0'"),
        ("moments:\n  - id: s\n    kind: pain\n    when: { count: { event: interaction.transferred, reaches: 10000000000000000000 } }\n", 4, 63, "reaches must be at most 9223372036854775807, found 10000000000000000000"),
        (scheduled + "    outside: { at_least: 0.5, at_most: 0.2 }\n    when: { threshold: { event: sentiment.scored, field: score, below: -0.6 } }\n", 5, 26, "no score (-1..1) is at_least 0.5 and at_most 0.2 at once"),
    ] as [(String, Int, Int, String)])
    func brokenFilesAreRefusedWithLocation(yaml: String, line: Int, column: Int, message: String) {
        let errors = Fixtures.errors(yaml)
        let match = errors.first { $0.message.contains(message) }
        #expect(match != nil, "expected '\(message)' in \(errors.map(\.description))")
        #expect(match?.line == line, "\(errors.map(\.description))")
        #expect(match?.column == column, "\(errors.map(\.description))")
        #expect(match?.description.hasPrefix("test.yaml:\(line):\(column): error: ") == true)
    }

    /// One mistake, one error: a schedule refused at its declaration is not also "unknown" at
    /// the moment naming it, and an override without `if` is not read as its own filter (both
    /// gave a second, misleading error until 2026-12-07).
    @Test func aMistakeIsReportedOnceWhereItIs() {
        let badSchedule = Fixtures.errors("""
            schedules:
              office: { timezone: Mars/Olympus, hours: "08:00-18:00" }
            moments:
              - id: s
                kind: pain
                schedule: office
                when: { match: { event: agent.flagged } }
            """)
        #expect(badSchedule.count == 1 && badSchedule.first?.line == 2, "\(badSchedule.map(\.description))")
        let noIf = Fixtures.errors("""
            moments:
              - id: s
                kind: pain
                when:
                  wait: { from: interaction.queued, until: agent.connected, longer_than: 120s, overrides: [ { longer_than: 60s } ] }
            """)
        #expect(noIf.map(\.message) == ["missing 'if' in an override"], "\(noIf.map(\.description))")
        // A bound that is not a number is not also missing (until 2026-12-08 it was said to be,
        // "threshold needs one of ..."); no bound at all still says which are wanted.
        let notANumber = Fixtures.errors("moments:\n  - id: s\n    kind: pain\n    when: { threshold: { event: sentiment.scored, field: score, below: high } }\n")
        #expect(notANumber.map(\.message) == ["below must be a number, found 'high'"], "\(notANumber.map(\.description))")
        let noBound = Fixtures.errors("moments:\n  - id: s\n    kind: pain\n    when: { threshold: { event: sentiment.scored, field: score } }\n")
        #expect(noBound.map(\.message) == ["threshold needs one of below, above, at_least, at_most"], "\(noBound.map(\.description))")
    }

    @Test func decimalNumbersOnly() {
        for ok in ["1", "-0.5", "+.5", "1e3", "2.5E-1", "0"] { #expect(YAMLContext.isDecimal(ok), "\(ok)") }
        for bad in ["0x5", "0x1p3", "inf", "nan", "1e", ".", "-", "1.2.3", "1_000", " 1", ""] { #expect(!YAMLContext.isDecimal(bad), "\(bad)") }
    }

    /// Bounds that only an average meets are kept: a csat averaged over surveys can be 4.5.
    @Test func boundsAnAverageMeetsAreKept() throws {
        let rules = try Fixtures.rules("moments:\n  - id: s\n    kind: glory\n    when: { threshold: { event: survey.submitted, field: csat, above: 4.2, below: 4.8, average_over: 3 } }\n")
        #expect(rules.moments.count == 1)
    }

    @Test func durationsAreBoundedAtOneHundredYears() {
        #expect(DurationParser.parse("36525d") == .days(36_525))
        #expect(DurationParser.parse("36524d24h") == .days(36_525))
        #expect(DurationParser.parse("36525d1ms") == nil)
        #expect(DurationParser.parse("9223372036854775807ms") == nil)
        // Past what Int64 milliseconds hold, still too long, not malformed (until 2026-12-08 "bad duration").
        for huge in ["99999999999999999999999s", "9223372036854775807d", "15250000000w2000000d"] {
            let errors = Fixtures.errors(Self.base.replacingOccurrences(of: "120s", with: huge)).map(\.message)
            #expect(errors == ["longer_than must be at most 100 years (36525d), found '\(huge)'"], "\(errors)")
        }
        #expect(Fixtures.errors(Self.base.replacingOccurrences(of: "120s", with: "99999999999999999999999x")).first?.message.hasPrefix("bad duration") == true)
    }

    @Test func everyErrorIsReportedAtOnce() {
        let yaml = """
            moments:
              - id: a
                kind: bad
                when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 1y } }
            coaching:
              - id: c
                on: nothing
                kind: corrective
                tip: hi
            """
        #expect(Fixtures.errors(yaml).count == 3)
    }

    @Test func coachingTipsMayUseOnlyWhatEveryMomentFills() {
        let yaml = Self.base + """

              - id: rude
                kind: pain
                when: { match: { event: agent.flagged } }
            coaching:
              - id: c
                on: [long-wait, rude]
                kind: corrective
                tip: "waited {wait}"
            """
        #expect(Fixtures.errors(yaml).first?.message.contains("unknown placeholder '{wait}'") == true)
    }

    /// A coaching tip naming a moment that has errors of its own is checked with them, against
    /// what is known of the moment's measures: until 2026-12-08 its errors came only at the
    /// next check, once the moment was mended.
    @Test func aTipIsCheckedWhenTheMomentItNamesIsRefused() {
        func tipErrors(_ moment: String) -> [String] {
            Fixtures.errors("moments:\n  - id: a\n" + moment + "coaching:\n  - { id: c, on: [a], kind: corrective, tip: \"You {bogus} after {wait}\" }\n").map(\.message)
        }
        let wait = "    when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 120s } }\n"
        let badSummary = tipErrors("    kind: pain\n    summary: \"{queu}\"\n" + wait)
        #expect(badSummary.count == 2 && badSummary.contains { $0.hasPrefix("unknown placeholder '{queu}'") }, "\(badSummary)")
        #expect(badSummary.contains { $0.hasPrefix("unknown placeholder '{bogus}' (available here: ") }, "\(badSummary)")
        let badKind = tipErrors("    kind: pian\n" + wait)
        #expect(badKind.count == 2 && badKind.contains { $0.hasPrefix("unknown placeholder '{bogus}'") }, "\(badKind)")
        // The condition refused: only a name no condition could fill is reported.
        let badCondition = tipErrors("    kind: pain\n    when: { wait: { from: interaction.queued, longer_than: 120s } }\n")
        #expect(badCondition.count == 2, "\(badCondition)")
        #expect(badCondition.contains { $0.hasPrefix("unknown placeholder '{bogus}'") && $0.contains("the condition of moment 'a', once mended") }, "\(badCondition)")
        // A moment that is not in the file at all: its measures are unknown, so only the name is reported.
        let unknown = Fixtures.errors(Self.base + "\ncoaching:\n  - { id: c, on: [b], kind: corrective, tip: \"{bogus}\" }\n").map(\.message)
        #expect(unknown.count == 1 && unknown.first?.hasPrefix("unknown moment 'b'") == true, "\(unknown)")
    }

    /// A UTF-8 byte order mark (Windows editors write one) is not content: before a first key
    /// it made the file's second top-level key a syntax error. The first line's columns are
    /// counted as an editor shows them, without it.
    @Test func aByteOrderMarkIsSkipped() throws {
        let rules = try Fixtures.rules("\u{FEFF}settings:\n  allowed_lateness: 2s\n" + Self.base)
        #expect(rules.moments.map(\.id) == ["long-wait"])
        #expect(rules.settings.allowedLateness == .seconds(2))
        #expect(Fixtures.errors("\u{FEFF}moments: 3\n").map(\.description) == ["test.yaml:1:10: error: moments must be a list"])
    }
}
