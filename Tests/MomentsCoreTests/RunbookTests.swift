import Foundation
import Testing
@testable import MomentsCore

/// Runbook links on moments: a template like the summary, rendered into the alert, values
/// percent-encoded; unknown placeholders refused with their position.
@Suite struct RunbookTests {
    static let rulesText = """
        moments:
          - id: long-wait
            kind: pain
            summary: "Waited {wait}"
            runbook: "https://wiki.example.com/rb/long-wait?queue={queue}&at={time}"
            when:
              wait: { from: interaction.queued, until: agent.connected, longer_than: 120s }
          - id: escalation
            kind: pain
            when:
              match: { event: interaction.escalated }
        """

    @Test func theRunbookIsRenderedIntoTheAlertWithEncodedValues() throws {
        var engine = Engine(rules: try Fixtures.rules(Self.rulesText))
        var s = Script()
        s.queue = "tech support"
        let out = engine.run([s.at(0, .interactionQueued), s.at(200, .agentConnected)])
        let alert = try #require(out.alerts.first)
        #expect(alert.moment.runbook == "https://wiki.example.com/rb/long-wait?queue=tech%20support&at=2026-11-24T09%3A02%3A00.000Z")
        let json = String(decoding: CloudEventEncoder().encode(.alert(alert)), as: UTF8.self)
        #expect(json.contains(#""summary":"Waited 2 min","runbook":"https://wiki.example.com/rb/long-wait?queue=tech%20support&at=2026-11-24T09%3A02%3A00.000Z","measures""#), "\(json)")
    }

    @Test func aMomentWithoutRunbookHasNull() throws {
        var engine = Engine(rules: try Fixtures.rules(Self.rulesText))
        let out = engine.run([Script().at(0, .interactionEscalated)])
        let alert = try #require(out.alerts.first)
        #expect(alert.moment.runbook == nil)
        #expect(String(decoding: CloudEventEncoder().encode(.alert(alert)), as: UTF8.self).contains(#""runbook":null"#))
    }

    /// YAML's null written as a value is not the text "null": until 2026-12-07 `runbook: null`
    /// made alerts say `"runbook":"null"`. Refused at its position; quoted, it is text.
    @Test func aNullTextIsRefusedWithItsPosition() throws {
        for null in ["~", "null", "Null", "NULL"] {
            let errors = Fixtures.errors(Self.rulesText.replacingOccurrences(of: #"runbook: "https://wiki.example.com/rb/long-wait?queue={queue}&at={time}""#, with: "runbook: \(null)"))
            #expect(errors.map { "\($0.line):\($0.column): \($0.message)" } == ["5:14: runbook is null; remove the key to leave it unset, or quote the text"])
        }
        // In a list, the item alone: not also "must not be empty".
        let inList = Fixtures.errors("moments:\n  - id: s\n    kind: pain\n    only: { queue: [~, null] }\n    when: { match: { event: agent.flagged } }\n")
        #expect(inList.map { "\($0.line):\($0.column)" } == ["4:21", "4:24"], "\(inList.map(\.description))")
        let quoted = try Fixtures.rules(Self.rulesText.replacingOccurrences(of: "kind: pain\n    summary", with: "kind: pain\n    stage: \"null\"\n    summary"))
        #expect(quoted.moments.first?.stage == "null")
    }

    @Test func anUnknownPlaceholderInARunbookIsAnErrorWithItsPosition() {
        let errors = Fixtures.errors(Self.rulesText.replacingOccurrences(of: "queue={queue}", with: "queue={queu}"))
        #expect(errors.count == 1)
        #expect(errors.first?.line == 5 && errors.first?.column == 59)   // at the placeholder
        #expect(errors.first?.message.hasPrefix("unknown placeholder '{queu}'") == true)
        #expect(errors.first?.description.hasPrefix("test.yaml:5:59: error: unknown placeholder") == true)
    }

    @Test func percentEncodingKeepsOnlyUnreservedCharacters() {
        #expect(URLComponent.encode("a-Z_0.9~") == "a-Z_0.9~")
        #expect(URLComponent.encode("tech support/ü&=?") == "tech%20support%2F%C3%BC%26%3D%3F")
    }

    @Test func theDefaultRulesLinkRunbooks() throws {
        let rules = try Fixtures.defaultRules()
        let linked = rules.moments.filter { $0.runbook != nil }.map(\.id)
        #expect(linked == ["long-wait", "rude-agent", "churn-phrase"])
    }
}
