import Testing
@testable import MomentsCore

/// Inhibition (`inhibits:`) and recovery precedence (`priority:`).
@Suite struct InhibitionTests {
    static let yaml = """
        moments:
          - id: escalation
            kind: pain
            inhibits: [{ moment: negative-sentiment, scope: interaction }]
            when: { match: { event: interaction.escalated } }
          - id: negative-sentiment
            kind: pain
            when: { threshold: { event: sentiment.scored, field: score, below: -0.6 } }
          - id: abandoned
            kind: pain
            inhibits: [{ moment: long-wait, scope: customer }]
            when: { ended: { reason: abandoned, while: queued } }
          - id: long-wait
            kind: pain
            when: { wait: { from: interaction.queued, until: [agent.connected, interaction.ended], longer_than: 120s } }
        recovery:
          - id: discount
            on: long-wait
            action: discount
          - id: callback
            on: abandoned
            action: callback
        coaching:
          - id: sentiment-coaching
            on: negative-sentiment
            kind: corrective
            tip: "calm down"
        settings: { allowed_lateness: 30s }
        """

    @Test func anEscalationSuppressesALaterNegativeSentimentInTheSameInteraction() throws {
        var engine = Engine(rules: try Fixtures.rules(Self.yaml))
        var s = Script()
        s.agent = "a-1"
        let out = engine.run([s.at(0, .agentConnected), s.at(10, .interactionEscalated), s.at(20, .sentimentScored, data: EventData(score: -0.9))])
        #expect(out.ids == ["i-1:escalation:1"])
        #expect(engine.stats.momentsInhibited == 1)
        #expect(engine.stats.momentsDetected == 2)
        // Counted for metrics under the inhibiting rule.
        let counts = engine.takeSuppressionCounts()
        #expect(counts[SuppressionKey(rule: "negative-sentiment", kind: .pain, queue: "billing", reason: .inhibited(by: "escalation"))] == 1)
        #expect(engine.takeSuppressionCounts().isEmpty)
        // It fired (suppressed): a later low score does not bring it back.
        #expect(engine.run([s.at(30, .sentimentScored, data: EventData(score: -0.95))]).isEmpty)
    }

    @Test func aMomentThatFiredBeforeItsInhibitorStays() throws {
        var engine = Engine(rules: try Fixtures.rules(Self.yaml))
        var s = Script()
        s.agent = "a-1"
        let out = engine.run([s.at(0, .agentConnected), s.at(10, .sentimentScored, data: EventData(score: -0.9)), s.at(20, .interactionEscalated)])
        #expect(out.ids == ["i-1:negative-sentiment:1", "i-1:negative-sentiment:1:sentiment-coaching", "i-1:escalation:1"])
    }

    @Test func interactionScopeLeavesOtherInteractionsAlone() throws {
        var engine = Engine(rules: try Fixtures.rules(Self.yaml))
        var a = Script(), b = Script()
        a.agent = "a-1"; b.agent = "a-2"; b.interaction = "i-2"
        let out = engine.run([a.at(0, .interactionEscalated), b.at(10, .sentimentScored, data: EventData(score: -0.9))])
        #expect(out.alerts.map(\.id) == ["i-1:escalation:1", "i-2:negative-sentiment:1"])
    }

    @Test func customerScopeReachesTheCustomersNextInteraction() throws {
        var engine = Engine(rules: try Fixtures.rules(Self.yaml))
        var first = Script(), second = Script()
        second.interaction = "i-2"
        var out = engine.run([first.at(0, .interactionQueued), first.at(60, .interactionEnded, data: EventData(reason: "abandoned"))])
        #expect(out.ids == ["i-1:abandoned:1", "i-1:abandoned:1:callback"])
        // The customer calls back and waits long again: the callback is on its way, no discount.
        out = engine.run([second.at(300, .interactionQueued)])
        out += engine.advance(to: second.time(600))
        #expect(out.isEmpty)
        #expect(engine.stats.momentsInhibited == 1)
        // Another customer is not affected.
        var other = Script()
        other.customer = "c-2"; other.interaction = "i-3"
        out = engine.run([other.at(700, .interactionQueued)]) + engine.advance(to: other.time(900))
        #expect(out.alerts.map(\.id) == ["i-3:long-wait:1"])
    }

    /// Timers due at different instants are not "together" because one step of the clock
    /// passed both: the earlier moment fired first and stays, as it would by the wall clock.
    /// Until 2026-12-06 the later one inhibited it when no other event had moved the clock
    /// between their deadlines, so the outcome hung on unrelated traffic and partitioning.
    @Test func timersDueAtDifferentInstantsAreNotTogether() throws {
        let rules = try Fixtures.rules("""
            moments:
              - id: long-wait
                kind: pain
                when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 120s } }
              - id: very-long-wait
                kind: pain
                inhibits: [{ moment: long-wait }]
                when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 300s } }
            """)
        var alone = Engine(rules: rules)
        var s = Script()
        let out = alone.run([s.at(0, .interactionQueued), s.at(600, .agentConnected)])
        #expect(out.alerts.map(\.id) == ["i-1:long-wait:1", "i-1:very-long-wait:1"])
        // The same with another customer's event between the deadlines: the same outputs.
        var busy = Engine(rules: rules)
        var other = Script()
        other.customer = "c-2"; other.interaction = "i-9"
        s = Script()
        let outBusy = busy.run([s.at(0, .interactionQueued), other.at(200, .agentFlagged), s.at(600, .agentConnected)])
        #expect(outBusy.alerts.map(\.id) == out.alerts.map(\.id))
    }

    /// A long wait and a long hold of the same length, the hold inhibiting the wait in `scope`:
    /// timers of both due at one instant.
    static func waitAndHold(scope: String, settings: String = "") throws -> RuleSet {
        try Fixtures.rules("""
            \(settings)
            moments:
              - id: long-wait
                kind: pain
                when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 120s } }
              - id: long-hold
                kind: pain
                inhibits: [{ moment: long-wait, scope: \(scope) }]
                when: { wait: { from: hold.started, until: hold.ended, longer_than: 120s } }
            """)
    }

    /// Timers due at one instant are settled together even when another customer's eviction is
    /// due then too, between them: it settled the moments found so far, and the later one no
    /// longer inhibited the earlier (until 2026-12-07).
    @Test func anotherCustomersEvictionDoesNotSplitTimersDueTogether() throws {
        var engine = Engine(rules: try Self.waitAndHold(scope: "customer", settings: "settings: { interaction_timeout: 2m }"))
        let first = Script()
        var other = Script()
        other.customer = "c-2"
        other.interaction = "i-2"
        // Timers due at 120 s, in this order: the wait, the other customer's eviction, the hold.
        var out = engine.run([first.at(0, .interactionQueued), other.at(0, .agentFlagged), first.at(0, .holdStarted)])
        out += engine.advance(to: first.time(121))
        #expect(out.alerts.map(\.id) == ["i-1:long-hold:1"])
    }

    /// Timers of two customers due at the same instant, their interactions sharing an id (ids
    /// are the source system's): an interaction-scoped inhibitor of one customer does not
    /// inhibit the other's moment (until 2026-12-07 the ids alone were compared).
    @Test func anInteractionScopeIsTheCustomersOwnAmongTimersDueTogether() throws {
        var engine = Engine(rules: try Self.waitAndHold(scope: "interaction"))
        let waiting = Script()
        var holding = Script()
        holding.customer = "c-2"
        holding.agent = "a-1"
        var out = engine.run([waiting.at(0, .interactionQueued), holding.at(0, .agentConnected), holding.at(0, .holdStarted)])
        out += engine.advance(to: waiting.time(121))
        #expect(out.alerts.map(\.moment.customerID).sorted() == ["c-1", "c-2"], "\(out.alerts.map(\.id))")
    }

    @Test func momentsOfTheSameEventInhibitWhateverTheirFileOrder() throws {
        // With allowed lateness the wait's timer has not fired when the customer hangs up at
        // 125 s: the abandon closes the wait, so long-wait (listed after abandoned, but the
        // same would hold before it) and abandoned are detected by the same event.
        var engine = Engine(rules: try Fixtures.rules(Self.yaml))
        let s = Script()
        let out = engine.run([s.at(0, .interactionQueued), s.at(125, .interactionEnded, data: EventData(reason: "abandoned"))])
        #expect(out.ids == ["i-1:abandoned:1", "i-1:abandoned:1:callback"])

        var moved = try Fixtures.rules(Self.yaml)
        moved.moments.append(moved.moments.remove(at: 2))   // abandoned after long-wait
        var engine2 = Engine(rules: moved)
        let out2 = engine2.run([s.at(0, .interactionQueued), s.at(125, .interactionEnded, data: EventData(reason: "abandoned"))])
        #expect(out2.ids == ["i-1:abandoned:1", "i-1:abandoned:1:callback"])
    }

    @Test func oneRecoveryPerMomentByPriorityFallingBackOnCooldown() throws {
        let rules = try Fixtures.rules("""
            moments:
              - id: rude-agent
                kind: pain
                when: { match: { event: agent.flagged, where: { flag: rude } } }
            recovery:
              - id: voucher
                on: rude-agent
                action: voucher
              - id: discount
                on: rude-agent
                action: discount
                priority: 10
                cooldown: 30d
              - id: callback
                on: rude-agent
                action: callback
                priority: 5
            """)
        var engine = Engine(rules: rules)
        var s = Script()
        s.agent = "a-1"
        var out = engine.run([s.at(0, .agentFlagged, data: EventData(flag: "rude"))])
        #expect(out.recoveries.map(\.rule) == ["discount"])
        #expect(out.alerts.first?.recoveryIDs == ["i-1:rude-agent:1:discount"])
        // The next interaction: discount is in its cooldown, so the next by priority acts.
        s.interaction = "i-2"
        out = engine.run([s.at(60, .agentFlagged, data: EventData(flag: "rude"))])
        #expect(out.recoveries.map(\.rule) == ["callback"])
        #expect(engine.stats.recoverySkippedCooldown == 1)
    }

    @Test func theDefaultRulesInhibitAsDocumented() throws {
        var engine = Engine(rules: try Fixtures.defaultRules())
        var s = Script()
        s.agent = "a-1"
        // Escalated, then the customer's sentiment drops: the supervisor knows, no second alert.
        var out = engine.run([s.at(0, .agentConnected), s.at(30, .interactionEscalated), s.at(40, .sentimentScored, data: EventData(score: -0.8))])
        #expect(out.alerts.map(\.moment.rule) == ["escalation"])
        #expect(out.coaching.isEmpty)
        // The customer hangs up in the queue: callback. Their call back waits long: no discount.
        var c = Script()
        c.customer = "c-2"; c.interaction = "i-2"
        out = engine.run([c.at(100, .interactionQueued), c.at(160, .interactionEnded, data: EventData(reason: "abandoned"))])
        #expect(out.recoveries.map(\.rule) == ["priority-callback"])
        c.interaction = "i-3"
        out = engine.run([c.at(400, .interactionQueued)]) + engine.advance(to: c.time(700))
        #expect(out.isEmpty)
    }

    @Test func inhibitionErrorsAreLocated() {
        let errors = Fixtures.errors("""
            moments:
              - id: a
                kind: pain
                inhibits: [{ moment: nope, scope: interaction }]
                when: { match: { event: interaction.escalated } }
              - id: b
                kind: pain
                inhibits: [{ moment: c, scope: everywhere }]
                when: { match: { event: interaction.escalated } }
              - id: c
                kind: pain
                inhibits: [{ moment: d }]
                when: { match: { event: interaction.escalated } }
              - id: d
                kind: pain
                inhibits: [{ moment: c }]
                when: { match: { event: interaction.escalated } }
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:4:26: error: moment 'a' inhibits unknown moment 'nope' (defined moments: a, c, d)",
            "test.yaml:8:36: error: scope must be interaction or customer, found 'everywhere'",
            "test.yaml:12:26: error: moments 'c' and 'd' inhibit each other; keep one direction",
        ])
    }

    @Test func aLongerInhibitionCycleIsRefusedAtItsFirstMoment() {
        // a → b → c → a: fired together, all three would be held back and nothing emitted.
        let errors = Fixtures.errors("""
            moments:
              - id: a
                kind: pain
                inhibits: [{ moment: [x, b] }]
                when: { match: { event: interaction.escalated } }
              - id: b
                kind: pain
                inhibits: [{ moment: c }]
                when: { match: { event: interaction.escalated } }
              - id: c
                kind: pain
                inhibits: [{ moment: a, scope: customer }]
                when: { match: { event: interaction.escalated } }
              - id: x
                kind: pain
                when: { match: { event: interaction.escalated } }
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:4:30: error: moments 'a', 'b' and 'c' inhibit each other in a cycle (a → b → c → a); remove one of these inhibitions",
        ])
        // No cycle: a → b, a → c, b → c.
        #expect(Fixtures.errors("""
            moments:
              - { id: a, kind: pain, inhibits: [{ moment: [b, c] }], when: { match: { event: interaction.escalated } } }
              - { id: b, kind: pain, inhibits: [{ moment: c }], when: { match: { event: interaction.escalated } } }
              - { id: c, kind: pain, when: { match: { event: interaction.escalated } } }
            """).isEmpty)
    }

    @Test func aMomentWithErrorsIsNotAlsoReportedUnknownWhereItIsNamed() {
        // long-wait has a bad placeholder: that is the one error, not three more for the
        // inhibition, the recovery rule and the silence that name it.
        let errors = Fixtures.errors("""
            moments:
              - id: long-wait
                kind: pain
                summary: "waited {wiat}"
                when: { wait: { from: interaction.queued, until: [agent.connected], longer_than: 120s } }
              - id: abandoned
                kind: pain
                inhibits: [{ moment: [long-wait, long-wiat], scope: customer }]
                when: { ended: { reason: abandoned, while: queued } }
            recovery:
              - { id: discount, on: [abandoned, long-wait, lnog-wait], action: discount }
            silences:
              - { id: s, match: { rule: [long-wait] }, starts_at: 2026-11-24T08:00:00Z, for: 1h }
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:4:22: error: unknown placeholder '{wiat}' (available here: agent_id, channel, customer_id, interaction_id, kind, language, moment, queue, region, severity, stage, tier, time, wait, wait_seconds)",
            "test.yaml:8:38: error: moment 'abandoned' inhibits unknown moment 'long-wiat' (defined moments: abandoned)",
            "test.yaml:11:48: error: unknown moment 'lnog-wait' (defined moments: abandoned)",
        ])
    }
}
