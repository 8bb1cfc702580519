import Foundation
import Kafka
import KafkaMock
import MomentsApp
import MomentsCore
import MomentsRuntime
import Testing

/// At-least-once: an asynchronous commit the group coordinator refuses (a rebalance under way,
/// the coordinator moved, the generation ended) is committed again. Its refusal went unheard:
/// the offset was taken for committed when it was sent, so a partition that made no further
/// progress was never committed again, not even when it was revoked or the daemon stopped, and
/// its next owner processed again what had been finished.
@Suite(.serialized, .timeLimit(.minutes(3))) struct CommitRefusalTests {
    @Test func aRefusedCommitIsCommittedAgain() throws {
        let lines = try Stream.referenceLines()
        let messages = Stream.keyedMessages(lines)
        let bed = try TestBed(partitions: 1)
        let committed = try bed.committedOffset(group: "refused")

        try bed.produce(Array(messages.prefix(50)))
        let running = RunningPipeline(bed.pipeline(group: "refused", rules: try Stream.defaultRules(), changelog: false))
        #expect(waitFor(seconds: 30) { committed() == 50 })

        // The next commit, the one for input 50, is refused.
        bed.broker.cluster.pushRequestErrors(apiKey: KafkaAPI.offsetCommit, errors: [27 /* REBALANCE_IN_PROGRESS */])
        try bed.produce([messages[50]])
        #expect(waitFor(seconds: 15) { committed() == 51 }, "the refused commit was not made again while the pipeline ran")
        let stopError = running.stop()
        #expect(stopError == nil)
        #expect(committed() == 51)
    }

    /// Leaving, every partition's offset is committed, whether or not it was sent before: the
    /// refusal of the last asynchronous commit may not have been heard by then.
    @Test func aStopCommitsEvenAnOffsetSentBefore() throws {
        let lines = try Stream.referenceLines()
        let bed = try TestBed(partitions: 1)
        let committed = try bed.committedOffset(group: "refused-stop")

        try bed.produce(Stream.keyedMessages(lines.prefix(20)))
        let running = RunningPipeline(bed.pipeline(group: "refused-stop", rules: try Stream.defaultRules(), changelog: false))
        #expect(waitFor(seconds: 30) { running.pipeline.status.eventsProcessed == 20 && running.pipeline.status.outputsInFlight == 0 })
        #expect(waitFor(seconds: 10) { committed() == 20 })
        // Refused, and the stop comes before its refusal can be heard (the answer waits 3 s).
        try bed.broker.cluster.pushBrokerRequestError(broker: 1, apiKey: KafkaAPI.offsetCommit, error: 27, rttMs: 3000)
        try bed.produce(Stream.keyedMessages(lines.dropFirst(20).prefix(1)))
        #expect(waitFor(seconds: 10) { running.pipeline.status.eventsProcessed == 21 && running.pipeline.status.outputsInFlight == 0 })
        Thread.sleep(forTimeInterval: 0.5)   // a checkpoint (every 200 ms) hands offset 21 over
        let stopError = running.stop()
        #expect(stopError == nil)
        #expect(committed() == 21)
    }
}
