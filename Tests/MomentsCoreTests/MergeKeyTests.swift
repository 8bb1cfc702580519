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
        #expect(errors.map(\.description).sorted() == [
            "test.yaml:12:17: error: the merge key '<<' takes a mapping or a list of mappings, usually an alias (<<: *defaults), found a scalar",
            "test.yaml:3:13: error: severity must be one of info, low, medium, high, critical, found 'loud'",
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

    /// A merged mapping may merge another; the same anchor twice adds nothing more; an id that
    /// comes from a merge is a declared moment (a recovery rule `on` it was told it was unknown).
    @Test func nestedAndRepeatedMergesAndMergedIDs() throws {
        let rules = try Fixtures.rules("""
            x-base: &base { kind: pain, stage: SMOT }
            x-high: &high { <<: *base, severity: high }
            x-lw: &lw { id: long-wait }
            moments:
              - <<: [*lw, *high, *high, *base]
                when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 120s } }
            recovery:
              - { id: r, on: long-wait, action: callback }
            """)
        let m = try #require(rules.moments.first)
        #expect(m.id == "long-wait" && m.kind == .pain && m.stage == "SMOT" && m.severity == .high)
        #expect(rules.recovery.first?.on == ["long-wait"])
    }

    /// Hostile merges are bounded: a chain of merges deeper than 32 (thousands crashed the
    /// process on its stack) is refused where it goes too deep, and a key of a merged mapping
    /// that is not text is refused as the mapping's own would be.
    @Test func deepChainsAndNonTextKeysAreRefused() {
        var chain = "x-a0: &a0 { kind: pain }\n"
        for i in 1...40 { chain += "x-a\(i): &a\(i) { <<: *a\(i - 1) }\n" }
        let deep = Fixtures.errors(chain + "moments:\n  - { id: m, <<: *a40, when: { match: { event: interaction.escalated } } }\n")
        #expect(deep.contains { $0.message.hasPrefix("merges nest more than 32 deep here") }, "\(deep)")
        let keyed = Fixtures.errors("""
            x-a: &a { [severity]: critical, kind: pain }
            moments:
              - { id: m, <<: *a, when: { match: { event: interaction.escalated } } }
            """)
        #expect(keyed.map(\.description) == ["test.yaml:1:11: error: keys of a merged mapping must be text"])
    }

    /// `<<: [*a, *a, …]` costs its length: the same anchor is merged once. (Measured, not
    /// timed: the budget of merged keys, a million, is not reached by ten thousand repeats of
    /// a thousand keys, which it would be if each repeat were walked.)
    @Test func repeatingAnAnchorCostsNothingMore() throws {
        let keys = (0..<1000).map { "k\($0): v" }.joined(separator: ", ")
        let repeats = Array(repeating: "*a", count: 10_000).joined(separator: ", ")
        let errors = Fixtures.errors("x-a: &a { \(keys) }\nx-b: { <<: [\(repeats)] }\nsettings: { <<: [\(repeats)] }\nmoments: []\n")
        #expect(!errors.contains { $0.message.contains("merged keys in all") }, "\(errors.prefix(2))")
        #expect(errors.contains { $0.message.hasPrefix("unknown key 'k0' in settings") }, "\(errors.prefix(2))")
    }
}
