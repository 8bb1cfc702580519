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
