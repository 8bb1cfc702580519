import Foundation
import Kafka
import KafkaMock
import MomentsCore
import MomentsRuntime
import Testing

/// The end-to-end benchmark's attribution runs (`moments bench --suite e2e --leave-out`): the
/// pipeline leaves out the part named, and still consumes and commits every input.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AttributionRunTests {
    /// The reference stream and one more malformed line, and the replay's outputs for the stream.
    func input() throws -> (lines: [String], expectedOutputs: Int) {
        let lines = try Stream.referenceLines()
        return (lines + ["{not json"], Stream.replay(lines, rules: try Stream.defaultRules()).count)
    }

    /// Runs the pipeline with `part` left out until every input is committed; its status then.
    func run(leavingOut part: PipelineWork, _ lines: [String]) throws -> PipelineStatus {
        let bed = try TestBed(partitions: 1)
        try bed.produce(lines.map { (Stream.customerKey($0) ?? "unknown", Array($0.utf8), nil) })
        var hooks = PipelineHooks()
        hooks.leaveOut = part
        let running = RunningPipeline(bed.pipeline(rules: try Stream.defaultRules(), changelog: false, hooks: hooks))
        let deadline = Date().addingTimeInterval(30)
        while running.pipeline.status.committed.values.reduce(0, +) < Int64(lines.count) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 0.3)   // anything produced late would show up now
        let status = running.pipeline.status
        #expect(running.stop() == nil)
        return status
    }

    @Test func withoutOutputsTheEngineRunsAndNothingButDeadLettersIsProduced() throws {
        let (lines, expected) = try input()
        #expect(expected > 0)
        let status = try run(leavingOut: .outputs, lines)
        #expect(status.committed.values.reduce(0, +) == Int64(lines.count))
        // Decoded, so the malformed lines (the stream has some of its own) are refused...
        #expect(status.deadLettered >= 1)
        #expect(status.eventsProcessed + status.deadLettered == lines.count)
        // ...and their dead letters are all that reaches the broker, not the stream's outputs.
        #expect(status.outputsDelivered == status.deadLettered)
    }

    @Test func withoutTheEngineNothingIsDecodedOrProduced() throws {
        let (lines, _) = try input()
        let status = try run(leavingOut: .engine, lines)
        #expect(status.committed.values.reduce(0, +) == Int64(lines.count))
        #expect(status.eventsProcessed == lines.count)   // the malformed ones too: not even read
        #expect(status.deadLettered == 0)
        #expect(status.outputsDelivered == 0)
    }
}
