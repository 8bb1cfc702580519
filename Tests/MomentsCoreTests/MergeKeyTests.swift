import Foundation
import Testing
@testable import MomentsCore

/// YAML's merge key (`<<: *defaults`) in rules files, with anchors kept under `x-` names at
/// the top: refused as an unknown key `<<` until 2026-12-07.
@Suite struct MergeKeyTests {
    static let anchored = """
        x-pain: &pain
          kind: pain
          stage: SMOT
          severity: low
        x-quiet: &quiet
          severity: critical
          alert: false
        moments:
          - id: merged-one
            <<: *pain
            when: { match: { event: interaction.escalated } }
          - id: merged-two
            <<: [*quiet, *pain]
            when: { match: { event: agent.flagged } }
          - id: written-wins
            <<: [*quiet, *pain]
            severity: medium
            when: { match: { event: hold.started } }
        """

    @Test func mergedKeysAreReadAsIfWritten() throws {
        let rules = try Fixtures.rules(Self.anchored)
        let byID = Dictionary(uniqueKeysWithValues: rules.moments.map { ($0.id, $0) })
        let one = try #require(byID["merged-one"])
        #expect(one.kind == .pain)
        #expect(one.stage == "SMOT")
        #expect(one.severity == .low)
        #expect(one.alert)
        // Of two merged mappings the earlier wins (severity), the later fills the rest (stage).
        let two = try #require(byID["merged-two"])
        #expect(two.severity == .critical)
        #expect(two.stage == "SMOT")
        #expect(!two.alert)
        // A key the moment writes wins over every merged one.
        #expect(byID["written-wins"]?.severity == .medium)
    }

    /// A merged moment detects as the written-out one does: the same outputs, event for event.
    @Test func aMergedMomentFiresAsTheWrittenOutOne() throws {
        let written = try Fixtures.rules("""
            moments:
              - id: merged-one
                kind: pain
                stage: SMOT
                severity: low
                when: { match: { event: interaction.escalated } }
            """)
        let merged = try Fixtures.rules(Self.anchored)
        var s = Script()
        let events = [s.at(0, .interactionEscalated), s.at(1, .agentFlagged)]
        var a = Engine(rules: written), b = Engine(rules: merged)
        let fromWritten = a.run(events).alerts.filter { $0.id.contains("merged-one") }
        let fromMerged = b.run(events).alerts.filter { $0.id.contains("merged-one") }
        #expect(fromWritten.count == 1)
        #expect(fromMerged.map(\.id) == fromWritten.map(\.id))
        #expect(fromMerged.map(\.moment.severity) == fromWritten.map(\.moment.severity))
    }

    /// A mistake inside a merged mapping is reported once, where it is written (the anchor),
    /// however many moments merge it; a merge of something not a mapping is refused at it.
    @Test func mistakesAreReportedOnceWhereWritten() {
        let errors = Fixtures.errors("""
            x-pain: &pain
              kind: pain
              severity: loud
            moments:
              - id: a
                <<: *pain
                when: { match: { event: interaction.escalated } }
              - id: b
                <<: *pain
                when: { match: { event: agent.flagged } }
              - id: c
                <<: [*pain, 3]
                when: { match: { event: hold.started } }
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:3:13: error: severity must be one of info, low, medium, high, critical, found 'loud'",
            "test.yaml:12:17: error: the merge key '<<' takes a mapping or a list of mappings, usually an alias (<<: *defaults), found a scalar",
        ])
    }

    /// Quoted, `<<` is the text: an unknown key, as before. An unknown top-level name says
    /// where anchors may be kept.
    @Test func aQuotedMergeKeyAndOtherTopLevelNamesAreUnknown() {
        let errors = Fixtures.errors("""
            defaults: &d { kind: pain }
            moments:
              - id: a
                "<<": *d
                kind: pain
                when: { match: { event: interaction.escalated } }
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:1:1: error: unknown key 'defaults' in the rules file (expected one of: settings, schedules, moments, recovery, coaching, silences, or a name starting with x- to hold anchors)",
            "test.yaml:4:5: error: unknown key '<<' in a moment (expected one of: id, kind, stage, severity, when, only, alert, summary, runbook, schedule, outside, inhibits)",
        ])
    }

    /// Schedules merged into `schedules:` are named schedules a moment may refer to.
    @Test func mergedSchedulesAreDeclared() throws {
        let rules = try Fixtures.rules("""
            x-office: &office
              berlin-office: { timezone: Europe/Berlin, days: [mon-fri], hours: "08:00-18:00" }
            schedules:
              <<: *office
              mornings: { timezone: UTC, days: [mon-sun], hours: "06:00-12:00" }
            moments:
              - id: a
                kind: pain
                schedule: berlin-office
                when: { match: { event: interaction.escalated } }
            """)
        #expect(rules.moments.first?.schedule != nil)
    }
}
