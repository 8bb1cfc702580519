import Foundation
import Testing
@testable import MomentsCore

/// An `interaction.ended` that arrives before events that happened before it: an `ended`
/// condition with `while:` is judged in the phase the interaction turns out to have been in
/// when it ended. Until 2026-12-06 it was judged in the phase it had when the end arrived, so an
/// `abandoned` end that arrived before its `queued` was not the `abandoned` moment (and no
/// priority callback was offered).
@Suite struct LateEndTests {
    let rules: RuleSet
    init() throws { rules = try Fixtures.defaultRules() }

    static let abandoned = EventData(reason: "abandoned")

    @Test func anAbandonedEndArrivingBeforeItsQueuedIsStillAbandoned() {
        let s = Script()
        let inOrder = [s.at(0, .interactionStarted), s.at(1, .interactionQueued), s.at(40, .interactionEnded, data: Self.abandoned)]
        var reference = Engine(rules: rules)
        let expected = reference.run(inOrder)
        #expect(expected.ids.contains("i-1:abandoned:1"))

        var engine = Engine(rules: rules)
        let late = s.at(1, .interactionQueued)
        let out = engine.run([inOrder[0], inOrder[2], late])
        #expect(out.ids == expected.ids)
        let alert = out.alerts.first { $0.moment.rule == "abandoned" }
        #expect(alert?.moment.time == s.time(40), "the moment is at the end's time")
        #expect(alert?.moment.causeEventID == late.eventID, "caused by the event whose arrival showed it")
        #expect(alert?.moment.queue == "billing")
    }

    /// A resolved end that arrives before the call's first `agent.connected`: the fast
    /// resolution is judged again once the connection is known, at the end's time, caused by
    /// the late event (until 2026-12-07 nothing fired: no moment of glory, no kudos).
    @Test func aResolvedEndArrivingBeforeItsConnectedIsStillAFastResolution() {
        var s = Script()
        s.agent = "a-1"
        let resolved = EventData(reason: "resolved")
        let inOrder = [s.at(0, .interactionStarted), s.at(1, .interactionQueued), s.at(60, .agentConnected), s.at(62, .interactionEnded, data: resolved)]
        var reference = Engine(rules: rules)
        let expected = reference.run(inOrder)
        #expect(expected.ids.contains("i-1:fast-resolution:1"))

        var engine = Engine(rules: rules)
        let late = inOrder[2]
        let out = engine.run([inOrder[0], inOrder[1], inOrder[3], late])
        #expect(out.ids == expected.ids)
        let alert = out.alerts.first { $0.moment.rule == "fast-resolution" }
        #expect(alert?.moment.time == s.time(62), "the moment is at the end's time")
        #expect(alert?.moment.causeEventID == late.eventID, "caused by the event whose arrival showed it")
        // An earlier connection still, learnt later: judged again, and nothing fires twice.
        #expect(engine.run([s.at(59, .agentConnected)]).isEmpty)
    }

    /// Even without a `started`: the end creates the interaction, the `queued` comes after it.
    @Test func anEndThatOpensTheInteractionIsJudgedAgain() {
        let s = Script()
        var engine = Engine(rules: rules)
        #expect(engine.run([s.at(40, .interactionEnded, data: Self.abandoned)]).isEmpty)
        #expect(engine.run([s.at(1, .interactionQueued)]).ids.contains("i-1:abandoned:1"))
    }

    /// A late event from before the phase the end was judged in changes nothing: connected at
    /// 10 is the phase at the end, whatever came before it.
    @Test func aLateEventBeforeTheJudgedPhaseChangesNothing() {
        let s = Script()
        var engine = Engine(rules: rules)
        let out = engine.run([s.at(0, .interactionStarted), s.at(10, .agentConnected), s.at(40, .interactionEnded, data: Self.abandoned), s.at(1, .interactionQueued)])
        #expect(!out.ids.contains("i-1:abandoned:1"))
        // Nor does one after the end, or another reason.
        var other = Script()
        other.interaction = "i-2"
        let resolved = engine.run([other.at(40, .interactionEnded, data: EventData(reason: "resolved")), other.at(1, .interactionQueued), other.at(50, .interactionQueued)])
        #expect(!resolved.alerts.contains { $0.moment.rule == "abandoned" })
    }

    /// Outputs are not withdrawn: an end judged `abandoned` (queued when it arrived) stays so when
    /// a `connected` from before the end arrives later; and the moment fires once.
    @Test func aMomentAlreadyGivenStaysAndFiresOnce() {
        let s = Script()
        var engine = Engine(rules: rules)
        let first = engine.run([s.at(1, .interactionQueued), s.at(40, .interactionEnded, data: Self.abandoned)])
        #expect(first.ids.filter { $0 == "i-1:abandoned:1" }.count == 1)
        let later = engine.run([s.at(30, .agentConnected), s.at(35, .interactionQueued)])
        #expect(!later.ids.contains("i-1:abandoned:1"))
    }

    /// A second end at another time: the end is not judged again (its reason was the first
    /// end's, its time the second's: an `abandoned` at the second end's time, after a queue that
    /// came after the first end). Nor is an end that came before the last phase, which does not
    /// end the interaction.
    @Test func twoEndsOrAnEndBeforeTheLastPhaseAreNotJudgedAgain() {
        let s = Script()
        var engine = Engine(rules: rules)
        let out = engine.run([
            s.at(10, .agentConnected), s.at(40, .interactionEnded, data: Self.abandoned),
            s.at(100, .interactionEnded, data: EventData(reason: "resolved")), s.at(60, .interactionQueued),
        ])
        #expect(!out.ids.contains("i-1:abandoned:1"))
        var other = Script()
        other.interaction = "i-2"
        let early = engine.run([
            other.at(50, .agentConnected), other.at(40, .interactionEnded, data: Self.abandoned),
            other.at(100, .interactionEnded, data: EventData(reason: "resolved")), other.at(45, .interactionQueued),
        ])
        #expect(!early.alerts.contains { $0.moment.rule == "abandoned" })
    }

    /// The end's reason and the phase time it was judged against survive a restore.
    @Test func theJudgedEndSurvivesARestore() throws {
        let s = Script()
        var first = Engine(rules: rules)
        first.tracksChanges = true
        _ = first.run([s.at(0, .interactionStarted), s.at(40, .interactionEnded, data: Self.abandoned)])
        var records: [String: [UInt8]] = [:]
        for (id, state) in first.takeChangedCustomers() { records[id] = state }
        let json = String(decoding: records["c-1"] ?? [], as: UTF8.self)
        #expect(json.contains(#""end_reason":"abandoned""#))
        var restored = try Engine.restored(rules: rules, partition: first.partitionState(inputOffset: 1), customers: records)
        let late = [s.at(1, .interactionQueued)]
        #expect(restored.run(late).ids == first.run(late).ids)
        // A record written before 2026-12-06: no reason, and the phase set at the end's time.
        let ended = s.time(40).milliseconds
        let oldLayout = json.replacingOccurrences(of: #","end_reason":"abandoned""#, with: "")
            .replacingOccurrences(of: #""phase_at":-?[0-9]+"#, with: #""phase_at":\#(ended)"#, options: .regularExpression)
        #expect(oldLayout.contains(#""phase_at":\#(ended)"#) && !oldLayout.contains("end_reason"))
        var fromOld = try Engine.restored(rules: rules, partition: nil, customers: ["c-1": Array(oldLayout.utf8)])
        #expect(!fromOld.run(late).ids.contains("i-1:abandoned:1"))
    }
}

/// Contacts of one customer that start out of order: each is counted with every contact that
/// started before it, whenever they arrive. Until 2026-12-06 a contact was counted only with
/// those that had arrived before it, so three contacts within 24 h arriving last-first gave no
/// `repeat-contact` at all.
@Suite struct LateContactTests {
    let rules: RuleSet
    init() throws { rules = try Fixtures.defaultRules() }

    func contact(_ n: Int, at hours: Double) -> Event {
        var s = Script()
        s.interaction = "i-\(n)"
        return s.at(hours * 3600, .interactionStarted)
    }

    @Test(arguments: [[0, 1, 2], [2, 1, 0], [2, 0, 1], [1, 2, 0], [0, 2, 1], [1, 0, 2]])
    func theThirdContactIsReportedWhateverTheOrder(order: [Int]) {
        let contacts = [contact(0, at: 0), contact(1, at: 5), contact(2, at: 10)]
        var engine = Engine(rules: rules)
        let out = engine.run(order.map { contacts[$0] })
        let repeats = out.alerts.filter { $0.moment.rule == "repeat-contact" }
        #expect(repeats.map(\.id) == ["i-2:repeat-contact:1"], "order \(order)")
        #expect(repeats.first?.moment.time == contacts[2].occurredAt)
        #expect(repeats.first?.moment.measures.first?.value == 3)
    }

    /// A customer-wide inhibitor that fired on the late contact's own interaction holds back
    /// the later contact's moment, as it does in order (the late interaction was out of the
    /// customer's table when the later contacts were counted again).
    @Test func anInhibitorOnTheLateContactHoldsTheLaterOnesBack() throws {
        let rules = try Fixtures.rules("""
            moments:
              - id: flagged
                kind: pain
                inhibits: [{ moment: repeat, scope: customer }]
                when: { match: { event: agent.flagged } }
              - id: repeat
                kind: pain
                when: { repeat_contact: { within: 24h, at_least: 3 } }
            """)
        var s = Script()
        s.interaction = "i-0"
        let events = [contact(0, at: 0), s.at(60, .agentFlagged, data: EventData(flag: "rude")), contact(1, at: 5), contact(2, at: 10)]
        var inOrder = Engine(rules: rules)
        let expected = inOrder.run(events)
        #expect(!expected.ids.contains("i-2:repeat:1"))
        var late = Engine(rules: rules)
        let out = late.run([events[1], events[2], events[3], events[0]])
        #expect(Set(out.ids) == Set(expected.ids))
    }

    /// Contacts that start in the same moment (whole-second timestamps) are ordered by
    /// interaction id: the later one counts the earlier, never both ways, whatever arrives first.
    /// Until 2026-12-08 neither counted the other, so the third contact went unreported.
    @Test(arguments: [[0, 1, 2], [2, 1, 0], [2, 0, 1], [1, 2, 0], [0, 2, 1], [1, 0, 2]])
    func contactsInTheSameMomentCountEachOtherOnce(order: [Int]) {
        let contacts = [contact(0, at: 0), contact(1, at: 5), contact(2, at: 5)]
        var engine = Engine(rules: rules)
        let repeats = engine.run(order.map { contacts[$0] }).alerts.filter { $0.moment.rule == "repeat-contact" }
        #expect(repeats.map(\.id) == ["i-2:repeat-contact:1"], "order \(order)")
        #expect(repeats.first?.moment.measures.first?.value == 3)
    }

    @Test(arguments: [[0, 1, 2], [2, 1, 0], [1, 2, 0]])
    func threeContactsInOneMomentMakeOneRepeat(order: [Int]) {
        let contacts = [contact(0, at: 1), contact(1, at: 1), contact(2, at: 1)]
        var engine = Engine(rules: rules)
        let repeats = engine.run(order.map { contacts[$0] }).alerts.filter { $0.moment.rule == "repeat-contact" }
        #expect(repeats.map(\.id) == ["i-2:repeat-contact:1"], "order \(order)")
    }

    /// Of two calls that start in the same second, only the first by id is a first contact.
    @Test func onlyOneOfTwoSameMomentContactsIsAFirstContact() {
        let calls = ["i-b", "i-a"].map { id -> Script in
            var s = Script()
            s.interaction = id
            s.agent = "a-1"
            return s
        }
        // In time order, the two calls' events interleaved: both starts are known at the ends.
        let events = calls.map { $0.at(0, .interactionStarted) } + calls.map { $0.at(5, .agentConnected) }
            + calls.map { $0.at(65, .interactionEnded, data: EventData(reason: "resolved")) }
        var engine = Engine(rules: rules)
        let fast = engine.run(events).alerts.filter { $0.moment.rule == "fast-resolution" }
        #expect(fast.map(\.moment.interactionID) == ["i-a"])
    }

    /// With `allowed_lateness`, a start is remembered that much beyond the window behind the
    /// newest one: a start arriving late still counts the contact at its window's far edge,
    /// as in order. Without it that contact was forgotten when the newest start arrived.
    @Test func aLateStartCountsAContactTheNewestStartHadLeftBehind() throws {
        let rules = try Fixtures.rules("""
            settings: { allowed_lateness: 3h }
            moments:
              - id: repeat
                kind: pain
                when: { repeat_contact: { within: 24h, at_least: 2 } }
            """)
        let events = [contact(0, at: 0), contact(1, at: 23), contact(2, at: 25)]
        var inOrder = Engine(rules: rules)
        let expected = inOrder.run(events).ids
        #expect(Set(expected) == ["i-1:repeat:1", "i-2:repeat:1"])
        var late = Engine(rules: rules)
        #expect(Set(late.run([events[0], events[2], events[1]]).ids) == Set(expected))
    }

    /// Outside the window nothing changes: a late contact 30 h before the others adds nothing.
    @Test func aLateContactOutsideTheWindowAddsNothing() {
        var engine = Engine(rules: rules)
        let out = engine.run([contact(1, at: 30), contact(2, at: 40), contact(0, at: 0)])
        #expect(!out.alerts.contains { $0.moment.rule == "repeat-contact" })
    }
}
