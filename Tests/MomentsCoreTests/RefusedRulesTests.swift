import Foundation
import MomentsCore
import Testing

/// Mistakes an operations engineer makes in a rules file that were taken as something else
/// (until 2026-12-07, found by an audit run as a user): each is now refused at its place.
@Suite struct RefusedRulesTests {
    static let moment = """
        moments:
          - id: a
            kind: pain
            when: { match: { event: interaction.escalated } }

        """

    /// Nothing expands a YAML tag: `!include` or `!env` was read as its bare text.
    @Test func tagsOtherThanYAMLsOwnAreRefused() throws {
        let errors = Fixtures.errors("""
            moments:
              - id: a
                kind: pain
                when: { match: { event: interaction.escalated } }
                summary: !include summary.txt
                runbook: !!str https://wiki/a
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:5:14: error: YAML tag '!include' is not supported: nothing is expanded, the value would be read as its bare text; write the value itself (environment variables: see MOMENTS_* in the README)",
        ])
        // A date-like plain value is no tag of the writer's.
        _ = try Fixtures.rules(Self.moment + "settings: { allowed_lateness: 2s }\n")
    }

    /// `if: {}` matched every customer: the override became the wait's limit for all.
    @Test func anOverrideMatchingEveryoneIsRefused() {
        let errors = Fixtures.errors("""
            moments:
              - id: w
                kind: pain
                when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 120s, overrides: [{ if: {}, longer_than: 10s }] } }
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:4:108: error: an override's if needs at least one of channel, queue or attributes (an empty one would give every customer this limit; set the wait's longer_than instead)",
        ])
        // A filter refused for its own error is not also said to be empty.
        let misspelt = Fixtures.errors("""
            moments:
              - id: w
                kind: pain
                when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 120s, overrides: [{ if: { channel: phone }, longer_than: 10s }] } }
            """)
        #expect(misspelt.count == 1 && misspelt[0].message.hasPrefix("unknown channel 'phone'"), "\(misspelt)")
    }

    /// `x: ~` went out as the text "~"; `1` and `"1"` as two members of the same name.
    @Test func nullParamsAndKeysDifferingOnlyByQuotesAreRefused() {
        let errors = Fixtures.errors(Self.moment + """
            recovery:
              - id: r
                on: a
                action: apology
                params: { x: ~, 1: one, "1": uno, y: , z: !!str null }
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:9:18: error: param 'x' is null; remove it, or quote the text",
            "test.yaml:9:29: error: duplicate key '1' in params (YAML reads it as another key only by its quotes)",
            "test.yaml:9:42: error: param 'y' is null; remove it, or quote the text",
        ])
    }

    /// Listed twice, an inhibition was counted twice and its scope was the order's doing.
    @Test func aMomentInhibitedTwiceIsRefused() {
        let errors = Fixtures.errors(Self.moment + """
              - id: b
                kind: pain
                when: { match: { event: interaction.transferred } }
                inhibits: [{ moment: a }, { moment: a, scope: customer }]
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:8:41: error: moment 'a' is inhibited twice; list it once (scope customer covers its interactions too)",
        ])
    }

    /// "Etc/GMT+2" is two hours behind UTC, without daylight saving; "CET" and "EST5EDT" are
    /// zones of the database that follow it, and were refused.
    @Test func fixedOffsetsAreRefusedAndDatabaseZonesWithoutASlashTaken() throws {
        let errors = Fixtures.errors("""
            schedules:
              one: { timezone: Etc/GMT+2, days: mon-fri }
              two: { timezone: "UTC+01:00", days: mon-fri }
              three: { timezone: EST, days: mon-fri }
              four: { timezone: BST, days: mon-fri }
            \(Self.moment)
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:2:20: error: time zone 'Etc/GMT+2' is a fixed offset without daylight saving (and the Etc/GMT signs are inverted: Etc/GMT+2 is UTC-2); use the name of a place, such as Europe/Berlin or America/New_York, or UTC",
            "test.yaml:3:20: error: time zone 'UTC+01:00' is a fixed offset without daylight saving; use the name of a place, such as Europe/Berlin or America/New_York, or UTC",
            "test.yaml:4:22: error: time zone 'EST' keeps one offset all year, without daylight saving; use the name of a place, such as America/New_York, America/Denver or Pacific/Honolulu, or UTC",
            // An abbreviation Foundation would take for Asia/Dhaka, not British Summer Time.
            "test.yaml:5:21: error: unknown time zone 'BST' (use an IANA name such as Europe/Berlin, America/New_York or UTC)",
        ])
        let rules = try Fixtures.rules("""
            schedules:
              cet: { timezone: CET, days: mon-fri }
              eastern: { timezone: EST5EDT, hours: "08:00-18:00" }
            moments:
              - { id: a, kind: pain, schedule: cet, when: { match: { event: interaction.escalated } } }
              - { id: b, kind: pain, schedule: eastern, when: { match: { event: interaction.escalated } } }
            """)
        #expect(rules.moments.map { $0.schedule?.schedule.timeZone.identifier } == ["CET", "EST5EDT"])
    }

    /// A time zone alone meant every day and every hour, so `outside:` never applied.
    @Test func aScheduleWithoutDaysOrHoursIsRefused() {
        let errors = Fixtures.errors("""
            schedules:
              berlin: { timezone: Europe/Berlin }
            \(Self.moment)
            """)
        #expect(errors.map(\.description) == ["test.yaml:2:11: error: schedule 'berlin' needs days or hours (with neither it is always on)"])
    }

    /// U+2028 pasted into a comment is a line break to the YAML parser, not to the editor: every
    /// later error was placed a line down. Refused where the editor shows it; escaped, kept.
    @Test func invisibleLineBreaksAreRefusedWhereTheEditorShowsThem() {
        let errors = Fixtures.errors("moments:\n  # see ticket\u{2028}# OPS-12\n  - id: a\n    kind: pain\n    when: { match: { event: interaction.escalated } }\n")
        #expect(errors.map(\.description) == [
            "test.yaml:2:15: error: invisible line break LINE SEPARATOR (U+2028): YAML reads it as a new line, which most editors do not show; remove it (in text, write it as \\u2028 between double quotes)",
        ])
        #expect(Fixtures.errors(Self.moment.replacingOccurrences(of: "kind: pain", with: "kind: pain\n    summary: \"a\\u2028b\"")).isEmpty)
    }

    /// A template that starts with `{` is a mapping to YAML; the errors now say to quote it, and
    /// a tab after a list's dash is named as a tab.
    @Test func unquotedTemplatesAndTabsAfterADashAreExplained() {
        let head = "moments:\n  - id: a\n    kind: pain\n    when: { match: { event: interaction.escalated } }\n"
        let hint = " (a text that starts with '{' must be quoted, or YAML reads a mapping: summary: \"{customer_id} escalated\")"
        #expect(Fixtures.errors(head + "    summary: {customer_id} escalated\n").map(\.description) == [
            "test.yaml:5:28: error: invalid YAML: while parsing a block mapping: did not find expected key" + hint,
        ])
        #expect(Fixtures.errors(head + "    summary: {customer_id}\n").map(\.description) == ["test.yaml:5:14: error: summary must be text" + hint])
        #expect(Fixtures.errors("moments:\n  -\tid: a\n    kind: pain\n").map(\.description) == [
            "test.yaml:2:4: error: invalid YAML: while scanning for the next token: found character that cannot start any token (line 2 is indented with a tab; YAML indents with spaces only)",
        ])
    }

    /// A phrase without letters is placed at itself, not at its list; a list refused item by
    /// item is not also called empty.
    @Test func phraseErrorsPointAtThePhrase() {
        let errors = Fixtures.errors("""
            moments:
              - id: churn
                kind: pain
                when: { phrases: { languages: { en: ["   ", "cancel", "!!!"], de: [~] } } }
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:4:42: error: phrase '   ' has no letters",
            "test.yaml:4:59: error: phrase '!!!' has no letters",
            "test.yaml:4:72: error: each item of phrases of 'de' is null; remove the key to leave it unset, or quote the text",
        ])
    }

    /// The first override that matches decides: a later one whose customers the earlier one
    /// all matches never applied, silently. Narrower before broader is what the ordering is for.
    @Test func anOverrideAnEarlierOneCoversIsRefused() throws {
        let wait = "moments:\n  - id: w\n    kind: pain\n    when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 120s, overrides: [\n"
        let errors = Fixtures.errors(wait + """
                  { if: { attributes: { tier: [gold, platinum] } }, longer_than: 60s },
                  { if: { attributes: { tier: gold } }, longer_than: 30s },
                  { if: { queue: billing, attributes: { tier: platinum, region: de } }, longer_than: 20s } ] } }
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:6:13: error: this override never applies: override 1 (line 5) matches every customer its if matches, and the first override that matches decides; merge them or put the narrower one first",
            "test.yaml:7:13: error: this override never applies: override 1 (line 5) matches every customer its if matches, and the first override that matches decides; merge them or put the narrower one first",
        ])
        let rules = try Fixtures.rules(wait + """
                  { if: { queue: billing, attributes: { tier: gold } }, longer_than: 30s },
                  { if: { attributes: { tier: [gold, platinum] } }, longer_than: 60s },
                  { if: { channel: chat }, longer_than: 90s },
                  { if: { queue: billing }, longer_than: 100s },
                  { if: { channel: [chat, voice], queue: sales }, longer_than: 110s } ] } }
            """)
        guard case .wait(let w)? = rules.moments.first?.condition else { Issue.record("not a wait"); return }
        #expect(w.overrides.map(\.longerThan) == [.seconds(30), .seconds(60), .seconds(90), .seconds(100), .seconds(110)])
        // Channels: a narrower list after a broader one is covered; an override with an error
        // of its own (a channel not known) covers nothing, and is counted where it is written.
        let channels = Fixtures.errors(wait + """
                  { if: { channel: fax }, longer_than: 10s },
                  { if: { channel: [voice, chat] }, longer_than: 20s },
                  { if: { channel: voice, queue: vip }, longer_than: 30s } ] } }
            """)
        #expect(channels.map(\.description) == [
            "test.yaml:5:24: error: unknown channel 'fax' (expected voice, chat, email, sms or social)",
            "test.yaml:7:13: error: this override never applies: override 2 (line 6) matches every customer its if matches, and the first override that matches decides; merge them or put the narrower one first",
        ])
    }

    /// A moment whose condition is refused still has its templates checked for placeholders no
    /// condition could fill; a measure named in the condition is not one of them.
    @Test func placeholdersAreCheckedWhileTheConditionIsRefused() {
        let errors = Fixtures.errors("""
            moments:
              - id: h
                kind: pain
                summary: "on hold {hold} ({hold_seconds} s) by {agnt}"
                when: { wait: { from: hold.started, until: hold.ended, longer_than: 60, measure: hold } }
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:4:52: error: unknown placeholder '{agnt}' (every moment fills: agent_id, channel, customer_id, interaction_id, kind, language, moment, queue, region, severity, stage, tier, time; its condition, once mended, adds its measures)",
            "test.yaml:5:73: error: bad duration '60' for longer_than (use a number with a unit: 500ms, 120s, 5m, 24h, 30d; several units from larger to smaller: 1h30m)",
        ])
    }

    /// A value written with YAML escapes (`"\e[31m"`) is quoted in an error escaped: the
    /// escape reached the terminal as it was.
    @Test func errorsCarryNoControlCharacters() {
        let errors = Fixtures.errors(Self.moment.replacingOccurrences(of: "kind: pain", with: "kind: \"\\e[31mpain\\u202e\""))
        #expect(errors.map(\.description) == [#"test.yaml:3:11: error: kind must be pain or glory, found '\u{1B}[31mpain\u{202E}'"#])
    }
}
