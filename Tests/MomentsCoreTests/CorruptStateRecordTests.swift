import Foundation
import MomentsCore
import Testing

/// A changelog record is input too: a corrupt one (a bit flip, a tool writing by hand, a record
/// of a later format after a rollback) must be refused with a `SnapshotError`, so that the
/// partition is rebuilt by replaying its input. Until 2026-12-07 a number out of `Int64`'s range
/// or not whole (`"clock": 1e19`) trapped in the conversion, and every instance the partition
/// was assigned to stopped, at every start.
@Suite struct CorruptStateRecordTests {
    /// Records of the default rules with a wait open, a hold, a transfer, a recovery given and an
    /// interaction ended: most of what a record can hold.
    static func records() throws -> (rules: RuleSet, partition: [UInt8], customers: [String: [UInt8]]) {
        let rules = try Fixtures.defaultRules()
        var a = Script()
        a.agent = "a-1"
        var b = Script()
        b.customer = "c-2"; b.interaction = "i-2"; b.agent = "a-2"
        var engine = Engine(rules: rules)
        engine.tracksChanges = true
        _ = engine.run([
            a.at(0, .interactionStarted), a.at(1, .interactionQueued), a.at(200, .agentConnected),
            a.at(210, .holdStarted), a.at(230, .holdEnded), a.at(240, .agentFlagged, data: EventData(flag: "rude")),
            a.at(300, .interactionEnded, data: EventData(reason: "resolved")),
            b.at(310, .interactionStarted), b.at(311, .interactionQueued),
            b.at(320, .interactionTransferred, data: EventData(toQueue: "sales")),
        ])
        var customers: [String: [UInt8]] = [:]
        for (id, state) in engine.takeChangedCustomers() { customers[id] = state }
        return (rules, engine.partitionState(inputOffset: 9), customers)
    }

    @Test func theRecordsRestoreAsTheyAre() throws {
        let (rules, partition, customers) = try Self.records()
        let engine = try Engine.restored(rules: rules, partition: partition, customers: customers)
        #expect(engine.clock == Script().time(320))
        #expect(customers.count == 2)
    }

    /// Every number of every record, replaced in turn by one out of range, one not whole and
    /// one negative: restored or refused, never a trap (a trap ends this test's process).
    @Test func everyNumberOutOfRangeIsRefusedNotATrap() throws {
        let (rules, partition, customers) = try Self.records()
        var refused = 0, tried = 0
        for replacement in ["1e19", "-1e300", "1.5", "9.3e18"] {
            for (name, record) in [("", partition)] + customers.sorted(by: { $0.key < $1.key }).map({ ($0.key, $0.value) }) {
                let text = String(decoding: record, as: UTF8.self)
                for range in Self.numbers(in: text) {
                    let corrupt = Array(text.replacingCharacters(in: range, with: replacement).utf8)
                    var others = customers
                    if !name.isEmpty { others[name] = corrupt }
                    tried += 1
                    do {
                        _ = try Engine.restored(rules: rules, partition: name.isEmpty ? corrupt : partition, customers: others)
                    } catch {
                        refused += 1
                        #expect(error.description.hasPrefix("state record: "))
                    }
                }
            }
        }
        // The measures in windows are fractional by nature, and "v" refuses all four; most are
        // times and counts, which must be whole.
        #expect(tried > 40)
        #expect(refused > tried / 2, "\(refused) of \(tried) refused")
    }

    @Test func theClockAndTheFormatAreChecked() throws {
        let (rules, _, _) = try Self.records()
        for bad in [#"{"v":1,"input_offset":3,"clock":1e19,"budgets":{}}"#, #"{"v":1,"input_offset":3,"clock":0.5,"budgets":{}}"#,
                    #"{"v":2,"input_offset":3,"clock":5,"budgets":{}}"#, #"{"v":1,"input_offset":3,"clock":5,"budgets":{"r":[1e300,1]}}"#,
                    #"{"v":1,"input_offset":3.5,"clock":5,"budgets":{}}"#, #"{"v":1,"input_offset":-4,"clock":5,"budgets":{}}"#] {
            #expect(throws: SnapshotError.self, "\(bad)") { try Engine.restored(rules: rules, partition: Array(bad.utf8), customers: [:]) }
        }
        #expect(Engine.inputOffset(ofPartitionState: Array(#"{"v":1,"input_offset":1e19,"clock":5}"#.utf8)) == nil)
        #expect(Engine.inputOffset(ofPartitionState: Array(#"{"v":1,"input_offset":41,"clock":5}"#.utf8)) == 41)
    }

    /// Whole numbers an `Int64` holds but no real state does — `Int64.min` (a sentinel of other
    /// fields) as a wait's opening, a wait's limit near `Int64.min`,
    /// a count near `Int64.max`, a negative episode, a time in the year 300,000,000 — put in
    /// every place of records of rules with a schedule, a count and a wait: each record is
    /// refused, or restores and then runs (events, timers, eviction) without a trap. Until
    /// 2026-12-08 such a limit restored, and the next closer trapped in the schedule's local
    /// time (at every restart); such a count trapped at the next matching event. An exit test:
    /// a trap ends the child process, and the expectation fails.
    @Test func wholeNumbersNoStateHoldsAreRefusedOrHarmless() async throws {
        await #expect(processExitsWith: .success) {
            let rules = try Fixtures.rules("""
                moments:
                  - id: long-wait
                    kind: pain
                    schedule: { timezone: UTC, hours: "08:00-18:00" }
                    outside: off
                    when: { wait: { from: interaction.queued, until: [agent.connected, interaction.ended], longer_than: 120s } }
                  - id: long-hold
                    kind: pain
                    when: { wait: { from: hold.started, until: [hold.ended, interaction.ended], longer_than: 60s, once_per: episode } }
                  - id: transfers
                    kind: pain
                    when: { count: { event: interaction.transferred, reaches: 2 } }
                """)
            var a = Script()
            a.agent = "a-1"
            var engine = Engine(rules: rules)
            engine.tracksChanges = true
            _ = engine.run([
                a.at(0, .interactionStarted), a.at(1, .interactionQueued), a.at(20, .agentConnected),
                a.at(30, .holdStarted), a.at(100, .holdEnded), a.at(110, .holdStarted),
                a.at(120, .interactionTransferred, data: EventData(toQueue: "sales")), a.at(125, .interactionQueued),
            ])
            var customers: [String: [UInt8]] = [:]
            for (id, state) in engine.takeChangedCustomers() { customers[id] = state! }
            let partition = engine.partitionState(inputOffset: 7)
            let next = [
                a.at(130, .holdEnded), a.at(140, .agentConnected),
                a.at(150, .interactionTransferred, data: EventData(toQueue: "billing")), a.at(151, .interactionQueued),
                a.at(160, .interactionTransferred, data: EventData(toQueue: "sales")), a.at(170, .agentConnected),
                a.at(180, .interactionEnded, data: EventData(reason: "resolved")),
            ]
            for replacement in ["-9223372036854775808", "-9223372036854774784", "9223372036854774784", "-1", "9467280000000000", "4611686018427387904"] {
                for (name, record) in [("", partition)] + customers.map({ ($0.key, $0.value) }) {
                    let text = String(decoding: record, as: UTF8.self)
                    for range in CorruptStateRecordTests.numbers(in: text) {
                        let corrupt = Array(text.replacingCharacters(in: range, with: replacement).utf8)
                        var others = customers
                        if !name.isEmpty { others[name] = corrupt }
                        guard var restored = try? Engine.restored(rules: rules, partition: name.isEmpty ? corrupt : partition, customers: others) else { continue }
                        _ = restored.run(next)
                        // Past any count's overflow from the largest whole a record can give.
                        for k in 0..<1_100 { _ = restored.process(a.at(Double(190 + k), .interactionTransferred, data: EventData(toQueue: "q"))) }
                        _ = restored.advance(to: a.time(90 * 86_400))
                        for (_, state) in restored.takeChangedCustomers() { _ = state }
                    }
                }
            }
        }
    }

    /// A wait's fired episodes, however many and in whatever order a record lists them,
    /// restore as the set they are (sorted once: one by one, a list of 40,000 out of order took
    /// 18 s to restore).
    @Test func manyFiredEpisodesRestoreAsTheirSet() throws {
        let rules = try Fixtures.rules("""
            moments:
              - id: long-hold
                kind: pain
                when: { wait: { from: hold.started, until: [hold.ended, interaction.ended], longer_than: 60s, once_per: episode } }
            """)
        var s = Script()
        s.agent = "a-1"
        var engine = Engine(rules: rules)
        engine.tracksChanges = true
        _ = engine.run([s.at(0, .interactionStarted), s.at(5, .agentConnected), s.at(10, .holdStarted), s.at(100, .holdEnded)])
        let record = String(decoding: try #require(engine.takeChangedCustomers().first?.state), as: UTF8.self)
        #expect(record.contains(#""fired_episodes":[1]"#))
        let episodes = (0..<40_000).map { String(50_000 - $0) } + ["70", "3", "70"]
        let forged = record.replacingOccurrences(of: #""episode":1,"#, with: #""episode":60000,"#)
            .replacingOccurrences(of: #""fired_episodes":[1]"#, with: "\"fired_episodes\":[\(episodes.joined(separator: ","))]")
        let restored = try Engine.restored(rules: rules, partition: engine.partitionState(inputOffset: 3), customers: ["c-1": Array(forged.utf8)])
        let again = String(decoding: try #require(restored.allCustomers().first?.state), as: UTF8.self)
        let expected = "[3,70," + (10_001...50_000).map(String.init).joined(separator: ",") + "]"
        #expect(again.contains("\"fired_episodes\":\(expected)"))
    }

    /// The ranges of the JSON numbers in `text` (outside strings).
    static func numbers(in text: String) -> [Range<String.Index>] {
        var ranges: [Range<String.Index>] = []
        var i = text.startIndex, inString = false, escaped = false
        while i < text.endIndex {
            let c = text[i]
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                i = text.index(after: i)
            } else if c == "\"" {
                inString = true
                i = text.index(after: i)
            } else if c == "-" || c.isNumber {
                var j = text.index(after: i)
                while j < text.endIndex, "0123456789.eE+-".contains(text[j]) { j = text.index(after: j) }
                ranges.append(i..<j)
                i = j
            } else {
                i = text.index(after: i)
            }
        }
        return ranges
    }
}
