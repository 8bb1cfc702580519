import Testing
@testable import MomentsCore

/// An event that arrives after events that happened after it does not put back the queue and
/// agent of its time: the interaction names those of its newest events by event time. A moment
/// an event causes names that event's own queue and agent. Until 2026-12-07 the last event to
/// arrive set them, so a score from the first agent arriving after a transfer made the second
/// agent's long hold the first agent's, with the coaching sent to the wrong agent.
@Suite struct LateQueueAndAgentTests {
    let rules: RuleSet
    init() throws { rules = try Fixtures.defaultRules() }

    /// A call answered by a-1 in billing, transferred at 30 s to retention, answered there by
    /// a-2 at 40 s, who puts the customer on hold at 50 s (a long hold at 110 s).
    static var first: Script {
        var s = Script()
        s.agent = "a-1"
        return s
    }
    static var second: Script {
        var s = Script()
        s.agent = "a-2"
        s.queue = "retention"
        return s
    }
    static var call: [Event] {
        [first.at(0, .interactionStarted), first.at(1, .interactionQueued), first.at(5, .agentConnected),
         first.at(30, .interactionTransferred, data: EventData(toQueue: "retention")),
         second.at(40, .agentConnected), second.at(50, .holdStarted)]
    }

    func longHold(_ out: [Output]) -> (alert: Alert?, coaching: CoachingSignal?) {
        (out.alerts.first { $0.moment.rule == "long-hold" }, out.coaching.first { $0.rule == "long-hold-coaching" })
    }

    @Test func aLateEventFromBeforeATransferLeavesTheNewQueueAndAgent() {
        let neutral = Self.first.at(20, .sentimentScored, data: EventData(score: 0.2))
        var engine = Engine(rules: rules)
        _ = engine.run(Self.call + [neutral])
        let hold = longHold(engine.advance(to: Self.first.time(111)))
        #expect(hold.alert?.moment.agentID == "a-2")
        #expect(hold.alert?.moment.queue == "retention")
        #expect(hold.coaching?.agentID == "a-2", "coached: the agent who held the customer")

        // The same as with the score in its place.
        var inOrder = Engine(rules: rules)
        _ = inOrder.run(Array(Self.call[..<3]) + [neutral] + Self.call[3...])
        let expected = longHold(inOrder.advance(to: Self.first.time(111)))
        #expect(hold.alert?.moment.summary == expected.alert?.moment.summary)
        #expect(hold.coaching?.agentID == expected.coaching?.agentID)
    }

    /// A rude flag from the first agent, arriving after the second put the customer on hold:
    /// the moment and its coaching are the first agent's, in the queue of then; the call stays
    /// the second agent's.
    @Test func aLateFlagNamesItsOwnAgentAndLeavesTheCallsPicture() {
        var engine = Engine(rules: rules)
        _ = engine.run(Self.call)
        let flagged = engine.run([Self.first.at(20, .agentFlagged, data: EventData(flag: "rude"))])
        let rude = flagged.alerts.first { $0.moment.rule == "rude-agent" }
        #expect(rude?.moment.agentID == "a-1")
        #expect(rude?.moment.queue == "billing")
        #expect(flagged.coaching.first { $0.rule == "rude-agent-coaching" }?.agentID == "a-1")

        let hold = longHold(engine.advance(to: Self.first.time(111)))
        #expect(hold.alert?.moment.agentID == "a-2")
        #expect(hold.coaching?.agentID == "a-2")
    }

    /// A transfer names the queue it moved the interaction to, as the interaction keeps it (a
    /// moment caused by an event names the event's queue: the one it left would be wrong).
    @Test func aTransferNamesTheQueueItMovesTo() throws {
        let rules = try Fixtures.rules("""
            moments:
              - id: transferred
                kind: pain
                summary: "now in {queue}"
                when:
                  match: { event: interaction.transferred }
            """)
        var engine = Engine(rules: rules)
        let out = engine.run(Array(Self.call[..<4]))
        #expect(out.alerts.map(\.moment.queue) == ["retention"])
    }

    /// The times they were set from are part of the changelog's state: restored, a late event
    /// from before the transfer still leaves them.
    @Test func aRestoredInteractionKeepsTheTimesOfItsQueueAndAgent() throws {
        var (engine, _) = try RestoredTimerTests.restored(after: Self.call, rules: rules, inputOffset: 6)
        _ = engine.run([Self.first.at(20, .sentimentScored, data: EventData(score: 0.2))])
        let hold = longHold(engine.advance(to: Self.first.time(111)))
        #expect(hold.alert?.moment.agentID == "a-2")
        #expect(hold.alert?.moment.queue == "retention")
    }

    /// A hold's opener that arrives after its close, and after a transfer: the long hold is
    /// found as it arrives, and is the agent's who held, in the queue of then.
    @Test func aLateOpenerNamesTheAgentWhoHeld() {
        var engine = Engine(rules: rules)
        _ = engine.run([Self.first.at(0, .interactionStarted), Self.first.at(5, .agentConnected), Self.first.at(90, .holdEnded),
                        Self.first.at(100, .interactionTransferred, data: EventData(toQueue: "retention")), Self.second.at(110, .agentConnected)])
        let hold = longHold(engine.run([Self.first.at(20, .holdStarted)]))
        #expect(hold.alert?.moment.agentID == "a-1")
        #expect(hold.alert?.moment.queue == "billing")
        #expect(hold.coaching?.agentID == "a-1")
    }

    /// A count reached by a late event describes the interaction: "now in" the queue it is in.
    @Test func aCountReachedByALateEventNamesTheInteractionsQueue() {
        var third = Self.second
        third.agent = "a-3"
        third.queue = "support"
        var engine = Engine(rules: rules)
        _ = engine.run([Self.second.at(60, .interactionTransferred, data: EventData(toQueue: "support")), third.at(70, .agentConnected)])
        let out = engine.run([Self.first.at(30, .interactionTransferred, data: EventData(toQueue: "retention"))])
        let transfers = out.alerts.first { $0.moment.rule == "multi-transfer" }
        #expect(transfers?.moment.queue == "support")
        #expect(transfers?.moment.agentID == "a-3")
    }

    /// An end judged again when a late event arrives is the end's moment: a fast resolution
    /// found once the first agent's connection arrives is the kudos of the agent who resolved.
    @Test func aResolutionJudgedAgainNamesTheAgentAtTheEnd() {
        var engine = Engine(rules: rules)
        _ = engine.run([Self.first.at(0, .interactionStarted), Self.second.at(100, .interactionEnded, data: EventData(reason: "resolved"))])
        let out = engine.run([Self.first.at(5, .agentConnected)])
        let fast = out.alerts.first { $0.moment.rule == "fast-resolution" }
        #expect(fast?.moment.agentID == "a-2")
        #expect(out.coaching.first { $0.rule == "fast-resolution-kudos" }?.agentID == "a-2")
    }

    /// A wait's limit is chosen by its opener's queue: a hold's opener from billing arriving
    /// after the transfer to retention takes billing's limit, as the moment names billing.
    @Test func aLateOpenerTakesTheLimitOfItsOwnQueue() throws {
        let rules = try Fixtures.rules("""
            moments:
              - id: long-hold
                kind: pain
                when:
                  wait:
                    from: hold.started
                    until: [hold.ended, interaction.ended]
                    longer_than: 300s
                    overrides:
                      - if: { queue: [billing] }
                        longer_than: 60s
            """)
        var engine = Engine(rules: rules)
        _ = engine.run([Self.first.at(0, .interactionStarted), Self.first.at(5, .agentConnected), Self.first.at(90, .holdEnded),
                        Self.first.at(100, .interactionTransferred, data: EventData(toQueue: "retention")), Self.second.at(110, .agentConnected)])
        let out = engine.run([Self.first.at(20, .holdStarted)])
        #expect(out.alerts.map(\.moment.queue) == ["billing"], "70 s on hold: long in billing (60 s), not in retention (300 s)")
    }

    /// An average of scores is the interaction's: a late low score from the first agent that
    /// tips the average names the interaction's agent and queue, as a count does.
    @Test func anAverageTippedByALateScoreNamesTheInteractions() throws {
        let rules = try Fixtures.rules("""
            moments:
              - id: souring
                kind: pain
                when:
                  threshold: { event: sentiment.scored, field: score, below: -0.5, average_over: 2 }
            """)
        var engine = Engine(rules: rules)
        _ = engine.run(Array(Self.call[..<5]) + [Self.second.at(45, .sentimentScored, data: EventData(score: -0.6))])
        let out = engine.run([Self.first.at(20, .sentimentScored, data: EventData(score: -0.8))])
        let souring = out.alerts.first { $0.moment.rule == "souring" }
        #expect(souring?.moment.agentID == "a-2")
        #expect(souring?.moment.queue == "retention")
    }
}
