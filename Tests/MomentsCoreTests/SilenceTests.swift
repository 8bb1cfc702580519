import Testing
@testable import MomentsCore

/// Silences: matched against the moment's event time; they mute output but the moment counts.
@Suite struct SilenceTests {
    static let yaml = """
        moments:
          - id: rude-agent
            kind: pain
            when: { match: { event: agent.flagged, where: { flag: rude } } }
          - id: escalation
            kind: pain
            when: { match: { event: interaction.escalated } }
        recovery:
          - id: discount
            on: rude-agent
            action: discount
            cooldown: 30d
        coaching:
          - id: rude-coaching
            on: rude-agent
            kind: corrective
            tip: "be kind"
        silences:
          - id: billing-migration
            match: { rule: [rude-agent], queue: [billing] }
            starts_at: 2026-11-24T09:00:00Z
            for: 1h
            comment: the billing queue moves to the new platform
        """

    @Test func aSilenceMutesEveryOutputButTheMomentIsCounted() throws {
        var engine = Engine(rules: try Fixtures.rules(Self.yaml))
        var s = Script()
        s.agent = "a-1"
        let out = engine.run([s.at(60, .agentFlagged, data: EventData(flag: "rude")), s.at(70, .interactionEscalated)])
        #expect(out.ids == ["i-1:escalation:1"])       // another rule is not silenced
        #expect(engine.stats.momentsDetected == 2)
        #expect(engine.stats.momentsSilenced == 1)
        #expect(engine.takeSuppressionCounts() == [SuppressionKey(rule: "rude-agent", kind: .pain, queue: "billing", reason: .silenced("billing-migration")): 1])
    }

    @Test func aSilencedMomentIssuesNoRecoverySoNoCooldownStarts() throws {
        var engine = Engine(rules: try Fixtures.rules(Self.yaml))
        var s = Script()
        s.agent = "a-1"
        _ = engine.run([s.at(60, .agentFlagged, data: EventData(flag: "rude"))])
        s.interaction = "i-2"
        // After the silence ends (10:00), the same customer's next rude-agent gets the discount.
        let out = engine.run([s.at(3600, .agentFlagged, data: EventData(flag: "rude"))])
        #expect(out.ids == ["i-2:rude-agent:1", "i-2:rude-agent:1:discount", "i-2:rude-agent:1:rude-coaching"])
    }

    @Test func matchersMustAllMatch() throws {
        var engine = Engine(rules: try Fixtures.rules(Self.yaml))
        var s = Script()
        s.queue = "tech"
        #expect(engine.run([s.at(60, .agentFlagged, data: EventData(flag: "rude"))]).alerts.map(\.id) == ["i-1:rude-agent:1"])
    }

    @Test func silencesSetAtRunTimeExpireByEventTime() throws {
        var engine = Engine(rules: try Fixtures.rules(Self.yaml))
        let s = Script()
        var matchers = SilenceMatchers()
        matchers.attributes = ["tier": ["gold"]]
        engine.setSilences([Silence(id: "s-1", matchers: matchers, startsAt: s.time(0), endsAt: s.time(100))])
        var gold = s
        gold.attributes = ["tier": "gold"]
        gold.interaction = "i-gold"
        var out = engine.run([gold.at(50, .interactionEscalated)])
        #expect(out.isEmpty)                       // silenced; the file's silence is replaced
        gold.interaction = "i-gold-2"
        out = engine.run([gold.at(100, .interactionEscalated)])
        #expect(out.ids == ["i-gold-2:escalation:1"])  // ends_at is exclusive: expired
        // Event time decides, not arrival: a late event from inside the window is silenced.
        gold.interaction = "i-gold-3"
        #expect(engine.run([gold.at(99, .interactionEscalated)]).isEmpty)
    }

    @Test func silencesSurviveAReload() throws {
        let rules = try Fixtures.rules(Self.yaml)
        var engine = Engine(rules: rules)
        engine.setSilences([])
        var next = rules
        next.silences = rules.silences
        engine = engine.reloaded(with: next)
        #expect(engine.silences.map(\.id) == ["billing-migration"])
    }

    /// A rules file's first four lines, one moment, for the silences that follow it.
    static let oneMoment = """
        moments:
          - id: escalation
            kind: pain
            when: { match: { event: interaction.escalated } }

        """

    @Test func silenceErrorsAreLocated() {
        let errors = Fixtures.errors(Self.oneMoment + """
            silences:
              - id: a
                match: { rule: [nope] }
                starts_at: 2026-11-24T09:00:00Z
                for: 1h
              - id: b
                match: {}
                starts_at: yesterday
                ends_at: 2026-11-24T09:00:00Z
              - id: c
                match: { queue: billing }
                starts_at: 2026-11-24T09:00:00Z
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:7:21: error: unknown moment 'nope' (defined moments: escalation)",
            "test.yaml:11:12: error: a silence needs at least one matcher (rule, queue, agent, channel or attributes)",
            "test.yaml:12:16: error: starts_at must be an RFC 3339 time such as 2026-11-24T08:00:00Z, found 'yesterday'",
            "test.yaml:14:5: error: a silence needs ends_at or for (how long it lasts)",
        ])
    }

    /// A silence is kept as RFC 3339, years 0000 to 9999: one ending later was written as a
    /// number, and the admin silences file was refused whole at the next start.
    @Test func aSilenceMustEndWithinTheYearsRFC3339Writes() {
        let errors = Fixtures.errors(Self.oneMoment + """
            silences:
              - id: a
                match: { queue: billing }
                starts_at: 9999-12-31T00:00:00Z
                for: 2d
              - id: b
                match: { queue: billing }
                starts_at: 2026-11-24T09:00:00Z
                ends_at: 9999-12-31T23:00:00-01:00
              - id: c
                match: { queue: billing }
                starts_at: 9999-12-30T00:00:00Z
                for: 1d
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:9:10: error: a silence must end within the years 0000 to 9999 (UTC)",
            "test.yaml:13:14: error: a silence must end within the years 0000 to 9999 (UTC)",
        ])
    }
}
