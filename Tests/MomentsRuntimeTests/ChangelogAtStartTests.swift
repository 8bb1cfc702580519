import Foundation
import KafkaMock
import MomentsApp
import Testing
@testable import MomentsRuntime

/// Brokers out of reach when the pipeline starts are waited for before the state changelog is
/// given up: the start took the topic for missing after a 5 s lookup, failed to create it, and
/// ran without the changelog until the next restart (every assignment replaying all retained
/// input), and a stop asked for meanwhile waited out the 15 s of those calls.
@Suite(.serialized) struct ChangelogAtStartTests {
    @Test func aStartWhileTheBrokersAreAwayKeepsTheChangelog() throws {
        let bed = try TestBed(partitions: 1)
        let lines = try Stream.referenceLines().prefix(200)
        try bed.produce(lines.map { (Stream.customerKey($0) ?? "unknown", Array($0.utf8), nil) })
        let pipeline = bed.pipeline(group: "changelog-at-start", rules: try Stream.defaultRules())
        try bed.broker.cluster.setBrokerDown()
        let running = RunningPipeline(pipeline)
        // Past the 5 s the lookup waited before it took the topic for missing.
        Thread.sleep(forTimeInterval: 7)
        try bed.broker.cluster.setBrokerUp()
        // Every line read (a few of the fixture's are malformed, dead-lettered), state written.
        let processed = waitFor(seconds: 60) {
            let s = running.pipeline.status
            return s.eventsProcessed + s.deadLettered >= lines.count && s.stateRecordsWritten > 0
        }
        let status = running.pipeline.status
        #expect(running.stop() == nil)
        #expect(processed, "events \(status.eventsProcessed), dead letters \(status.deadLettered), state records \(status.stateRecordsWritten)")
    }

    @Test func aStopWhileTheStartWaitsForTheBrokersEndsIt() throws {
        let bed = try TestBed(partitions: 1)
        let pipeline = bed.pipeline(group: "changelog-at-start-stop", rules: try Stream.defaultRules())
        try bed.broker.cluster.setBrokerDown()
        let running = RunningPipeline(pipeline)
        Thread.sleep(forTimeInterval: 1)
        let asked = Date()
        _ = running.stop()
        // The metadata waits are a second (then two, four…) each and a stop wakes their pauses:
        // far under the 15 s it took.
        #expect(Date().timeIntervalSince(asked) < 6)
        try bed.broker.cluster.setBrokerUp()
    }
}
