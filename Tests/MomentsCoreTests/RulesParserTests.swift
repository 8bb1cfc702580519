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
        // On a later line of a folded template: at the template's start.
        ("moments:\n  - id: s\n    kind: pain\n    summary: >-\n      waited\n      {wiat}\n    when:\n      match: { event: agent.flagged }\n", 4, 14, "unknown placeholder '{wiat}'"),
        ("moments:\n  - id: s\n    kind: pain\n    when:\n      match: { event: agent.flagged }\n      ended: { reason: abandoned }\n", 5, 7, "exactly one condition"),
        ("moments:\n  - id: s\n    kind: pain\n    when: [oops\n", 5, 1, "invalid YAML"),
        (base + "\n  - id: long-wait\n    kind: pain\n    when: { match: { event: agent.flagged } }\n", 6, 5, "duplicate moment id 'long-wait'"),
        ("recovery: []\n", 1, 1, "missing 'moments'"),
        ("settings:\n  duplicate_window: 5000000000\n" + base, 2, 21, "duplicate_window must be at most 4294967294"),
    ] as [(String, Int, Int, String)])
    func brokenFilesAreRefusedWithLocation(yaml: String, line: Int, column: Int, message: String) {
        let errors = Fixtures.errors(yaml)
        let match = errors.first { $0.message.contains(message) }
        #expect(match != nil, "expected '\(message)' in \(errors.map(\.description))")
        #expect(match?.line == line, "\(errors.map(\.description))")
        #expect(match?.column == column, "\(errors.map(\.description))")
        #expect(match?.description.hasPrefix("test.yaml:\(line):\(column): error: ") == true)
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
}
