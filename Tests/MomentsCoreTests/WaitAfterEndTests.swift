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

    @Test(arguments: ["15m", "1m"])
    func aWaitOpenAtTheEndNeverFires(grace: String) throws {
        let rules = try Fixtures.rules(Self.rules + "\nsettings: { interaction_grace: \(grace) }\n")
        let s = Script()
        var engine = Engine(rules: rules)
        var out = engine.run([s.at(0, .interactionQueued), s.at(45, .interactionEnded, data: EventData(reason: "abandoned"))])
        out += engine.advance(to: s.time(1200))
        #expect(!out.ids.contains { $0.contains("long-wait") }, "\(out.ids)")

        var held = Engine(rules: rules)
        var onHold = held.run([s.at(0, .agentConnected), s.at(10, .holdStarted), s.at(30, .interactionEnded, data: EventData(reason: "resolved"))])
        onHold += held.advance(to: s.time(1200))
        #expect(!onHold.ids.contains { $0.contains("long-hold") }, "\(onHold.ids)")
    }

    /// A closer that arrives after the end ends the episode at the end: the agent's `hold.ended`
    /// 45 s after the call ended made a long hold of the whole 65 s.
    @Test func aCloserAfterTheEndMeasuresToTheEnd() throws {
        let rules = try Fixtures.rules(Self.rules)
        let s = Script()
        var engine = Engine(rules: rules)
        var out = engine.run([s.at(0, .agentConnected), s.at(10, .holdStarted), s.at(30, .interactionEnded, data: EventData(reason: "resolved")), s.at(75, .holdEnded)])
        out += engine.advance(to: s.time(1200))
        #expect(!out.ids.contains { $0.contains("long-hold") }, "\(out.ids)")
        // Its closer first, then the end, then its opener (out of order): the same.
        var late = Engine(rules: rules)
        var outLate = late.run([s.at(0, .agentConnected), s.at(75, .holdEnded), s.at(30, .interactionEnded, data: EventData(reason: "resolved")), s.at(10, .holdStarted)])
        outLate += late.advance(to: s.time(1200))
        #expect(!outLate.ids.contains { $0.contains("long-hold") }, "\(outLate.ids)")
    }

    /// A wait that reached its limit before the end is still reported, at its limit.
    @Test func aWaitThatReachedItsLimitBeforeTheEndFires() throws {
        let rules = try Fixtures.rules(Self.rules)
        let s = Script()
        var engine = Engine(rules: rules)
        var out = engine.run([s.at(0, .interactionQueued), s.at(150, .interactionEnded, data: EventData(reason: "abandoned"))])
        out += engine.advance(to: s.time(1200))
        #expect(out.ids.filter { $0.contains("long-wait") }.count == 1, "\(out.ids)")
    }
}
