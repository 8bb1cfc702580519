import MomentsCore
import Testing

/// A batch's customer records can land without its partition record (the instance died in
/// between, the partition was lost with them in flight): a restore then has customers whose state
/// is of a later batch than the partition's clock and budgets. Each customer record carries its
/// batch's partition record, and a restore takes those customers' clock and budgets from it.
/// Until 2026-12-07 both came from the older partition record alone.
@Suite struct LaterBatchStateTests {
    static let budgetRules = """
        moments:
          - id: rude-agent
            kind: pain
            severity: critical
            when:
              match: { event: agent.flagged, where: { flag: rude } }
        recovery:
          - id: apology-discount
            on: rude-agent
            action: discount
            params: { percent: 15 }
            daily_budget: 1
        """

    static func recoveries(_ outputs: [Output]) -> [String] {
        outputs.compactMap { if case .recovery = $0 { return $0.id } else { return nil } }
    }

    /// Batch k (offset 0) landed whole; of batch k+1 (offset 1, c-1's discount, the day's only
    /// one) only c-1's record. Taken from batch k's partition record, the budget had forgotten
    /// it, and c-2 got a second discount that day.
    @Test func aDiscountGivenInALaterBatchCountsAgainstTheBudget() throws {
        let rules = try Fixtures.rules(Self.budgetRules)
        var a = Script(); a.customer = "c-1"; a.interaction = "i-1"; a.agent = "a-1"
        var b = Script(); b.customer = "c-2"; b.interaction = "i-2"; b.agent = "a-2"
        let events = [
            a.at(0, .interactionStarted, id: "e0"), a.at(10, .agentFlagged, data: EventData(flag: "rude"), id: "e1"),
            b.at(20, .interactionStarted, id: "e2"), b.at(30, .agentFlagged, data: EventData(flag: "rude"), id: "e3"),
        ]
        var live = Engine(rules: rules)
        let expected = Self.recoveries(live.run(events))
        #expect(expected == ["i-1:rude-agent:1:apology-discount"])

        var first = Engine(rules: rules)
        first.tracksChanges = true
        var delivered = first.process(events[0])
        var records: [String: [UInt8]] = [:]
        for (id, state) in first.takeChangedCustomers() { records[id] = state }
        let partition = first.partitionState(inputOffset: 0)
        delivered += first.process(events[1])
        var later: [String: [UInt8]] = [:]
        for (id, state) in first.takeChangedCustomers() { records[id] = state; later[id] = first.partitionState(inputOffset: 1) }
        #expect(later.keys.sorted() == ["c-1"])

        var second = try Engine.restored(rules: rules, partition: partition, customers: records, laterBatchStates: later)
        delivered += second.advance(to: events[1].occurredAt)   // c-1's event is passed over: its state has it
        delivered += second.run(Array(events[2...]))
        #expect(Self.recoveries(delivered) == expected)

        // Without the later batch's state, as before: a second discount.
        var without = try Engine.restored(rules: rules, partition: partition, customers: records)
        _ = without.advance(to: events[1].occurredAt)
        #expect(Self.recoveries(without.run(Array(events[2...]))) == ["i-2:rude-agent:1:apology-discount"])
    }

    /// The wait's deadline passes while the interaction is in a queue the rule does not watch
    /// (its timer fires, emitting nothing), then it moves to a watched one at offset 3, whose
    /// customer record lands without its partition record. Timed again from the older clock, the
    /// wait fired a second time on the way past the transfer, with other bytes under the same id.
    @Test func aWaitThatFiredInALaterBatchIsNotTimedAgain() throws {
        let rules = try Fixtures.rules(RestoredTimerTests.supportWait)
        var s = Script()
        s.queue = "sales"
        let e0 = s.at(0, .interactionStarted, id: "e-1"), e1 = s.at(1, .interactionQueued, id: "e-2"), e2 = s.at(200, .holdStarted, id: "e-h")
        let e3 = s.at(360, .interactionTransferred, data: EventData(toQueue: "support"), id: "e-3")
        s.queue = "support"
        let e4 = s.at(480, .agentConnected, id: "e-4")
        var whole = Engine(rules: rules)
        let expected = whole.run([e0, e1, e2, e3, e4])

        var first = Engine(rules: rules)
        first.tracksChanges = true
        var got = first.run([e0, e1, e2])
        var records: [String: [UInt8]] = [:]
        for (id, state) in first.takeChangedCustomers() { records[id] = state }
        let partition = first.partitionState(inputOffset: 2)   // clock 200
        got += first.process(e3)
        var later: [String: [UInt8]] = [:]
        for (id, state) in first.takeChangedCustomers() { records[id] = state; later[id] = first.partitionState(inputOffset: 3) }
        var second = try Engine.restored(rules: rules, partition: partition, customers: records, laterBatchStates: later)
        got += second.advance(to: e3.occurredAt)   // passed over
        got += second.process(e4)
        let encoder = CloudEventEncoder()
        let text = { (outputs: [Output]) in outputs.map { String(decoding: encoder.encode($0), as: UTF8.self) } }
        #expect(text(got) == text(expected))
        #expect(expected.map(\.id) == ["i-1:support-wait:1"])
    }
}
