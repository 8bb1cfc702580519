import Foundation
import Testing
@testable import MomentsCore

@Suite struct RuleTestRunnerTests {
    let rules: RuleSet
    init() throws { rules = try Fixtures.defaultRules() }

    func run(_ yaml: String, rules: RuleSet? = nil) throws -> Result<[RuleTestResult], ConfigErrors> {
        let file = try RuleTestParser.parse(yaml: yaml, file: "t.yaml").get()
        return RuleTestRunner.run(file, rules: rules ?? self.rules)
    }

    func results(_ yaml: String, rules: RuleSet? = nil) throws -> [RuleTestResult] { try run(yaml, rules: rules).get() }

    static let longWait = """
        rules: moments.yaml
        tests:
          - name: long wait
            events:
              - +0s queued billing
              - +200s connected a-7

        """

    @Test func aCorrectTestPasses() throws {
        let r = try results(Self.longWait + """
                expect:
                  - +120s moment long-wait: { wait: "2 min", wait_seconds: 120, queue: billing }
                  - +2m recovery apology-discount: { percent: 15.0 }
                absent: [coaching, moment long-hold]
                nothing_else: true
            """)
        #expect(r.count == 1)
        #expect(r[0].passed, "\(r[0].failures)")
        #expect(r[0].outputs.map(\.id) == ["i-1:long-wait:1", "i-1:long-wait:1:apology-discount"])
    }

    /// Numbers are compared as numbers only where the output has a number: a queue "0042" is
    /// not "42", and 120 seconds is not "0x78" (both passed until 2026-12-06).
    @Test func onlyNumericFieldsCompareAsNumbers() throws {
        let test = """
            rules: moments.yaml
            tests:
              - name: numbers
                events:
                  - +0s queued 0042
                  - +200s connected a-7
                expect:

            """
        let exact = try results(test + "          - +120s moment long-wait: { queue: \"0042\", wait_seconds: 120.0 }\n")
        #expect(exact[0].passed, "\(exact[0].failures)")
        let loose = try results(test + "          - +120s moment long-wait: { queue: \"42\", wait_seconds: \"0x78\" }\n")
        #expect(!loose[0].passed)
        let text = loose[0].failures.map(\.message).joined(separator: "\n")
        #expect(text.contains("queue is \"0042\", expected \"42\""), "\(text)")
        #expect(text.contains("wait_seconds is \"120\", expected \"0x78\""), "\(text)")
    }

    @Test func aWrongTimeFailsAtTheExpectationWithWhatWasEmitted() throws {
        let r = try results(Self.longWait + """
                expect:
                  - +100s moment long-wait
            """)
        let f = try #require(r[0].failures.first)
        #expect(r[0].failures.count == 1)
        #expect(f.location == SourceLocation(file: "t.yaml", line: 8, column: 9))
        let lines = f.message.split(separator: "\n").map(String.init)
        #expect(lines[0] == "expected +1m40s moment long-wait, not emitted")
        #expect(lines[1] == "  moment long-wait was emitted, but differs:")
        #expect(lines[2] == "    i-1:long-wait:1: at +2m, expected +1m40s")
        #expect(lines[3] == "  emitted from +0s to +3m40s:")
        #expect(lines[4].contains("+2m") && lines[4].contains("moment") && lines[4].contains("i-1:long-wait:1") && lines[4].contains("Customer c-1 has waited 2 min in queue billing"))
        #expect(lines[5].contains("recovery") && lines[5].contains("apology-discount") && lines[5].contains("percent=15"))
        #expect(f.description.hasPrefix("t.yaml:8:9: expected +1m40s moment long-wait"))
    }

    @Test func aWrongFieldSaysExpectedAndGot() throws {
        let r = try results(Self.longWait + """
                expect:
                  - +2m moment long-wait: { wait: "3 min" }
            """)
        let f = try #require(r[0].failures.first)
        #expect(f.message.contains("i-1:long-wait:1: wait is \"2 min\", expected \"3 min\""), "\(f.message)")
    }

    @Test func aMomentThatNeverCameSaysSo() throws {
        let r = try results("""
            rules: moments.yaml
            tests:
              - name: short wait
                events: ["+0s queued", "+60s connected a-7"]
                expect: ["+2m moment long-wait"]
            """)
        let f = try #require(r[0].failures.first)
        #expect(f.message == "expected +2m moment long-wait, not emitted\n  the test emitted nothing (clock run to +2m)")
    }

    @Test func anOutputThatMustNotAppearFails() throws {
        let r = try results(Self.longWait + """
                absent:
                  - moment long-hold
                  - recovery
            """)
        #expect(r[0].failures.count == 1)
        let f = try #require(r[0].failures.first)
        #expect(f.location.line == 9)
        #expect(f.message.hasPrefix("must not appear: recovery, but got:\n    +2m"), "\(f.message)")
        #expect(f.message.contains("i-1:long-wait:1:apology-discount"))
    }

    @Test func nothingElseListsTheUnexpectedOutputs() throws {
        let r = try results(Self.longWait + """
                expect: ["moment long-wait"]
                nothing_else: true
            """)
        let f = try #require(r[0].failures.first)
        #expect(f.location == SourceLocation(file: "t.yaml", line: 3, column: 5))
        #expect(f.message.hasPrefix("nothing_else: emitted 1 output that no expectation names:"))
        #expect(f.message.contains("apology-discount"))
    }

    @Test func eachExpectationClaimsItsOwnOutput() throws {
        // Two long holds: "moment long-hold" (any time) must not take the one "+70s" needs.
        let r = try results("""
            rules: moments.yaml
            tests:
              - name: holds
                events: ["+0s connected a-7", "+10s hold.started", "+100s hold.ended", "+200s hold.started", "+400s hold.ended"]
                expect: ["moment long-hold", "+70s moment long-hold", "moment long-hold"]
            """)
        #expect(r[0].failures.count == 1)
        #expect(r[0].failures.first?.location.line == 5)
        #expect(r[0].failures.first?.message.hasPrefix("expected moment long-hold, not emitted") == true)
    }

    @Test func timersFireUpToRunUntil() throws {
        let base = "rules: moments.yaml\ntests:\n  - name: t\n    events: [\"+0s queued\"]\n"
        #expect(try results(base + "    run_until: +119s\n    absent: [moment long-wait]\n")[0].passed)
        #expect(try !results(base + "    run_until: +120s\n    absent: [moment long-wait]\n")[0].passed)
    }

    @Test func unknownRulesAndFieldsRefuseTheFile() throws {
        let yaml = Self.longWait + """
                expect:
                  - +2m moment long-wiat
                  - recovery apology-discount: { percnt: 15 }
                absent: [coaching long-hold]
            """
        guard case .failure(let e) = try run(yaml) else { Issue.record("accepted"); return }
        #expect(e.errors.map { "\($0.line):\($0.column)" } == ["8:9", "9:38", "10:14"])
        #expect(e.errors[0].message.hasPrefix("unknown moment rule 'long-wiat' in moments.yaml (defined: long-wait, abandoned,"))
        #expect(e.errors[1].message.hasPrefix("unknown field 'percnt' for recovery apology-discount (available:"))
        #expect(e.errors[1].message.contains("percent"))
        #expect(e.errors[2].message.hasPrefix("unknown coaching rule 'long-hold'"))
    }

    @Test func aMomentWithoutAlertCannotBeExpected() throws {
        let rules = try Fixtures.rules("""
            moments:
              - id: quiet
                kind: pain
                alert: false
                when: { match: { event: interaction.escalated } }
            """)
        let yaml = "rules: r.yaml\ntests:\n  - name: t\n    events: [\"+0s escalated\"]\n    expect: [\"moment quiet\"]\n"
        guard case .failure(let e) = try run(yaml, rules: rules) else { Issue.record("accepted"); return }
        #expect(e.errors.map(\.description) == ["t.yaml:5:14: error: moment 'quiet' has 'alert: false', so it emits no alert to expect; check its recovery or coaching instead"])
    }

    @Test func durationsRenderInHumanForm() throws {
        // With allowed lateness the hold's end arrives before the timer: the real 130 s is reported.
        let rules = try Fixtures.rules("""
            settings: { allowed_lateness: 30s }
            moments:
              - id: long-hold
                kind: pain
                summary: "On hold for {hold}"
                when:
                  wait: { from: hold.started, until: hold.ended, longer_than: 120s, measure: hold }
            """)
        let r = try results("""
            rules: r.yaml
            tests:
              - name: t
                events: ["+0s hold.started", "+130s hold.ended"]
                expect:
                  - +120s moment long-hold: { summary: "On hold for 2 min 10 s", hold_seconds: 130 }
            """, rules: rules)
        #expect(r[0].passed, "\(r[0].failures)")
    }

    /// With allowed lateness a timer fires that long after the deadline its output carries: the
    /// clock runs past an expectation's time by it. Stopped at +2m, the wait's timer (+2m30s)
    /// never fired, so `absent:` passed whatever the rules, and `expect:` failed.
    @Test func timersDueWithinTheLatenessOfAnExpectationFire() throws {
        let rules = try Fixtures.rules("""
            settings: { allowed_lateness: 30s }
            moments:
              - id: long-wait
                kind: pain
                when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 2m } }
            """)
        let r = try results("""
            rules: r.yaml
            tests:
              - name: expected
                events: ["+0s queued"]
                expect: ["+2m moment long-wait"]
              - name: absent
                events: ["+0s queued"]
                absent: ["+2m moment long-wait"]
            """, rules: rules)
        #expect(r[0].passed, "\(r[0].failures)")
        #expect(!r[1].passed, "an absent: line that the emitted moment should fail passed")
    }

    /// Expectations are paired with outputs so that as many as possible hold: claimed greedily,
    /// the timed line took i-1's long wait and the line that names i-1 failed, though i-2's would
    /// have served the first. With fewer outputs than lines, one still fails.
    @Test func expectationsArePairedSoThatAllCanHold() throws {
        let r = try results("""
            rules: moments.yaml
            tests:
              - name: both
                events:
                  - +0s queued
                  - +0s queued: { interaction: i-2, customer: c-2 }
                expect:
                  - +2m moment long-wait
                  - moment long-wait: { interaction_id: i-1 }
              - name: one too many
                events:
                  - +0s queued
                  - +0s queued: { interaction: i-2, customer: c-2 }
                expect:
                  - +2m moment long-wait
                  - moment long-wait: { interaction_id: i-1 }
                  - moment long-wait: { interaction_id: i-2 }
            """)
        #expect(r[0].passed, "\(r[0].failures)")
        #expect(r[1].failures.count == 1)
        #expect(ClaimMatching.assign(claims: 2, items: 2, order: [0, 1]) { $0 == 0 ? [0, 1] : [0] } == [1, 0])
    }

    /// The tests the default rules ship with, as `make test` runs them.
    @Test func theDefaultRulesPassTheirTests() throws {
        let path = Fixtures.root.appendingPathComponent("config/moments.test.yaml").path
        let file = try RuleTestParser.parse(yaml: try String(contentsOfFile: path, encoding: .utf8), file: path).get()
        #expect(file.rulesPath == "moments.yaml")
        let results = try RuleTestRunner.run(file, rules: rules).get()
        #expect(results.count >= 25)
        for r in results where !r.passed { Issue.record("\(r.test.name): \(r.failures)") }
        // Every default moment, recovery and coaching rule is expected somewhere.
        let expected = Set(results.flatMap { $0.test.expected.compactMap(\.rule) })
        let all = rules.moments.map(\.id) + rules.recovery.map(\.id) + rules.coaching.map(\.id)
        #expect(Set(all).subtracting(expected).isEmpty, "untested: \(Set(all).subtracting(expected))")
    }

    @Test func aTestsSilencesMuteWithinTheirWindowAndOnTopOfTheRulesFilesOwn() throws {
        let r = try results("""
            rules: moments.yaml
            tests:
              - name: silenced
                silences:
                  - { match: { rule: [long-wait] }, for: 10m }
                  - { id: later, match: { queue: support }, starts_at: +1h, ends_at: 2026-11-24T11:00:00Z }
                events:
                  - +0s queued billing
                  - +30m queued support: { interaction: i-2 }
                  - +70m queued support: { interaction: i-3, customer: c-3 }
                run_until: +2h
                expect:
                  - +32m moment long-wait: { interaction_id: i-2 }
                  - +32m recovery apology-discount: { interaction_id: i-2 }
                nothing_else: true
            """)
        #expect(r[0].passed, "\(r[0].failures)")
        #expect(r[0].test.silences.map(\.id) == ["test-silence-1", "later"])
        #expect(r[0].test.silences[1].startsAt == RuleTestParser.defaultStart + .hours(1))
        // The same events without the silences: all three long waits.
        let plain = try results("""
            rules: moments.yaml
            tests:
              - name: not silenced
                events:
                  - +0s queued billing
                  - +30m queued support: { interaction: i-2 }
                  - +70m queued support: { interaction: i-3, customer: c-3 }
                run_until: +2h
                absent: [moment long-wait]
            """)
        #expect(plain[0].failures.count == 1)
        #expect(plain[0].outputs.filter { $0.kind == .alert }.count == 3)
    }

    @Test func aTestSilenceNamingAnUnknownMomentOrABadTimeIsRefusedWithItsLocation() throws {
        let bad = """
            rules: moments.yaml
            tests:
              - name: silenced
                silences:
                  - { match: { rule: [long-wait, long-wiat] }, for: 10m }
                  - { match: { queue: billing }, starts_at: +1x, for: 1h }
                events: ["+0s queued"]
                nothing_else: true
            """
        guard case .failure(let parseErrors) = RuleTestParser.parse(yaml: bad, file: "t.yaml") else { Issue.record("accepted"); return }
        #expect(parseErrors.errors.map(\.description) == [
            "t.yaml:6:49: error: bad time '+1x' for starts_at (write an offset from the test start, such as +10m, or an RFC 3339 time)",
        ])
        let unknown = bad.replacingOccurrences(of: "starts_at: +1x", with: "starts_at: +1h")
        guard case .failure(let errors) = try run(unknown) else { Issue.record("accepted"); return }
        #expect(errors.errors.map(\.description) == [
            "t.yaml:5:38: error: unknown moment 'long-wiat' in moments.yaml (defined: long-wait, abandoned, long-hold, multi-transfer, escalation, rude-agent, negative-sentiment, repeat-contact, churn-phrase, fast-resolution, top-csat)",
        ])
    }

    @Test func suppressedMomentsAreCheckedWithTheirTimeAndReason() throws {
        let yaml = """
            rules: moments.yaml
            tests:
              - name: held back
                silences: [{ id: quiet, match: { queue: billing }, for: 1h }]
                events:
                  - +0s queued billing
                  - +40s queued support: { interaction: i-9, customer: c-9 }
                  - +45s ended abandoned: { interaction: i-9 }
                  - +50s queued support: { interaction: i-10, customer: c-9 }
                  - +5m connected a-1: { interaction: i-10 }
                suppressed:
                  - +120s silenced long-wait: { silence: quiet, queue: billing }
                  - +170s inhibited long-wait: { by: abandoned }
            """
        let r = try results(yaml)
        #expect(r[0].passed, "\(r[0].failures)")
        #expect(r[0].suppressed.map { $0.text(start: RuleTestParser.defaultStart) } == [
            "+2m silenced long-wait {silence: quiet, queue: billing}",
            "+2m50s inhibited long-wait {by: abandoned, queue: support}",
        ])
        // The wrong time, reason or silence: each line fails with what was held back.
        let wrong = try results(yaml
            .replacingOccurrences(of: "+120s silenced long-wait: { silence: quiet, queue: billing }", with: "+100s silenced long-wait")
            .replacingOccurrences(of: "+170s inhibited long-wait: { by: abandoned }", with: "silenced long-wait: { silence: other }"))
        #expect(wrong[0].failures.map(\.description) == [
            "t.yaml:12:9: expected +1m40s silenced long-wait, not held back\n  held back:\n    +2m silenced long-wait {silence: quiet, queue: billing}\n    +2m50s inhibited long-wait {by: abandoned, queue: support}",
            "t.yaml:13:9: expected silenced long-wait {silence: other}, not held back\n  held back:\n    +2m silenced long-wait {silence: quiet, queue: billing}\n    +2m50s inhibited long-wait {by: abandoned, queue: support}",
        ])
        // Without the silence and the hang-up nothing is held back: the lines fail.
        let none = try results("""
            rules: moments.yaml
            tests:
              - name: nothing held back
                events: ["+0s queued billing"]
                suppressed: [+2m silenced long-wait]
            """)
        #expect(none[0].failures.map(\.message) == ["expected +2m silenced long-wait, not held back\n  nothing was silenced or inhibited"])
    }

    /// An expectation written twice for one output: the second says whose the output is
    /// (it read "was emitted, but differs:" with no difference after it).
    @Test func anOutputAnotherExpectationClaimedIsNamedSo() throws {
        let r = try results(Self.longWait + """
                expect:
                  - +120s moment long-wait
                  - +120s moment long-wait
            """)
        #expect(r[0].failures.count == 1)
        let text = r[0].failures.first?.description ?? ""
        #expect(text.hasPrefix("t.yaml:9:9: expected +2m moment long-wait, not emitted\n  moment long-wait was emitted, but differs:\n    i-1:long-wait:1: matches, but the expectation at line 8, column 9 claims it\n"), "\(text)")
    }

    /// Moments of one rule held back at one step are listed in one order, by queue: in a
    /// dictionary's order they came out differently at every run.
    @Test func heldBackMomentsOfOneStepAreListedInAFixedOrder() throws {
        let r = try results("""
            rules: moments.yaml
            tests:
              - name: four queues
                silences: [{ id: quiet, match: { rule: long-wait }, for: 1h }]
                events:
                  - +0s queued tech: { interaction: i-1, customer: c-1 }
                  - +0s queued sales: { interaction: i-2, customer: c-2 }
                  - +0s queued billing: { interaction: i-3, customer: c-3 }
                  - +0s queued support: { interaction: i-4, customer: c-4 }
                suppressed: [+2m silenced long-wait]
            """)
        #expect(r[0].suppressed.compactMap(\.queue) == ["billing", "sales", "support", "tech"])
    }

    @Test func badSuppressedLinesAreRefusedWithTheirLocation() throws {
        let parse = RuleTestParser.parse(yaml: """
            rules: moments.yaml
            tests:
              - name: t
                events: ["+0s queued"]
                suppressed:
                  - +2m muted long-wait
                  - +2m inhibited long-wait: { by: abandoned, silence: x }
            """, file: "t.yaml")
        guard case .failure(let e) = parse else { Issue.record("accepted"); return }
        #expect(e.errors.map(\.description) == [
            "t.yaml:6:9: error: unknown suppression 'muted' (expected silenced or inhibited, as in '+2m silenced long-wait')",
            "t.yaml:7:51: error: unknown key 'silence' in the fields of a suppressed moment (expected one of: by, queue)",
        ])
        let unknown = try run("""
            rules: moments.yaml
            tests:
              - name: t
                events: ["+0s queued"]
                suppressed:
                  - +2m inhibited long-wiat: { by: abandonned }
            """)
        guard case .failure(let errors) = unknown else { Issue.record("accepted"); return }
        #expect(errors.errors.map { "\($0.line):\($0.column) \($0.message.prefix(40))" } == [
            "6:9 unknown moment 'long-wiat' in moments.ya",
            "6:36 unknown moment 'abandonned' for by in mo",
        ])
    }
}
