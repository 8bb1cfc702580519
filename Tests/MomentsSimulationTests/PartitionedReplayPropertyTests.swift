import Foundation
import MomentsCore
import MomentsSimulation
import Testing

/// A partitioned replay is the replays of its partitions, run apart: for simulated traffic (with
/// redeliveries and broken lines mixed in), the outputs of N partitions are, as a multiset, the
/// outputs of one `Replayer` per partition fed only that partition's lines, and each
/// partition's outputs come in the order its own replay gives them. The rules are the defaults
/// with a budget of 5 discounts a day and a window of 64 ids, so both limits bind.
@Suite struct PartitionedReplayPropertyTests {
    static let rules: RuleSet = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("config/moments.yaml").path
        let text = try! String(contentsOfFile: path, encoding: .utf8)
        let tight = text
            .replacingOccurrences(of: "daily_budget: 500", with: "daily_budget: 5")
            .replacingOccurrences(of: "duplicate_window: 100000", with: "duplicate_window: 64")
        precondition(tight != text, "config/moments.yaml no longer sets daily_budget: 500 or duplicate_window: 100000")
        return try! RulesParser.parse(yaml: tight, file: path).get()
    }()

    /// Simulated lines with their customer keys (nil for a broken line): every 9th event is sent
    /// again 40 lines later, and every 500th line is cut in half.
    static func stream(seed: UInt64, count: Int) -> [(key: String?, line: String)] {
        var options = SimulationOptions(seed: seed)
        options.arrivalsPerMinute = 120
        var lines: [(key: String?, line: String)] = []
        var redeliveries: [Int: [(key: String?, line: String)]] = [:]
        for (n, e) in TrafficSimulator.events(options: options, count: count).enumerated() {
            lines.append((e.key, e.json))
            if n % 9 == 0 { redeliveries[n + 40, default: []].append((e.key, e.json)) }
            if n % 500 == 250 { lines.append((nil, String(e.json.prefix(e.json.count / 2)))) }
            lines += redeliveries.removeValue(forKey: n) ?? []
        }
        return lines
    }

    static func outputs(_ items: [Replayer.Item]) -> [Output] {
        items.compactMap { if case .output(let o) = $0 { return o } else { return nil } }
    }

    @Test(arguments: [(UInt64(3), 2), (3, 3), (17, 8), (29, 5)])
    func partitionedReplayIsTheReplaysOfItsPartitions(seed: UInt64, partitions: Int) throws {
        let stream = Self.stream(seed: seed, count: 6000)
        let encoder = CloudEventEncoder()

        var partitioned = PartitionedReplayer(rules: Self.rules, partitions: partitions)
        var items: [Replayer.Item] = []
        for (n, entry) in stream.enumerated() {
            items += partitioned.feed(line: Array(entry.line.utf8), file: "stream", lineNumber: n + 1)
        }

        // Each partition's lines alone through a plain single-engine replay.
        var apart = Array(repeating: Replayer(rules: Self.rules), count: partitions)
        var expectedByPartition: [[Output]] = Array(repeating: [], count: partitions)
        for (n, entry) in stream.enumerated() {
            guard let key = entry.key else { continue }
            let p = KeyPartitioner.partition(of: key.utf8, count: partitions)
            expectedByPartition[p] += Self.outputs(apart[p].feed(line: Array(entry.line.utf8), file: "stream", lineNumber: n + 1))
        }

        // As multisets of encoded outputs; a failure names a few of the outputs that differ.
        func multiset(_ outputs: some Sequence<Output>) -> [String: Int] {
            Dictionary(outputs.map { (String(decoding: encoder.encode($0), as: UTF8.self), 1) }, uniquingKeysWith: +)
        }
        let got = Self.outputs(items)
        let (mine, theirs) = (multiset(got), multiset(expectedByPartition.joined()))
        let differing = Set(mine.keys).union(theirs.keys).filter { mine[$0] != theirs[$0] }
        #expect(differing.isEmpty, "\(differing.count) outputs differ, such as \(differing.sorted().prefix(2))")
        #expect(got.count == expectedByPartition.joined().count)
        for p in 0..<partitions {
            let ids = got.filter { KeyPartitioner.partition(of: $0.moment.customerID.utf8, count: partitions) == p }.map(\.id)
            let expected = expectedByPartition[p].map(\.id)
            let firstDifference = (0..<max(ids.count, expected.count)).first { $0 >= ids.count || $0 >= expected.count || ids[$0] != expected[$0] }
            #expect(firstDifference == nil, "partition \(p) differs at output \(firstDifference ?? 0): \(ids.dropFirst(firstDifference ?? 0).prefix(3)) against \(expected.dropFirst(firstDifference ?? 0).prefix(3))")
        }
        #expect(partitioned.malformed == stream.filter { $0.key == nil }.count)

        // The limits bound, or the property says little about them.
        let stats = partitioned.stats
        #expect(stats.duplicatesDropped > 0 && stats.recoverySkippedBudget > 0, "\(stats)")
        #expect(stats.duplicatesDropped == apart.reduce(0) { $0 + $1.engine.stats.duplicatesDropped })
        #expect(stats.recoverySkippedBudget == apart.reduce(0) { $0 + $1.engine.stats.recoverySkippedBudget })
    }
}
