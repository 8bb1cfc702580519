import MomentsCore
import Testing

/// Timers are not state of their own: a restored engine rebuilds them from the open waits.
/// After every step the running engine holds no timer due at or before its clock (it fired
/// them all), so a wait whose deadline the restored clock has passed had its timer fire already;
/// rebuilding it fired it a second time at the first step after the restore.
@Suite struct RestoredTimerTests {
    /// An engine restored from the records of one that ran `events` (with what that run output).
    static func restored(after events: [Event], rules: RuleSet, inputOffset: Int64) throws -> (engine: Engine, before: [Output]) {
        var first = Engine(rules: rules)
        first.tracksChanges = true
        let before = first.run(events)
        var records: [String: [UInt8]] = [:]
        for (id, state) in first.takeChangedCustomers() { records[id] = state }
        return (try Engine.restored(rules: rules, partition: first.partitionState(inputOffset: inputOffset), customers: records), before)
    }

    /// A wait watched only in queue `support`: a deadline passed elsewhere fires emitting nothing.
    static let supportWait = """
        moments:
          - id: support-wait
            kind: pain
            only: { queue: [support] }
            when:
              wait: { from: interaction.queued, until: [agent.connected, interaction.ended], longer_than: 300s }
        """

    /// The wait's deadline passes while the interaction is in a queue the rule does not watch, so
    /// its timer fires and emits nothing; then it moves to a watched queue, the engine's state is
    /// written, and the wait closes late: the moment comes from the close, with the whole wait
    /// and the connecting event as its cause, restored or not.
    @Test func aWaitTimerThatAlreadyFiredIsNotRebuilt() throws {
        let rules = try Fixtures.rules(Self.supportWait)
        var s = Script()
        s.queue = "sales"
        let before = [s.at(0, .interactionStarted, id: "e-1"), s.at(1, .interactionQueued, id: "e-2"),
                      s.at(360, .interactionTransferred, data: EventData(toQueue: "support"), id: "e-3")]
        s.queue = "support"
        let after = [s.at(480, .agentConnected, id: "e-4"), s.at(600, .interactionEnded, data: EventData(reason: "resolved"), id: "e-5")]

        var whole = Engine(rules: rules)
        let expected = whole.run(before + after)
        #expect(expected.map(\.id) == ["i-1:support-wait:1"])

        var (second, got) = try Self.restored(after: before, rules: rules, inputOffset: 2)
        #expect(got.isEmpty)
        got += second.run(after)
        let encoder = CloudEventEncoder()
        let text = { (outputs: [Output]) in outputs.map { String(decoding: encoder.encode($0), as: UTF8.self) } }
        #expect(text(got) == text(expected))
    }

    /// A deadline still ahead of the restored clock is rebuilt and fires as it would have.
    @Test func aWaitTimerStillAheadIsRebuilt() throws {
        let rules = try Fixtures.rules("""
            moments:
              - id: long-wait
                kind: pain
                when:
                  wait: { from: interaction.queued, until: [agent.connected, interaction.ended], longer_than: 300s }
            """)
        let s = Script()
        var (second, _) = try Self.restored(after: [s.at(0, .interactionStarted), s.at(1, .interactionQueued), s.at(200, .holdStarted)], rules: rules, inputOffset: 2)
        #expect(second.pendingTimers > 0)
        let out = second.advance(to: s.time(400))
        #expect(out.map(\.id) == ["i-1:long-wait:1"])
    }

    /// A long wait already closed whose decision `allowed_lateness` holds back (`closeWait`)
    /// has its timer rebuilt too: the restored engine still reports it, and still lets an
    /// earlier closer that arrives after the restore end the wait there.
    @Test func aClosedWaitAwaitingItsDecisionIsRebuilt() throws {
        let rules = try Fixtures.rules("""
            settings: { allowed_lateness: 30s }
            moments:
              - id: long-wait
                kind: pain
                when:
                  wait: { from: interaction.queued, until: [agent.connected, interaction.ended], longer_than: 120s }
            """)
        let s = Script()
        func restoredAfterTheEnd() throws -> Engine {
            let (engine, before) = try Self.restored(after: [s.at(0, .interactionQueued), s.at(140, .interactionEnded, data: EventData(reason: "resolved"))], rules: rules, inputOffset: 1)
            #expect(before.isEmpty)
            return engine
        }
        var decided = try restoredAfterTheEnd()
        let long = decided.advance(to: s.time(400))
        #expect(long.map(\.id) == ["i-1:long-wait:1"])
        var shortened = try restoredAfterTheEnd()
        var out = shortened.run([s.at(100, .agentConnected)])
        out += shortened.advance(to: s.time(400))
        #expect(out.isEmpty)
    }
}

/// A reload drops the state of a rule removed or changed in kind; the changelog must not bring
/// it back.
@Suite struct ReloadedStateTests {
    @Test func aRuleChangedInKindLeavesNoStateInTheChangelog() throws {
        let before = try Fixtures.rules("""
            moments:
              - id: escalated
                kind: pain
                when: { match: { event: interaction.escalated } }
            """)
        let after = try Fixtures.rules("""
            moments:
              - id: escalated
                kind: pain
                when: { count: { event: interaction.escalated, reaches: 1 } }
            """)
        let s = Script()
        var first = Engine(rules: before)
        first.tracksChanges = true
        #expect(first.run([s.at(0, .interactionStarted), s.at(10, .interactionEscalated)]).map(\.id) == ["i-1:escalated:1"])
        var records: [String: [UInt8]] = [:]
        for (id, state) in first.takeChangedCustomers() { records[id] = state }

        var reloaded = first.reloaded(with: after)
        let rewritten = reloaded.takeChangedCustomers()
        #expect(rewritten.map(\.customer) == ["c-1"], "the customer's record still holds the old rule's state")
        for (id, state) in rewritten { records[id] = state }
        var restored = try Engine.restored(rules: after, partition: reloaded.partitionState(inputOffset: 1), customers: records)
        let next = s.at(20, .interactionEscalated)
        let running = reloaded.process(next).map(\.id)
        #expect(running == ["i-1:escalated:1"])
        #expect(restored.process(next).map(\.id) == running)

        // A reload that keeps every rule writes nothing again.
        var same = restored.reloaded(with: after)
        same.tracksChanges = true
        _ = same.takeChangedCustomers()
        var again = same.reloaded(with: after)
        #expect(again.takeChangedCustomers().isEmpty)
    }

    /// The same change made while the daemon was stopped (a restart, or a rebalance onto an
    /// instance with the edited file): the records were written under the old rules, and the
    /// restore drops that rule's state as the reload does (until 2026-12-08 it kept it, and the
    /// rule, now a count, never fired in the interaction).
    @Test func aRuleChangedInKindAcrossARestartStartsFresh() throws {
        let before = try Fixtures.rules("""
            moments:
              - id: escalated
                kind: pain
                when: { match: { event: interaction.escalated } }
              - id: flagged
                kind: pain
                when: { count: { event: agent.flagged, reaches: 2 } }
            """)
        let after = try Fixtures.rules("""
            moments:
              - id: escalated
                kind: pain
                when: { count: { event: interaction.escalated, reaches: 1 } }
              - id: flagged
                kind: pain
                when: { count: { event: agent.flagged, reaches: 2 } }
            """)
        let s = Script()
        var first = Engine(rules: before)
        first.tracksChanges = true
        _ = first.run([s.at(0, .interactionStarted), s.at(10, .interactionEscalated), s.at(15, .agentFlagged, data: EventData(flag: "rude"))])
        var records: [String: [UInt8]] = [:]
        for (id, state) in first.takeChangedCustomers() { records[id] = state }
        let partition = first.partitionState(inputOffset: 2)

        var reloaded = first.reloaded(with: after)
        var restarted = try Engine.restored(rules: after, partition: partition, customers: records)
        let next = [s.at(20, .interactionEscalated), s.at(25, .agentFlagged, data: EventData(flag: "rude"))]
        let expected = reloaded.run(next).map(\.id)
        // The rule of the same kind keeps its count (the second flag fires it).
        #expect(expected == ["i-1:escalated:1", "i-1:flagged:1"])
        var again = restarted
        #expect(restarted.run(next).map(\.id) == expected)

        // The next checkpoint writes the customer again, so a second restart (whose partition
        // record now names the new kind) does not find the old state in the old record.
        again.tracksChanges = true
        var rewritten = records
        for (id, state) in again.takeChangedCustomers() { rewritten[id] = state }
        #expect(rewritten["c-1"] != records["c-1"], "the customer's record was not written again")
        var second = try Engine.restored(rules: after, partition: again.partitionState(inputOffset: 2), customers: rewritten)
        #expect(second.run(next).map(\.id) == expected)
    }

    /// A rule removed across one restart and back, of another kind, across the next: the
    /// records of the first restart's rules do not bring back the state of the rule's first life.
    @Test func aRuleRemovedAndBackOfAnotherKindStartsFresh() throws {
        let v1 = try Fixtures.rules("""
            moments:
              - id: escalated
                kind: pain
                when: { match: { event: interaction.escalated } }
              - id: flagged
                kind: pain
                when: { match: { event: agent.flagged } }
            """)
        let v2 = try Fixtures.rules("""
            moments:
              - id: flagged
                kind: pain
                when: { match: { event: agent.flagged } }
            """)
        let v3 = try Fixtures.rules("""
            moments:
              - id: escalated
                kind: pain
                when: { count: { event: interaction.escalated, reaches: 1 } }
              - id: flagged
                kind: pain
                when: { match: { event: agent.flagged } }
            """)
        let s = Script()
        var first = Engine(rules: v1)
        first.tracksChanges = true
        #expect(first.run([s.at(0, .interactionStarted), s.at(10, .interactionEscalated)]).map(\.id) == ["i-1:escalated:1"])
        var records: [String: [UInt8]] = [:]
        for (id, state) in first.takeChangedCustomers() { records[id] = state }
        var second = try Engine.restored(rules: v2, partition: first.partitionState(inputOffset: 1), customers: records)
        second.tracksChanges = true
        for (id, state) in second.takeChangedCustomers() { records[id] = state }
        var third = try Engine.restored(rules: v3, partition: second.partitionState(inputOffset: 1), customers: records)
        #expect(third.process(s.at(20, .interactionEscalated)).map(\.id) == ["i-1:escalated:1"])
    }
}

/// Timers due at the same instant fire in an order of what they are about (`Timer.order`), so a
/// day's last discount goes to the same customer whichever event arrived first, and after a
/// restore (which schedules the timers again in its own order) as before it. Until 2026-12-08
/// they fired in the order they were scheduled, and a restart could give it to the other one.
@Suite struct SameInstantTimerTests {
    static let rules = """
        moments:
          - id: long-wait
            kind: pain
            when:
              wait: { from: interaction.queued, until: [agent.connected, interaction.ended], longer_than: 120s }
        recovery:
          - id: apology-discount
            on: long-wait
            action: discount
            params: { percent: 15 }
            daily_budget: 1
        """

    static func queued() -> [Event] {
        var z = Script(); z.customer = "c-z"; z.interaction = "i-z"
        var a = Script(); a.customer = "c-a"; a.interaction = "i-a"
        return [z.at(0, .interactionQueued, id: "e-z"), a.at(0, .interactionQueued, id: "e-a")]
    }

    @Test func theLastDiscountGoesToTheSameCustomerWhateverArrivesFirst() throws {
        let rules = try Fixtures.rules(Self.rules)
        var results: [[String]] = []
        for events in [Self.queued(), Self.queued().reversed()] {
            var engine = Engine(rules: rules)
            let out = engine.run(events) + engine.advance(to: Script().time(200))
            #expect(out.recoveries.count == 1)
            #expect(Set(out.alerts.map(\.id)) == ["i-a:long-wait:1", "i-z:long-wait:1"])
            results.append(out.map(\.id))
        }
        #expect(results[0] == results[1])
    }

    @Test func aRestoredEngineFiresThemInTheSameOrder() throws {
        let rules = try Fixtures.rules(Self.rules)
        for events in [Self.queued(), Self.queued().reversed()] {
            var running = Engine(rules: rules)
            running.tracksChanges = true
            _ = running.run(events)
            var records: [String: [UInt8]] = [:]
            for (id, state) in running.takeChangedCustomers() { records[id] = state }
            var restored = try Engine.restored(rules: rules, partition: running.partitionState(inputOffset: 1), customers: records)
            let encoder = CloudEventEncoder()
            let text = { (outputs: [Output]) in outputs.map { String(decoding: encoder.encode($0), as: UTF8.self) } }
            let expected = text(running.advance(to: Script().time(200)))
            #expect(expected.count == 3)
            #expect(text(restored.advance(to: Script().time(200))) == expected)
        }
    }
}
