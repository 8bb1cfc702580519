import Testing
@testable import MomentsRuntime

/// Consumed records are counted in runs of one topic: the totals must be those of counting
/// every record, however the topics alternate and whenever the totals are read.
@Suite struct BatchCountsTests {
    @Test func runsOfTopicsAddUpToTheRecordsCounted() {
        let topics = ["interactions", "interactions", "genesys", "interactions", "genesys", "genesys", "connect", "interactions"]
        var counts = BatchCounts()
        #expect(counts.isEmpty)
        var expected: [String: Int] = [:]
        for topic in topics {
            counts.countConsumed(topic: topic)
            expected[topic, default: 0] += 1
        }
        #expect(!counts.isEmpty, "a run not yet added up still counts")
        #expect(counts.consumedTotals() == expected)
        #expect(counts.consumedTotals() == expected, "reading the totals twice adds nothing")
        counts.countConsumed(topic: "connect")
        expected["connect", default: 0] += 1
        #expect(counts.consumedTotals() == expected)
    }

    @Test func oneRecordIsNotEmpty() {
        var counts = BatchCounts()
        counts.countConsumed(topic: "interactions")
        #expect(!counts.isEmpty)
        #expect(counts.consumedTotals() == ["interactions": 1])
    }
}
