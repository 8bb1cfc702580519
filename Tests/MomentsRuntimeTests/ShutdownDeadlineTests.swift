import Foundation
import KafkaMock
import MomentsApp
import MomentsCore
import MomentsRuntime
import Testing

/// A graceful stop ends within one `drainTimeout` of waiting for acknowledgements, however many
/// drains it runs: its own, the checkpoint's two (with a changelog), the revocation's as the
/// consumer closes. Each waited the whole timeout afresh, so a stop with outputs that could not
/// be acknowledged took four to seven times `shutdown_timeout`, past every grace period the
/// deployment files give before a SIGKILL.
@Suite struct ShutdownDeadlineTests {
    @Test func aStopWithOutputsThatCannotBeAcknowledgedEndsWithinOneDrainTimeout() throws {
        let rules = try Stream.defaultRules()
        let (events, partitions, _) = Stream.twoPartitionStream(rules: rules)
        // The input and the group coordinator on broker 1, what the pipeline writes on broker 2,
        // so that only the pipeline's produce responses are held back.
        let group = "stop-deadline"
        let bed = try TestBed(partitions: partitions, brokers: 2)
        let pipeline = bed.pipeline(group: group, rules: rules, drainTimeout: .milliseconds(2000))
        try bed.broker.cluster.setCoordinator(key: group, broker: 1)
        try bed.lead([bed.input], on: 1)
        try bed.lead(bed.topics.all + ["\(group)-state-changelog"], on: 2)
        let messages = Stream.messages(events, partitions: partitions)
        try bed.produce(Array(messages[..<800]))
        let running = RunningPipeline(pipeline)
        #expect(waitFor(seconds: 60) { pipeline.status.commits > 0 && pipeline.status.eventsProcessed >= 800 && pipeline.status.outputsInFlight == 0 })
        // Broker 2's next produce response comes a minute late, and every later one waits behind it.
        try bed.broker.cluster.pushBrokerRequestError(broker: 2, apiKey: KafkaAPI.produce, error: 0, rttMs: 60_000)
        try bed.produce(Array(messages[800...]))
        #expect(waitFor(seconds: 30) { pipeline.status.eventsProcessed >= events.count && pipeline.status.outputsInFlight > 0 })

        let stopping = Date()
        #expect(running.stop() == nil)
        let took = Date().timeIntervalSince(stopping)
        // The drain's 2 s, the commit, leaving the group and the producer's last flush (1 s).
        #expect(took < 8, "the stop took \(took) s")   // 13 s when each drain waited afresh
        #expect(pipeline.status.outputsInFlight > 0, "acknowledged after all: the test did not reach its case")
    }
}
