import Foundation
import Testing
@testable import MomentsCore

@Suite struct WaitConditionTests {
    let rules: RuleSet
    init() throws { rules = try Fixtures.defaultRules() }

    @Test func timerReportsWhileStillWaiting() throws {
        var engine = Engine(rules: rules)
        let s = Script()
        #expect(engine.run([s.at(0, .interactionStarted), s.at(1, .interactionQueued)]).isEmpty)
        #expect(engine.advance(to: s.time(120)).isEmpty)              // 119 s of waiting
        let out = engine.advance(to: s.time(121))                        // the 120th second
        #expect(out.ids == ["i-1:long-wait:1", "i-1:long-wait:1:apology-discount"])
        #expect(out.alerts.first?.moment.time == s.time(121))
        #expect(out.alerts.first?.moment.measures.first?.value == 120)
        // Connecting later does not report it again.
        #expect(engine.run([s.at(200, .agentConnected)]).isEmpty)
    }

    @Test func noMomentWhenTheAgentConnectsInTime() {
        var engine = Engine(rules: rules)
        let s = Script()
        _ = engine.run([s.at(0, .interactionQueued), s.at(119, .agentConnected)])
        #expect(engine.advance(to: s.time(10_000)).alerts.isEmpty)
    }

    @Test func longWaitIsOncePerInteractionAcrossRequeues() {
        var engine = Engine(rules: rules)
        let s = Script()
        var out = engine.run([s.at(0, .interactionQueued), s.at(130, .agentConnected)])
        out += engine.run([s.at(200, .interactionTransferred, data: EventData(toQueue: "tech")), s.at(201, .interactionQueued), s.at(400, .agentConnected)])
        #expect(out.alerts.map(\.id) == ["i-1:long-wait:1"])
    }

    @Test func aRequeueCanBeTheLongWait() {
        var engine = Engine(rules: rules)
        let s = Script()
        let out = engine.run([
            s.at(0, .interactionQueued), s.at(30, .agentConnected),
            s.at(60, .interactionTransferred), s.at(61, .interactionQueued), s.at(300, .agentConnected),
        ])
        #expect(out.alerts.map(\.id) == ["i-1:long-wait:1"])
        #expect(out.alerts.first?.moment.time == s.time(181))
    }

    @Test func longHoldFiresOncePerHold() {
        var engine = Engine(rules: rules)
        var s = Script()
        s.agent = "a-1"
        let out = engine.run([
            s.at(0, .agentConnected),
            s.at(10, .holdStarted), s.at(100, .holdEnded),      // long
            s.at(110, .holdStarted), s.at(130, .holdEnded),     // short
            s.at(140, .holdStarted), s.at(300, .holdEnded),     // long
        ])
        #expect(out.alerts.map(\.id) == ["i-1:long-hold:1", "i-1:long-hold:3"])
        #expect(out.coaching.map(\.agentID) == ["a-1", "a-1"])
        #expect(out.coaching.first?.tip.contains("1 min") == true)
    }

    @Test func outOfOrderCloseBeforeOpen() {
        var engine = Engine(rules: rules)
        let s = Script()
        // connected (t=10) arrives before queued (t=0): a 10 s wait, no moment.
        #expect(engine.run([s.at(10, .agentConnected), s.at(0, .interactionQueued)]).alerts.isEmpty)
        var other = Script()
        other.interaction = "i-2"
        other.customer = "c-2"
        // connected (t=300) before queued (t=0): a 300 s wait, found when the opener arrives.
        let out = engine.run([other.at(300, .agentConnected), other.at(0, .interactionQueued)])
        #expect(out.alerts.map(\.id) == ["i-2:long-wait:1"])
        #expect(out.alerts.first?.moment.measures.first?.value == 300)
    }

    /// Several closers before their opener: the wait ends at the first after it. Measured to the
    /// latest (the call's end), a 30 s wait became a 5-minute long wait and an apology discount.
    @Test func aLateOpenerEndsAtTheFirstCloseAfterIt() {
        var engine = Engine(rules: rules)
        var s = Script()
        s.agent = "a-7"
        let out = engine.run([s.at(30, .agentConnected), s.at(300, .interactionEnded, data: EventData(reason: "resolved")), s.at(0, .interactionQueued)])
        #expect(out.alerts.map(\.id) == ["i-1:fast-resolution:1"])   // a moment of glory, not a long wait
        #expect(out.recoveries.isEmpty)
        // A hold whose end came first, then the call's end, then its start: a 20 s hold.
        var hold = Script()
        hold.interaction = "i-2"; hold.customer = "c-2"; hold.agent = "a-7"
        let held = engine.run([hold.at(0, .agentConnected), hold.at(80, .holdEnded), hold.at(180, .interactionEnded, data: EventData(reason: "resolved")), hold.at(60, .holdStarted)])
        #expect(held.alerts.map(\.id) == ["i-2:fast-resolution:1"])
        #expect(held.coaching.map(\.rule) == ["fast-resolution-kudos"])
        #expect(engine.advance(to: hold.time(400)).alerts.isEmpty)
    }

    /// Closes waiting for an opener: two kept in order, a third drops the earliest, and an
    /// opener takes the first at or after it, dropping those before it.
    @Test func pendingClosesKeepTwoInOrder() {
        func t(_ seconds: Int64) -> Timestamp { Timestamp(milliseconds: seconds * 1000) }
        var p = PendingCloses()
        p.add(t(50)); p.add(t(10)); p.add(t(10))
        #expect(p.all == [t(10), t(50)])
        p.add(t(30))   // a third: the earliest (10) goes
        #expect(p.all == [t(30), t(50)])
        p.add(t(5))    // earlier than both: dropped
        #expect(p.all == [t(30), t(50)])
        #expect(p.take(notBefore: t(40)) == t(50))   // 30 belongs to an earlier episode
        #expect(p.all.isEmpty)
        p.add(t(60)); p.add(t(70))
        #expect(p.take(notBefore: t(0)) == t(60))
        #expect(p.all == [t(70)])
        #expect(p.take(notBefore: t(80)) == nil)
        #expect(p.all.isEmpty)
    }

    /// A repeated opener (a new event id) arriving after its episode closed belongs to that
    /// episode: it opened a hold that never ended, and a long hold with coaching 60 s later.
    @Test func aRepeatedOpenerAfterTheCloseOpensNothing() {
        var engine = Engine(rules: rules)
        var s = Script()
        s.agent = "a-7"
        _ = engine.run([s.at(0, .agentConnected), s.at(0, .holdStarted), s.at(20, .holdEnded), s.at(5, .holdStarted)])
        let later = engine.advance(to: s.time(120))
        #expect(later.alerts.isEmpty && later.coaching.isEmpty)
        // A new hold from the close on is a new episode, and still reported when long.
        let next = engine.run([s.at(20, .holdStarted), s.at(200, .agentConnected)])
        #expect(next.alerts.map(\.id) == ["i-1:long-hold:2"])
    }

    /// The same for an episode that lasted no time (`queued` and `connected` in the same second,
    /// as timestamps in whole seconds give): a repeated `queued` of that second opened a wait
    /// that nothing closed, and a long wait and an apology were reported for a customer already
    /// connected (until 2026-12-07). Also after a restore, which kept no empty episode.
    @Test func aRepeatedOpenerOfAnEpisodeThatLastedNoTimeOpensNothing() throws {
        var engine = Engine(rules: rules)
        let s = Script()
        _ = engine.run([s.at(0, .interactionStarted), s.at(10, .interactionQueued), s.at(10, .agentConnected), s.at(10, .interactionQueued)])
        let later = engine.advance(to: s.time(600))
        #expect(later.alerts.isEmpty, "\(later.alerts.map(\.id))")
        let (restoredEngine, _) = try RestoredTimerTests.restored(
            after: [s.at(0, .interactionStarted), s.at(10, .interactionQueued), s.at(10, .agentConnected)], rules: rules, inputOffset: 2)
        var restored = restoredEngine
        _ = restored.run([s.at(10, .interactionQueued)])
        #expect(restored.advance(to: s.time(1200)).alerts.isEmpty)
    }

    /// The next hold's start arriving before this hold's end (late) opens the next episode once
    /// that end comes: it was taken for a repeat of the open hold, the end closed the short first
    /// hold, and the long second one was never reported (until 2026-12-07). Also across a
    /// restore in between. In order, a second start during a hold is still a repeat.
    @Test func theNextOpenerAheadOfALateCloserOpensTheNextEpisode() throws {
        let rules = try Fixtures.rules("""
            moments:
              - id: long-hold
                kind: pain
                when: { wait: { from: hold.started, until: hold.ended, longer_than: 60s, once_per: episode } }
            """)
        var s = Script()
        s.agent = "a-7"
        let first = [s.at(0, .agentConnected), s.at(1, .holdStarted), s.at(40, .holdStarted)]
        let rest = [s.at(30, .holdEnded), s.at(200, .holdEnded)]
        var engine = Engine(rules: rules)
        var out = engine.run(first + rest)
        out += engine.advance(to: s.time(600))
        #expect(out.alerts.map(\.id) == ["i-1:long-hold:2"])
        #expect(out.alerts.first?.moment.time == s.time(100))   // reported while on hold, at its limit

        var (restored, _) = try RestoredTimerTests.restored(after: first, rules: rules, inputOffset: 2)
        var again = restored.run(rest)
        again += restored.advance(to: s.time(600))
        #expect(again.alerts.map(\.id) == ["i-1:long-hold:2"])

        var inOrder = Engine(rules: rules)
        var repeated = inOrder.run([s.at(0, .agentConnected), s.at(1, .holdStarted), s.at(40, .holdStarted), s.at(200, .holdEnded)])
        repeated += inOrder.advance(to: s.time(600))
        #expect(repeated.alerts.map(\.id) == ["i-1:long-hold:1"])
        // An opener and a closer of the same instant, in order: a repeat, and no hold after it
        // (taken for the next episode's opener, it opened a hold nothing closed: a false long hold).
        var sameInstant = Engine(rules: rules)
        var short = sameInstant.run([s.at(0, .agentConnected), s.at(10, .holdStarted), s.at(40, .holdStarted), s.at(40, .holdEnded)])
        short += sameInstant.advance(to: s.time(600))
        #expect(short.alerts.isEmpty, "\(short.alerts.map(\.id))")
    }

    /// A reload from `once_per: interaction` to `episode` while a long hold that already fired is
    /// open does not fire that episode again: it did, under the same id, and coached the agent
    /// twice (until 2026-12-07). The next hold is a new episode, reported.
    @Test func aReloadToOncePerEpisodeDoesNotFireTheOpenEpisodeAgain() throws {
        func rules(_ oncePer: String) throws -> RuleSet {
            try Fixtures.rules("""
                moments:
                  - id: long-hold
                    kind: pain
                    when: { wait: { from: hold.started, until: hold.ended, longer_than: 60s, once_per: \(oncePer) } }
                """)
        }
        var s = Script()
        s.agent = "a-7"
        var engine = Engine(rules: try rules("interaction"))
        var out = engine.run([s.at(0, .agentConnected), s.at(1, .holdStarted), s.at(62, .agentFlagged)])
        #expect(out.alerts.map(\.id) == ["i-1:long-hold:1"])
        engine = engine.reloaded(with: try rules("episode"))
        out = engine.run([s.at(90, .holdEnded), s.at(100, .holdStarted), s.at(200, .holdEnded)])
        #expect(out.alerts.map(\.id) == ["i-1:long-hold:2"])
    }

    /// A real hold that arrives after a later one, its close later still, is measured to its
    /// close (an attempt to drop repeated openers of older episodes dropped every opener older
    /// than the last episode, and this hold with them).
    @Test func aLateHoldBeforeTheLastEpisodeIsStillMeasured() throws {
        let rules = try Fixtures.rules("""
            settings: { allowed_lateness: 2m }
            moments:
              - id: long-hold
                kind: pain
                when: { wait: { from: hold.started, until: hold.ended, longer_than: 30s, once_per: episode } }
            """)
        var engine = Engine(rules: rules)
        var s = Script()
        s.agent = "a-7"
        var out = engine.run([
            s.at(0, .agentConnected), s.at(60, .holdStarted, id: "h2"), s.at(65, .holdEnded, id: "e2"),
            s.at(1, .holdStarted, id: "h1"), s.at(50, .holdEnded, id: "e1"),
        ])
        out += engine.advance(to: s.time(600))
        #expect(out.alerts.map(\.id) == ["i-1:long-hold:2"])
        #expect(out.alerts.first?.moment.measures.first?.value == 49)
    }

    /// With `allowed_lateness`, a long wait is decided by its timer, not by the first closer to
    /// arrive: a `connected` at 100 s arriving after the call's end at 130 s ends the wait at
    /// 100 s, under the limit (until 2026-12-07: a long wait of 130 s and an apology discount).
    /// The same events in order, and a wait that really was long, are reported as before, at
    /// the timer, measured to the earliest closer.
    @Test func aLongWaitIsDecidedByTheEarliestCloserWithinTheLateness() throws {
        let rules = try Fixtures.rules("""
            settings: { allowed_lateness: 30s }
            moments:
              - id: long-wait
                kind: pain
                when: { wait: { from: interaction.queued, until: [agent.connected, interaction.ended], longer_than: 120s } }
              - id: long-hold
                kind: pain
                when: { wait: { from: hold.started, until: [hold.ended, interaction.ended], longer_than: 60s, once_per: episode } }
            """)
        let resolved = EventData(reason: "resolved")
        func run(_ script: (Script) -> [Event]) -> [Output] {
            var engine = Engine(rules: rules)
            var s = Script()
            s.agent = "a-1"
            var out = engine.run(script(s))
            out += engine.advance(to: s.time(900))
            return out
        }
        let lateConnect = run { s in [s.at(0, .interactionQueued), s.at(130, .interactionEnded, data: resolved), s.at(100, .agentConnected)] }
        #expect(lateConnect.alerts.isEmpty, "\(lateConnect.alerts.map(\.id))")
        let inOrder = run { s in [s.at(0, .interactionQueued), s.at(100, .agentConnected), s.at(130, .interactionEnded, data: resolved)] }
        #expect(inOrder.alerts.isEmpty)
        // A hold of 40 s whose end arrives after the call's end at 65 s: no long hold.
        let lateHoldEnd = run { s in [s.at(0, .agentConnected), s.at(5, .holdStarted), s.at(65, .interactionEnded, data: resolved), s.at(45, .holdEnded)] }
        #expect(lateHoldEnd.alerts.isEmpty, "\(lateHoldEnd.alerts.map(\.id))")
        // Really long (connected at 140 s, arriving after the end at 145 s): reported once, 140 s.
        let long = run { s in [s.at(0, .interactionQueued), s.at(145, .interactionEnded, data: resolved), s.at(140, .agentConnected)] }
        #expect(long.alerts.map(\.id) == ["i-1:long-wait:1"])
        #expect(long.alerts.first?.moment.measures.first?.value == 140)
        #expect(long.alerts.first?.moment.time == Script().time(120))
        // A late opener closed long by a pending closer waits for its timer too.
        let lateOpener = run { s in [s.at(145, .interactionEnded, data: resolved), s.at(140, .agentConnected), s.at(0, .interactionQueued)] }
        #expect(lateOpener.alerts.map(\.id) == ["i-1:long-wait:1"])
        #expect(lateOpener.alerts.first?.moment.measures.first?.value == 140)
    }

    /// What the held-back decision must not lose (from the review of that change): an ended
    /// interaction is kept until the decision, even with a grace shorter than the lateness; an
    /// episode shortened by an earlier closer keeps the later closer for an opener arriving in
    /// between; a reload that lowers the lateness still decides the episode it held back.
    @Test func aHeldBackWaitDecisionIsNotLost() throws {
        let rules = try Fixtures.rules("""
            settings: { allowed_lateness: 120s, interaction_grace: 10s }
            moments:
              - id: long-wait
                kind: pain
                when: { wait: { from: interaction.queued, until: [agent.connected, interaction.ended], longer_than: 60s, once_per: episode } }
            """)
        var s = Script()
        s.agent = "a-1"
        var ended = Engine(rules: rules)
        var out = ended.run([s.at(0, .interactionQueued), s.at(100, .interactionEnded, data: EventData(reason: "abandoned"))])
        out += ended.advance(to: s.time(900))   // one jump past both timers: the wait's fires first
        #expect(out.alerts.map(\.id) == ["i-1:long-wait:1"])
        // The same for a wait still open past the interaction timeout, the clock jumping past
        // both (an idle partition's next event): it was forgotten before its timer fired.
        var open = Engine(rules: try Fixtures.rules("""
            settings: { interaction_timeout: 1h }
            moments:
              - id: long-email-wait
                kind: pain
                when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 2h } }
            """))
        out = open.run([s.at(0, .interactionQueued)])
        out += open.advance(to: s.time(5 * 3600))
        #expect(out.alerts.map(\.id) == ["i-1:long-email-wait:1"])

        var shortened = Engine(rules: rules)
        out = shortened.run([s.at(0, .interactionQueued), s.at(120, .agentConnected), s.at(50, .agentConnected), s.at(70, .interactionQueued)])
        out += shortened.advance(to: s.time(900))
        #expect(out.alerts.isEmpty, "\(out.alerts.map(\.id))")   // 0–50 s and 70–120 s: neither is long

        var reloaded = Engine(rules: rules)
        out = reloaded.run([s.at(0, .interactionQueued), s.at(70, .agentConnected)])
        reloaded = reloaded.reloaded(with: try Fixtures.rules("""
            moments:
              - id: long-wait
                kind: pain
                when: { wait: { from: interaction.queued, until: [agent.connected, interaction.ended], longer_than: 60s, once_per: episode } }
            """))
        out += reloaded.run([s.at(80, .interactionQueued), s.at(90, .agentConnected)])
        out += reloaded.advance(to: s.time(900))
        #expect(out.alerts.map(\.id) == ["i-1:long-wait:1"])
    }

    @Test func overridesGiveGoldCustomersAShorterFuse() throws {
        let yaml = """
            moments:
              - id: long-wait
                kind: pain
                when:
                  wait:
                    from: interaction.queued
                    until: agent.connected
                    longer_than: 120s
                    overrides:
                      - if: { attributes: { tier: [gold, platinum] } }
                        longer_than: 60s
            """
        var engine = Engine(rules: try Fixtures.rules(yaml))
        var gold = Script()
        gold.attributes = ["tier": "gold"]
        var standard = Script()
        standard.interaction = "i-2"
        standard.customer = "c-2"
        standard.attributes = ["tier": "standard"]
        _ = engine.run([gold.at(0, .interactionQueued), standard.at(0, .interactionQueued)])
        #expect(engine.advance(to: gold.time(61)).alerts.map(\.id) == ["i-1:long-wait:1"])
        #expect(engine.advance(to: gold.time(121)).alerts.map(\.id) == ["i-2:long-wait:1"])
    }

    @Test func allowedLatenessDelaysTheTimerButKeepsTheMomentTime() throws {
        var r = rules
        r.settings.allowedLateness = .seconds(5)
        var engine = Engine(rules: r)
        let s = Script()
        _ = engine.run([s.at(0, .interactionQueued)])
        #expect(engine.advance(to: s.time(122)).isEmpty)
        let out = engine.advance(to: s.time(125))
        #expect(out.alerts.first?.moment.time == s.time(120))
    }
}

@Suite struct EventConditionTests {
    let rules: RuleSet
    init() throws { rules = try Fixtures.defaultRules() }

    @Test func secondTransferIsMultiTransferOnce() {
        var engine = Engine(rules: rules)
        let s = Script()
        let t = EventData(toQueue: "tech")
        let out = engine.run([s.at(0, .interactionTransferred, data: t), s.at(10, .interactionTransferred, data: t), s.at(20, .interactionTransferred, data: t)])
        #expect(out.alerts.map(\.id) == ["i-1:multi-transfer:1"])
        #expect(out.alerts.first?.moment.time == s.time(10))
        #expect(out.alerts.first?.moment.queue == "tech")
    }

    @Test func rudeFlagMatchesOnlyRude() {
        var engine = Engine(rules: rules)
        var s = Script()
        s.agent = "a-3"
        let out = engine.run([
            s.at(0, .agentFlagged, data: EventData(flag: "script_deviation")),
            s.at(1, .agentFlagged, data: EventData(flag: "rude")),
            s.at(2, .agentFlagged, data: EventData(flag: "rude")),
        ])
        #expect(out.alerts.map(\.id) == ["i-1:rude-agent:1"])
        #expect(out.recoveries.map(\.action) == ["discount"])
        #expect(out.recoveries.first?.params == [.init(key: "percent", value: .number(15)), .init(key: "reason", value: .string("apology"))])
        #expect(out.coaching.map(\.kind) == [.corrective])
    }

    @Test func firstScoreBelowThresholdOnly() {
        var engine = Engine(rules: rules)
        let s = Script()
        let out = engine.run([-0.5, -0.6, -0.61, -0.9].enumerated().map { s.at(Double($0), .sentimentScored, data: EventData(score: $1)) })
        #expect(out.alerts.map(\.id) == ["i-1:negative-sentiment:1"])
        #expect(out.alerts.first?.moment.measures.first?.value == -0.61)
        #expect(out.coaching.isEmpty)   // no agent known: nobody to coach
    }

    @Test func abandonedOnlyWhileQueued() {
        var engine = Engine(rules: rules)
        var a = Script()
        a.interaction = "queued"
        var b = Script()
        b.interaction = "connected"
        b.customer = "c-2"
        let out = engine.run([
            a.at(0, .interactionQueued), a.at(30, .interactionEnded, data: EventData(reason: "abandoned")),
            b.at(0, .interactionQueued), b.at(10, .agentConnected), b.at(30, .interactionEnded, data: EventData(reason: "abandoned")),
        ])
        #expect(out.alerts.map(\.id) == ["queued:abandoned:1"])
        #expect(out.recoveries.map(\.id) == ["queued:abandoned:1:priority-callback"])
    }

    @Test func repeatContactCountsTheWindow() {
        var engine = Engine(rules: rules)
        var out: [Output] = []
        // Contacts at 0 h, 20 h, 30 h, 40 h: at 30 h only one other is within 24 h; at 40 h two are.
        for (n, hours) in [0.0, 20, 30, 40].enumerated() {
            var s = Script()
            s.interaction = "i-\(n)"
            out += engine.run([s.at(hours * 3600, .interactionStarted), s.at(hours * 3600 + 60, .interactionEnded, data: EventData(reason: "unresolved"))])
        }
        #expect(out.alerts.filter { $0.moment.rule == "repeat-contact" }.map(\.id) == ["i-3:repeat-contact:1"])
        #expect(out.alerts.first { $0.moment.rule == "repeat-contact" }?.moment.measures.first?.value == 3)
    }

    @Test(arguments: [
        ("Hello, I want to cancel my subscription now", "en"),
        ("ICH MÖCHTE KÜNDIGEN", "de"),
        ("Ich mochte kundigen", "de"),
        ("voglio disdire!!", "it"),
        ("Goedemiddag, ik wil opzeggen.", "nl"),
        ("saya mau berhenti", "id"),
    ])
    func churnPhrasesInEveryLanguage(text: String, language: String) {
        var engine = Engine(rules: rules)
        var s = Script()
        s.channel = .chat
        let out = engine.run([s.at(0, .messageSent, data: EventData(sender: "customer", text: text))])
        #expect(out.alerts.map(\.moment.rule) == ["churn-phrase"])
        #expect(out.alerts.first?.moment.details["language"] == language)
    }

    @Test func churnPhrasesNeedWholeWordsTheCustomerAndChat() {
        var engine = Engine(rules: rules)
        var s = Script()
        s.channel = .chat
        var voice = Script()
        voice.interaction = "i-v"
        let out = engine.run([
            s.at(0, .messageSent, data: EventData(sender: "customer", text: "I want to cancellation-proof my plan")),
            s.at(1, .messageSent, data: EventData(sender: "agent", text: "Do you want to cancel my subscription?")),
            voice.at(2, .messageSent, data: EventData(sender: "customer", text: "I want to cancel my subscription")),
        ])
        #expect(out.isEmpty)
    }

    @Test func fastResolutionOnlyOnFirstContact() {
        var engine = Engine(rules: rules)
        var first = Script()
        first.agent = "a-1"
        var second = first
        second.interaction = "i-2"
        let resolved = EventData(reason: "resolved")
        var out = engine.run([first.at(0, .interactionStarted), first.at(10, .agentConnected), first.at(250, .interactionEnded, data: resolved)])
        out += engine.run([second.at(3600, .interactionStarted), second.at(3610, .agentConnected), second.at(3700, .interactionEnded, data: resolved)])
        #expect(out.alerts.map(\.id) == ["i-1:fast-resolution:1"])
        #expect(out.coaching.map(\.id) == ["i-1:fast-resolution:1:fast-resolution-kudos"])
    }

    @Test func slowResolutionIsNoGlory() {
        var engine = Engine(rules: rules)
        let s = Script()
        let out = engine.run([s.at(0, .interactionStarted), s.at(10, .agentConnected), s.at(311, .interactionEnded, data: EventData(reason: "resolved"))])
        #expect(out.isEmpty)
    }

    @Test func topCsatAfterTheInteractionEnded() {
        var engine = Engine(rules: rules)
        var s = Script()
        s.agent = "a-2"
        _ = engine.run([s.at(0, .agentConnected), s.at(600, .interactionEnded, data: EventData(reason: "unresolved"))])
        s.agent = nil   // surveys often carry no agent; the interaction remembers it
        let out = engine.run([s.at(900, .surveySubmitted, data: EventData(csat: 4)), s.at(901, .surveySubmitted, data: EventData(csat: 5))])
        #expect(out.alerts.map(\.id) == ["i-1:top-csat:1"])
        #expect(out.coaching.first?.agentID == "a-2")
    }

    @Test func filtersRestrictMoments() throws {
        let yaml = """
            moments:
              - id: vip-escalation
                kind: pain
                only: { channel: voice, queue: [billing], attributes: { tier: gold } }
                when: { match: { event: interaction.escalated } }
            """
        var engine = Engine(rules: try Fixtures.rules(yaml))
        var gold = Script()
        gold.attributes = ["tier": "gold"]
        var chat = gold
        chat.interaction = "i-chat"
        chat.channel = .chat
        var standard = gold
        standard.interaction = "i-std"
        standard.attributes = ["tier": "standard"]
        let out = engine.run([gold.at(0, .interactionEscalated), chat.at(0, .interactionEscalated), standard.at(0, .interactionEscalated)])
        #expect(out.alerts.map(\.id) == ["i-1:vip-escalation:1"])
    }
}

@Suite struct RecoveryTests {
    let rules: RuleSet
    init() throws { rules = try Fixtures.defaultRules() }

    func rude(_ interaction: String, customer: String = "c-1", atDay day: Double) -> Event {
        var s = Script()
        s.interaction = interaction
        s.customer = customer
        return s.at(day * 86_400, .agentFlagged, data: EventData(flag: "rude"))
    }

    @Test func oneDiscountPerCustomerPer30Days() {
        var engine = Engine(rules: rules)
        let out = engine.run([rude("i-1", atDay: 0), rude("i-2", atDay: 10), rude("i-3", atDay: 29.9), rude("i-4", atDay: 30.1)])
        #expect(out.recoveries.map(\.id) == ["i-1:rude-agent:1:apology-discount", "i-4:rude-agent:1:apology-discount"])
        #expect(engine.stats.recoverySkippedCooldown == 2)
        // Every moment still alerts.
        #expect(out.alerts.count == 4)
    }

    @Test func dailyBudgetCapsActions() throws {
        var r = rules
        r.recovery[0].dailyBudget = 2
        var engine = Engine(rules: r)
        let out = engine.run((0..<4).map { rude("i-\($0)", customer: "c-\($0)", atDay: 0.1) } + [rude("i-next", customer: "c-9", atDay: 1.1)])
        #expect(out.recoveries.map(\.id) == ["i-0:rude-agent:1:apology-discount", "i-1:rude-agent:1:apology-discount", "i-next:rude-agent:1:apology-discount"])
        #expect(engine.stats.recoverySkippedBudget == 2)
    }

    /// A partition mixes customers' event times: a late moment from the day before must not
    /// open a fresh budget. Counted by the moment's own day, the four discounts below all went
    /// out with a budget of one a day (each change of day reset the count).
    @Test func lateMomentsAroundMidnightDoNotResetTheBudget() throws {
        var r = rules
        r.recovery[0].dailyBudget = 1
        var engine = Engine(rules: r)
        let midnight = 15.0 * 3_600   // Script starts at 09:00 UTC
        let offsets = [-10.0, 10, -5, 20]   // the third arrives late, from the day before
        let events = offsets.enumerated().map { n, offset in rude("i-\(n)", customer: "c-\(n)", atDay: (midnight + offset) / 86_400) }
        let out = engine.run(events)
        #expect(out.recoveries.map(\.id) == ["i-0:rude-agent:1:apology-discount", "i-1:rude-agent:1:apology-discount"])
        #expect(engine.stats.recoverySkippedBudget == 2)
        #expect(engine.budgetUsedToday(rule: r.recovery[0].id) == 1)
    }
}

@Suite struct EngineStateTests {
    let rules: RuleSet
    init() throws { rules = try Fixtures.defaultRules() }

    @Test func duplicatesAreDropped() {
        var engine = Engine(rules: rules)
        let s = Script()
        let flag = s.at(0, .agentFlagged, data: EventData(flag: "rude"), id: "same")
        var other = Script()
        other.interaction = "i-2"
        let again = other.at(1, .agentFlagged, data: EventData(flag: "rude"), id: "same")
        #expect(engine.run([flag, flag, again]).alerts.count == 1)
        #expect(engine.stats.duplicatesDropped == 2)
    }

    @Test func stateIsEvictedAndStaysBounded() {
        var engine = Engine(rules: rules)
        for n in 0..<2000 {
            var s = Script()
            s.interaction = "i-\(n)"
            s.customer = "c-\(n % 500)"
            s.start = s.start + .seconds(Int64(n))
            _ = engine.run([s.at(0, .interactionStarted), s.at(1, .interactionQueued), s.at(20, .agentConnected), s.at(90, .interactionEnded, data: EventData(reason: "unresolved"))])
        }
        #expect(engine.openInteractions > 0)
        var late = Script()
        _ = engine.advance(to: late.time(2000 + 3600))   // past the 30 min grace
        #expect(engine.openInteractions == 0)
        #expect(engine.customerCount == 500)               // contact history is still needed for 24 h
        late.start = late.start + .days(2)
        _ = engine.advance(to: late.time(0))
        #expect(engine.customerCount == 0)
        #expect(engine.pendingTimers == 0)
    }

    @Test func silentInteractionsTimeOut() {
        var engine = Engine(rules: rules)
        let s = Script()
        _ = engine.run([s.at(0, .interactionStarted)])
        _ = engine.advance(to: s.time(11 * 3600))
        #expect(engine.openInteractions == 1)
        _ = engine.advance(to: s.time(12 * 3600 + 1))
        #expect(engine.openInteractions == 0)
    }

    @Test func cooldownOutlivesTheInteraction() {
        var engine = Engine(rules: rules)
        var s = Script()
        _ = engine.run([s.at(0, .agentFlagged, data: EventData(flag: "rude")), s.at(1, .interactionEnded, data: EventData(reason: "resolved"))])
        _ = engine.advance(to: s.time(5 * 86_400))
        #expect(engine.openInteractions == 0)
        #expect(engine.customerCount == 1)   // remembers the discount
        s.interaction = "i-2"
        let out = engine.run([s.at(6 * 86_400, .agentFlagged, data: EventData(flag: "rude"))])
        #expect(out.recoveries.isEmpty)
        _ = engine.advance(to: s.time(31 * 86_400))
        #expect(engine.customerCount == 0)
    }

    @Test func sameInputSameOutputs() {
        func run() -> [Output] {
            var engine = Engine(rules: rules)
            var out: [Output] = []
            for n in 0..<300 {
                var s = Script()
                s.interaction = "i-\(n)"
                s.customer = "c-\(n % 40)"
                s.agent = "a-\(n % 7)"
                s.start = s.start + .seconds(Int64(n * 37))
                out += engine.run([
                    s.at(0, .interactionStarted, id: "\(n)-a"), s.at(1, .interactionQueued, id: "\(n)-b"),
                    s.at(Double(n % 200), .agentConnected, id: "\(n)-c"),
                    s.at(Double(n % 200 + 5), .sentimentScored, data: EventData(score: -Double(n % 10) / 10), id: "\(n)-d"),
                ])
            }
            return out + engine.advance(to: Script().time(100_000))
        }
        let a = run(), b = run()
        #expect(!a.isEmpty)
        #expect(a == b)
    }
}

@Suite struct ReloadTests {
    /// A reload that changes `duplicate_window` applies to the running engine, which keeps the
    /// ids it saw (before, it kept its old window while partitions assigned later used the new).
    @Test func aChangedDuplicateWindowAppliesAndKeepsTheIdsSeen() throws {
        var engine = Engine(rules: try Fixtures.defaultRules())
        let s = Script()
        let events = (0..<4).map { s.at(Double($0), .agentFlagged, data: EventData(flag: "rude"), id: "e-\($0)") }
        _ = engine.run(events)
        var smaller = try Fixtures.defaultRules()
        smaller.settings.duplicateWindow = 2
        engine = engine.reloaded(with: smaller)
        #expect(engine.duplicates.capacity == 2)
        _ = engine.run([events[3], events[2], events[1]])   // the newest two are remembered, the third is not
        #expect(engine.stats.duplicatesDropped == 2)
    }

    @Test func openInteractionsSurviveAReload() throws {
        let old = try Fixtures.defaultRules()
        var engine = Engine(rules: old)
        let s = Script()
        _ = engine.run([s.at(0, .interactionQueued), s.at(1, .agentFlagged, data: EventData(flag: "rude"))])
        // New rules: long-wait moved after long-hold and down to 60 s; rude-agent kept; escalation removed.
        let yaml = """
            moments:
              - id: long-hold
                kind: pain
                when: { wait: { from: hold.started, until: hold.ended, longer_than: 60s, once_per: episode, measure: hold } }
              - id: rude-agent
                kind: pain
                when: { match: { event: agent.flagged, where: { flag: rude } } }
              - id: long-wait
                kind: pain
                when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 60s } }
            """
        engine = engine.reloaded(with: try Fixtures.rules(yaml))
        #expect(engine.openInteractions == 1)
        // The wait opened before the reload keeps its deadline (120 s) and still fires, under its id.
        #expect(engine.advance(to: s.time(100)).isEmpty)
        #expect(engine.advance(to: s.time(121)).alerts.map(\.id) == ["i-1:long-wait:1"])
        // rude-agent already fired for this interaction: not again after the reload.
        #expect(engine.run([s.at(130, .agentFlagged, data: EventData(flag: "rude"))]).isEmpty)
        // Duplicates are still recognised.
        #expect(engine.stats.eventsProcessed == 3)
    }

    @Test func removedRulesStopFiring() throws {
        var engine = Engine(rules: try Fixtures.defaultRules())
        let s = Script()
        _ = engine.run([s.at(0, .interactionQueued)])
        engine = engine.reloaded(with: try Fixtures.rules("moments:\n  - id: escalation\n    kind: pain\n    when: { match: { event: interaction.escalated } }\n"))
        #expect(engine.advance(to: s.time(500)).isEmpty)
        #expect(engine.run([s.at(501, .interactionEscalated)]).alerts.map(\.id) == ["i-1:escalation:1"])
    }

    /// A runtime with a changelog reloads rules mid-stream: the customers changed before the
    /// reload are still owed a record, and changes after it are still tracked.
    @Test func changeTrackingCarriesOver() throws {
        var engine = Engine(rules: try Fixtures.defaultRules())
        engine.tracksChanges = true
        var a = Script()
        a.customer = "c-a"
        var b = Script()
        b.interaction = "i-b"
        b.customer = "c-b"
        _ = engine.run([a.at(0, .interactionQueued)])
        engine = engine.reloaded(with: try Fixtures.defaultRules())
        let tracks = engine.tracksChanges   // (a failing #expect on the engine would print all of it)
        #expect(tracks)
        _ = engine.run([b.at(1, .interactionQueued)])
        #expect(engine.takeChangedCustomers().map(\.customer) == ["c-a", "c-b"])
    }

    @Test func budgetsCarryOver() throws {
        var r = try Fixtures.defaultRules()
        r.recovery[0].dailyBudget = 1
        var engine = Engine(rules: r)
        var a = Script()
        a.interaction = "i-a"
        var b = Script()
        b.interaction = "i-b"
        b.customer = "c-2"
        _ = engine.run([a.at(0, .agentFlagged, data: EventData(flag: "rude"))])
        #expect(engine.budgetUsedToday(rule: "apology-discount") == 1)
        engine = engine.reloaded(with: r)
        #expect(engine.run([b.at(1, .agentFlagged, data: EventData(flag: "rude"))]).recoveries.isEmpty)
    }
}

@Suite struct SnapshotTests {
    /// Split a stream anywhere, snapshot the engine, restore it from the records, go on: the
    /// outputs are those of an uninterrupted run.
    @Test(arguments: [150, 400, 777])
    func restoredEngineCarriesOnExactly(split: Int) throws {
        let rules = try Fixtures.defaultRules()
        var events: [Event] = []
        for n in 0..<120 {
            var s = Script()
            s.interaction = "i-\(n)"
            s.customer = "c-\(n % 17)"
            s.agent = "a-\(n % 5)"
            s.start = s.start + .seconds(Int64(n * 41))
            events += [
                s.at(0, .interactionStarted, id: "\(n)-1"), s.at(1, .interactionQueued, id: "\(n)-2"),
                s.at(Double(60 + (n * 13) % 150), .agentConnected, id: "\(n)-3"),
                s.at(Double(80 + (n * 13) % 150), .holdStarted, id: "\(n)-4"),
                s.at(Double(90 + (n * 29) % 150), .holdEnded, id: "\(n)-5"),
                s.at(Double(200 + n % 3), .agentFlagged, data: EventData(flag: n % 4 == 0 ? "rude" : "other"), id: "\(n)-6"),
                s.at(Double(260), .interactionEnded, data: EventData(reason: "resolved"), id: "\(n)-7"),
            ]
        }
        events.sort { $0.occurredAt < $1.occurredAt }
        var whole = Engine(rules: rules)
        let expected = events.flatMap { whole.process($0) }

        var first = Engine(rules: rules)
        first.tracksChanges = true
        var got = events[..<split].flatMap { first.process($0) }
        var records: [String: [UInt8]] = [:]
        for (id, state) in first.takeChangedCustomers() { records[id] = state }
        let partitionRecord = first.partitionState(inputOffset: Int64(split - 1))
        #expect(Engine.inputOffset(ofPartitionState: partitionRecord) == Int64(split - 1))
        var second = try Engine.restored(rules: rules, partition: partitionRecord, customers: records)
        got += events[split...].flatMap { second.process($0) }
        #expect(got.ids == expected.ids)
        #expect(second.openInteractions == whole.openInteractions)
    }

    /// Closing events waiting for their opener, and the episode that last closed, are state: a
    /// restored engine measures a late opener and ignores a repeated one as the first would
    /// have. A record written before 2026-12-05 (one `pending_close`) still restores.
    @Test func pendingClosesAndTheLastEpisodeSurviveARestore() throws {
        let rules = try Fixtures.defaultRules()
        var first = Engine(rules: rules)
        first.tracksChanges = true
        var s = Script()
        s.agent = "a-7"
        _ = first.run([s.at(0, .agentConnected), s.at(0, .holdStarted), s.at(20, .holdEnded), s.at(90, .agentConnected)])
        var records: [String: [UInt8]] = [:]
        for (id, state) in first.takeChangedCustomers() { records[id] = state }
        var restored = try Engine.restored(rules: rules, partition: first.partitionState(inputOffset: 3), customers: records)
        // The queue wait's close at 0 and 90 are pending; a late `queued` at -10 ends at 0.
        let late = [s.at(5, .holdStarted), s.at(-10, .interactionQueued)]
        let fromFirst = first.run(late) + first.advance(to: s.time(300))
        let fromRestored = restored.run(late) + restored.advance(to: s.time(300))
        #expect(fromRestored.ids == fromFirst.ids)
        #expect(!fromRestored.alerts.contains { $0.moment.rule == "long-hold" || $0.moment.rule == "long-wait" })
        // The layout before 2026-12-05: one pending close (the one a late opener needs here).
        let json = String(decoding: records["c-1"]!, as: UTF8.self)
        let start = s.time(0).milliseconds
        let oldLayout = json.replacingOccurrences(of: #""pending_closes":[\#(start),\#(start + 90_000)]"#, with: #""pending_close":\#(start)"#)
        #expect(oldLayout != json)
        var fromOld = try Engine.restored(rules: rules, partition: nil, customers: ["c-1": Array(oldLayout.utf8)])
        let fromOldOut = fromOld.run([s.at(-10, .interactionQueued)]) + fromOld.advance(to: s.time(300))
        #expect(!fromOldOut.alerts.contains { $0.moment.rule == "long-wait" })
        #expect(fromOld.openInteractions == 1)
    }

    @Test func forgottenCustomersBecomeTombstones() throws {
        var engine = Engine(rules: try Fixtures.defaultRules())
        engine.tracksChanges = true
        let s = Script()
        _ = engine.run([s.at(0, .interactionStarted), s.at(10, .interactionEnded, data: EventData(reason: "unresolved"))])
        #expect(engine.takeChangedCustomers().map { $0.state != nil } == [true])
        _ = engine.advance(to: s.time(3 * 86_400))
        let changes = engine.takeChangedCustomers()
        #expect(changes.count == 1)
        #expect(changes.first?.state == nil)
    }
}

/// An interaction with an open wait outlives `interaction_timeout` until the wait is due: a 24 h
/// e-mail wait with no event was forgotten at the 12 h default and never reported.
@Suite struct LongWaitBeyondTimeoutTests {
    @Test func aWaitLongerThanTheTimeoutStillFires() throws {
        let rules = try Fixtures.rules("""
            moments:
              - id: email-sla
                kind: pain
                when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 24h } }
            """)
        #expect(rules.settings.interactionTimeout == .hours(12))
        var engine = Engine(rules: rules)
        let s = Script()
        _ = engine.run([s.at(0, .interactionQueued)])
        #expect(engine.advance(to: s.time(13 * 3600)).isEmpty)
        #expect(engine.openInteractions == 1, "forgotten at the timeout")
        #expect(engine.advance(to: s.time(25 * 3600)).alerts.map(\.id) == ["i-1:email-sla:1"])
        // Then, silent past the timeout again, it is forgotten.
        _ = engine.advance(to: s.time(40 * 3600))
        #expect(engine.openInteractions == 0)
    }

    /// A reload that lowers `allowed_lateness` keeps the timers set before it: the interaction
    /// is kept until they are due by the lateness they were set with.
    @Test func aReloadThatLowersTheLatenessKeepsTheInteractionForItsTimer() throws {
        func rules(lateness: String) throws -> RuleSet {
            try Fixtures.rules("""
                settings: { interaction_timeout: 1h, allowed_lateness: \(lateness) }
                moments:
                  - id: slow
                    kind: pain
                    when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 50m } }
                """)
        }
        var engine = Engine(rules: try rules(lateness: "30m"))
        let s = Script()
        _ = engine.run([s.at(0, .interactionQueued)])
        engine = engine.reloaded(with: try rules(lateness: "0s"))
        #expect(engine.advance(to: s.time(61 * 60)).isEmpty)
        #expect(engine.openInteractions == 1, "forgotten before the timer set with 30 min of lateness")
        #expect(engine.advance(to: s.time(81 * 60)).alerts.map(\.id) == ["i-1:slow:1"])
    }
}
