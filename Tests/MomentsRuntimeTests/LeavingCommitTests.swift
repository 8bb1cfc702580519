import Foundation
import Kafka
import MomentsApp
import MomentsCore
import MomentsRuntime
import Testing

/// Partitions that leave are committed by the pipeline itself, synchronously, and librdkafka's
/// committer must not commit them again on their way out: what it still holds for them is the
/// offset stored at the last checkpoint, older than the one just committed, and it commits that
/// without comparing, which would move the group back (its next owner processing again what was
/// finished).
@Suite(.serialized, .timeLimit(.minutes(3))) struct LeavingCommitTests {
    @Test func aStopDoesNotMoveTheCommitBack() throws {
        let lines = try Stream.referenceLines()
        let messages = Stream.keyedMessages(lines)
        let bed = try TestBed(partitions: 1)
        let committed = try bed.committedOffset(group: "leaving")

        // Checkpoints far apart, so that the stop comes between two of them (librdkafka's
        // committer sends what the first stored within 100 ms: about 14 s are left for the rest).
        let pipeline = bed.pipeline(group: "leaving", rules: try Stream.defaultRules(), changelog: false, commitInterval: .seconds(15))
        try bed.produce(Array(messages.prefix(20)))
        let running = RunningPipeline(pipeline)
        #expect(waitFor(seconds: 40) { committed() == 20 })   // stored at a checkpoint, committed by librdkafka
        try bed.produce(Array(messages[20..<30]))
        #expect(waitFor(seconds: 20) {
            let s = pipeline.status
            return s.eventsProcessed + s.deadLettered == 30 && s.outputsInFlight == 0
        })
        #expect(running.stop() == nil)
        #expect(committed() == 30, "the stop's commit was moved back to the offset stored before it")
    }
}
