import Foundation
import Testing
@testable import MomentsCore

/// `moments replay --partitions N`: one engine per partition, as the daemon runs them, so the
/// limits an engine keeps (daily budgets, the duplicate window, the clock that fires timers) are
/// per partition. c-1 and c-2 fall in different partitions of two (1 and 0), which the tests
/// check before relying on it.
@Suite struct PartitionedReplayerTests {
    static let start = "2026-11-24T09:00:00.000Z"

    /// A canonical event line for customer `customer` (interaction `i-<customer>`), `seconds` after 09:00.
    static func line(_ id: String, _ type: String, customer: String, at seconds: Int, data: String = "{}") -> String {
        let time = RFC3339.parse(start)! + Duration(milliseconds: Int64(seconds) * 1000)
        return #"{"event_id":"\#(id)","type":"\#(type)","occurred_at":"\#(time)","interaction_id":"i-\#(customer)","customer_id":"\#(customer)","channel":"voice","queue":"billing","agent_id":"a-1","data":\#(data),"attributes":{}}"#
    }

    static func replay(_ lines: [String], rules: RuleSet, partitions: Int) -> (outputs: [Output], replayer: PartitionedReplayer) {
        var replayer = PartitionedReplayer(rules: rules, partitions: partitions)
        let items = replayer.feed(lines: Array(lines.joined(separator: "\n").utf8), file: "test")
        return (items.compactMap { if case .output(let o) = $0 { return o } else { return nil } }, replayer)
    }

    static func encoded(_ items: [Replayer.Item]) -> [[UInt8]] {
        let encoder = CloudEventEncoder()
        return items.map {
            switch $0 {
            case .output(let o): return encoder.encode(o)
            case .deadLetter(let d): return encoder.encode(d)
            }
        }
    }

    /// A rule set with one moment (a rude flag) and one recovery rule for it, allowing one action a day.
    static let budgetRules = """
        moments:
          - id: rude-agent
            kind: pain
            stage: SMOT
            severity: critical
            summary: "Agent {agent_id} flagged rude"
            when:
              match: { event: agent.flagged, where: { flag: rude } }
        recovery:
          - id: apology-discount
            on: rude-agent
            action: discount
            params: { percent: 15 }
            daily_budget: 1
        """

    @Test func c1AndC2AreInDifferentPartitionsOfTwo() {
        #expect(KeyPartitioner.partition(of: "c-1".utf8, count: 2) == 1)
        #expect(KeyPartitioner.partition(of: "c-2".utf8, count: 2) == 0)
    }

    /// One partition is the single-engine replay `moments replay` always ran: every item (outputs
    /// and dead letters, with their times) encoded byte for byte alike, and the same counts.
    @Test func onePartitionIsTheSingleEngineReplay() throws {
        let path = Fixtures.root.appendingPathComponent("Tests/Fixtures/reference-stream.jsonl").path
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let rules = try Fixtures.defaultRules()
        var single = Replayer(rules: rules)
        var partitioned = PartitionedReplayer(rules: rules, partitions: 1)
        let expected = Self.encoded(single.feed(lines: bytes, file: path))
        let got = Self.encoded(partitioned.feed(lines: bytes, file: path))
        #expect(got == expected)
        #expect(got.count == GoldenReplayTests.expected.count + 2)   // and the two malformed lines
        #expect(partitioned.malformed == single.malformed && partitioned.lines == single.lines)
        #expect(partitioned.stats == single.engine.stats)
        #expect(partitioned.clock == single.engine.clock)
    }

    @Test func theDailyBudgetIsPerPartition() throws {
        let rules = try Fixtures.rules(Self.budgetRules)
        let lines = [
            Self.line("e-1", "agent.flagged", customer: "c-1", at: 0, data: #"{"flag":"rude"}"#),
            Self.line("e-2", "agent.flagged", customer: "c-2", at: 60, data: #"{"flag":"rude"}"#),
        ]
        let one = Self.replay(lines, rules: rules, partitions: 1)
        #expect(one.outputs.recoveries.map(\.moment.customerID) == ["c-1"])
        #expect(one.replayer.stats.recoverySkippedBudget == 1)
        let two = Self.replay(lines, rules: rules, partitions: 2)
        #expect(two.outputs.recoveries.map(\.moment.customerID) == ["c-1", "c-2"])   // each partition's budget of one
        #expect(two.replayer.stats.recoverySkippedBudget == 0)
        #expect(two.outputs.alerts.count == 2 && one.outputs.alerts.count == 2)
    }

    /// A redelivery of c-1's event after two of c-2's: with a window of two ids, one engine has
    /// forgotten it (and processes it again); c-1's own partition has seen no other id since.
    @Test func theDuplicateWindowIsPerPartition() throws {
        let rules = try Fixtures.rules(Self.budgetRules.replacingOccurrences(of: "moments:", with: "settings: { duplicate_window: 2 }\nmoments:"))
        let lines = [
            Self.line("e-1", "interaction.started", customer: "c-1", at: 0),
            Self.line("e-2", "interaction.started", customer: "c-2", at: 1),
            Self.line("e-3", "interaction.queued", customer: "c-2", at: 2),
            Self.line("e-1", "interaction.started", customer: "c-1", at: 0),
        ]
        let one = Self.replay(lines, rules: rules, partitions: 1).replayer.stats
        #expect(one.duplicatesDropped == 0 && one.eventsProcessed == 4)
        let two = Self.replay(lines, rules: rules, partitions: 2).replayer.stats
        #expect(two.duplicatesDropped == 1 && two.eventsProcessed == 3)
    }

    /// c-1 waits in queue from 09:00. One engine fires the 120 s timer when c-2's event at 09:05
    /// moves its clock; with two partitions c-2's event moves only c-2's clock, and c-1's wait
    /// is reported when c-1's own partition next advances (at 09:10), with the same id and time.
    @Test func timersFireOnTheirOwnPartitionsClock() throws {
        let rules = try Fixtures.defaultRules()
        let lines = [
            Self.line("e-1", "interaction.started", customer: "c-1", at: 0),
            Self.line("e-2", "interaction.queued", customer: "c-1", at: 1),
            Self.line("e-3", "interaction.started", customer: "c-2", at: 300),
            Self.line("e-4", "interaction.queued", customer: "c-1", at: 600),   // a re-queue: c-1's clock moves
        ]
        func lineOfTheLongWait(partitions: Int) -> (line: Int, time: Timestamp)? {
            var replayer = PartitionedReplayer(rules: rules, partitions: partitions)
            for (n, line) in lines.enumerated() {
                for case .output(.alert(let a)) in replayer.feed(line: Array(line.utf8), file: "test", lineNumber: n + 1) where a.moment.rule == "long-wait" {
                    return (n + 1, a.moment.time)
                }
            }
            return nil
        }
        let one = try #require(lineOfTheLongWait(partitions: 1))
        let two = try #require(lineOfTheLongWait(partitions: 2))
        #expect(one.line == 3 && two.line == 4)
        #expect(one.time == two.time && one.time == RFC3339.parse("2026-11-24T09:02:01Z")!)
    }

    /// A file's UTF-8 byte order mark is not part of its first line (it made the line malformed).
    @Test func aByteOrderMarkIsNotPartOfTheFirstLine() {
        var lines: [(String, Int)] = []
        JSONLines.forEach(in: [0xEF, 0xBB, 0xBF] + Array("{}\n{\"a\":1}".utf8)) { line, n in lines.append((String(decoding: line, as: UTF8.self), n)) }
        #expect(lines.map(\.0) == ["{}", #"{"a":1}"#] && lines.map(\.1) == [1, 2])
    }

    /// A line that cannot be decoded has no customer and so no partition: it is reported with its
    /// line number whatever the number of partitions, stamped with the latest event time of any.
    @Test func deadLettersAreReportedWhateverThePartitions() throws {
        let path = Fixtures.root.appendingPathComponent("Tests/Fixtures/reference-stream.jsonl").path
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func deadLetters(_ partitions: Int) throws -> [DeadLetter] {
            var replayer = PartitionedReplayer(rules: try Fixtures.defaultRules(), partitions: partitions)
            var found: [DeadLetter] = []
            var latest = Timestamp(milliseconds: 0)
            JSONLines.forEach(in: bytes) { line, n in
                for item in replayer.feed(line: line, file: path, lineNumber: n) {
                    if case .deadLetter(let d) = item { found.append(d); #expect(d.time == latest) }
                }
                latest = replayer.clock
            }
            #expect(replayer.malformed == found.count)
            return found
        }
        let single = try deadLetters(1)
        #expect(single.map(\.origin.line) == [24, 25])
        for n in [2, 3, 8] {
            let spread = try deadLetters(n)
            #expect(spread.map(\.origin) == single.map(\.origin) && spread.map(\.error) == single.map(\.error))
            #expect(spread.map(\.time) == single.map(\.time))   // the latest time seen is the same
        }
    }

    /// Vendor records are decoded first; each canonical event goes to its own customer's
    /// partition (a Genesys snapshot is several events in one record).
    @Test(arguments: [Dialect.amazonConnect, .genesysCloud, .twilioTaskRouter])
    func vendorEventsGoToTheirCustomersPartitions(dialect: Dialect) throws {
        let files = try DialectExamples.files(dialect)
        let decoder = DialectDecoder(dialect: dialect)
        let partitions = 4
        var replayer = PartitionedReplayer(rules: try Fixtures.defaultRules(), partitions: partitions, dialect: decoder)
        var expected = Array(repeating: 0, count: partitions)
        for (n, file) in files.enumerated() {
            let line = try DialectExamples.bytes(dialect, file)
            if case .success(let events) = decoder.decode(line) {
                for e in events { expected[KeyPartitioner.partition(of: e.customerID.utf8, count: partitions)] += 1 }
            }
            _ = replayer.feed(line: line, file: file, lineNumber: n + 1)
        }
        #expect(replayer.engines.map { $0.stats.eventsProcessed + $0.stats.duplicatesDropped } == expected)
        #expect(expected.reduce(0, +) > files.count / 2)
    }

    /// Two Twilio tasks, one of c-1's and one of c-2's, each abandoned in queue: the vendor's
    /// customer key (TaskAttributes.customer_id) picks the partition, and each is found there.
    @Test func vendorLinesArePartitionedByTheDecodedCustomer() throws {
        func task(_ customer: String, _ n: Int) -> [String] {
            let attributes = #"{\"customer_id\":\"\#(customer)\"}"#
            let ms = 1_795_510_800_000 + n * 1000
            return [
                #"{"EventType":"task.created","Sid":"EV\#(n)a","TaskSid":"WT\#(n)","TimestampMs":"\#(ms)","TaskChannelUniqueName":"chat","TaskAttributes":"\#(attributes)"}"#,
                #"{"EventType":"task-queue.entered","Sid":"EV\#(n)b","TaskSid":"WT\#(n)","TimestampMs":"\#(ms + 1000)","TaskChannelUniqueName":"chat","TaskQueueName":"Sales","TaskAttributes":"\#(attributes)"}"#,
                #"{"EventType":"task.canceled","Sid":"EV\#(n)c","TaskSid":"WT\#(n)","TimestampMs":"\#(ms + 30000)","TaskChannelUniqueName":"chat","TaskCanceledReason":"hangup","TaskAttributes":"\#(attributes)"}"#,
            ]
        }
        var replayer = PartitionedReplayer(rules: try Fixtures.defaultRules(), partitions: 2, dialect: DialectDecoder(dialect: .twilioTaskRouter))
        let items = replayer.feed(lines: Array((task("c-1", 1) + task("c-2", 2)).joined(separator: "\n").utf8), file: "twilio.jsonl")
        let alerts = items.compactMap { if case .output(.alert(let a)) = $0 { return a } else { return nil } }
        #expect(alerts.map(\.moment.rule) == ["abandoned", "abandoned"])
        #expect(alerts.map(\.moment.customerID) == ["c-1", "c-2"])
        #expect(replayer.malformed == 0)
        #expect(replayer.engines.map(\.stats.eventsProcessed) == [3, 3])
        #expect(replayer.engines.map(\.customerCount) == [1, 1])
    }
}
