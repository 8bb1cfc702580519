import Testing
@testable import MomentsCore

/// An interaction that ends while a wait is open ends the wait: nobody waits on a call that is
/// over. Until 2026-12-07 the wait's timer fired at its limit all the same (a caller who hung up
/// in queue after 45 s got a long wait, and its apology discount, at 2 min), or did not, as the
/// ended interaction was evicted before the limit or not (`interaction_grace`).
@Suite struct WaitAfterEndTests {
    static let rules = """
        moments:
          - id: long-wait
            kind: pain
            when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 120s } }
          - id: long-hold
            kind: pain
            when: { wait: { from: hold.started, until: hold.ended, longer_than: 60s } }
        """

    /// The ids of what `events` give, in order, and their timers until 20 minutes in.
    static func ids(_ rules: RuleSet, _ events: [Event]) -> [String] {
        var engine = Engine(rules: rules)
        var out = engine.run(events)
        out += engine.advance(to: Script().time(1200))
        return out.ids
    }

    static let abandoned = EventData(reason: "abandoned"), resolved = EventData(reason: "resolved")

    @Test(arguments: ["15m", "1m"])
    func aWaitOpenAtTheEndNeverFires(grace: String) throws {
        let rules = try Fixtures.rules(Self.rules + "\nsettings: { interaction_grace: \(grace) }\n")
        let s = Script()
        let inQueue = Self.ids(rules, [s.at(0, .interactionQueued), s.at(45, .interactionEnded, data: Self.abandoned)])
        #expect(!inQueue.contains { $0.contains("long-wait") }, "\(inQueue)")
        let onHold = Self.ids(rules, [s.at(0, .agentConnected), s.at(10, .holdStarted), s.at(30, .interactionEnded, data: Self.resolved)])
        #expect(!onHold.contains { $0.contains("long-hold") }, "\(onHold)")
    }

    /// A closer that arrives after the end ends the episode at the end: the agent's `hold.ended`
    /// 45 s after the call ended made a long hold of the whole 65 s.
    @Test func aCloserAfterTheEndMeasuresToTheEnd() throws {
        let rules = try Fixtures.rules(Self.rules)
        let s = Script()
        let closedAfter = Self.ids(rules, [s.at(0, .agentConnected), s.at(10, .holdStarted), s.at(30, .interactionEnded, data: Self.resolved), s.at(75, .holdEnded)])
        #expect(!closedAfter.contains { $0.contains("long-hold") }, "\(closedAfter)")
        // Its closer first, then the end, then its opener (out of order): the same.
        let outOfOrder = Self.ids(rules, [s.at(0, .agentConnected), s.at(75, .holdEnded), s.at(30, .interactionEnded, data: Self.resolved), s.at(10, .holdStarted)])
        #expect(!outOfOrder.contains { $0.contains("long-hold") }, "\(outOfOrder)")
    }

    /// A wait that reached its limit before the end is still reported, at its limit.
    @Test func aWaitThatReachedItsLimitBeforeTheEndFires() throws {
        let s = Script()
        let ids = Self.ids(try Fixtures.rules(Self.rules), [s.at(0, .interactionQueued), s.at(150, .interactionEnded, data: Self.abandoned)])
        #expect(ids.filter { $0.contains("long-wait") }.count == 1, "\(ids)")
    }
}
