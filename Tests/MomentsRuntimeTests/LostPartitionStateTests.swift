import Foundation
import Kafka
import KafkaMock
import MomentsApp
import MomentsCore
import Testing
@testable import MomentsRuntime

/// A lost partition (its new owner may already be running it) gets no more changelog writes.
/// Its outputs and state records in flight are still waited for, and the drain used to run
/// while its task was still there: a customer record acknowledged during it sent its batch's
/// partition record, which could land after the new owner's and be restored in its place.
/// Here the same instance gets the partitions back, and that late partition record, ahead of
/// the commit, made it pass over the records it claimed to reflect.
@Suite(.serialized) struct LostPartitionStateTests {
    @Test func stateAcknowledgedWhileALostPartitionDrainsWritesNoPartitionRecord() throws {
        let rules = try Stream.defaultRules()
        let (events, partitions, expectedIDs) = Stream.twoPartitionStream(rules: rules)
        #expect(expectedIDs.count > 100)

        // Three brokers: input and group coordinator on 1, outputs on 2, the changelog on 3, so
        // that only the state records' acknowledgements can be held back.
        let group = "lost-drain"
        let bed = try TestBed(partitions: partitions, brokers: 3)
        let pipeline = bed.pipeline(
            group: group, rules: rules, drainTimeout: .milliseconds(15_000), consumerProperties: ["heartbeat.interval.ms": "500"])
        let cluster = bed.broker.cluster
        try cluster.setCoordinator(key: group, broker: 1)
        try bed.lead([bed.input], on: 1)
        try bed.lead(bed.topics.all, on: 2)
        try bed.lead(["\(group)-state-changelog"], on: 3)
        let messages = Stream.messages(events, partitions: partitions)
        let first = Array(messages[..<800])
        var ends: [TopicPartition: Int64] = [:]
        for m in first { ends[TopicPartition(topic: bed.input, partition: m.partition!), default: 0] += 1 }
        try bed.produce(first)
        let running = RunningPipeline(pipeline)
        // Everything of the first 800 written and committed: the last partition records are behind the commit.
        #expect(waitFor(seconds: 60) {
            let s = pipeline.status
            return s.eventsProcessed >= 800 && s.outputsInFlight == 0 && ends.allSatisfy { s.committed[$0.key] == $0.value }
        })

        // The next produce response of broker 3 (the state of the events below) comes 3 s late,
        // and the later ones on that connection wait behind it.
        try cluster.pushBrokerRequestError(broker: 3, apiKey: KafkaAPI.produce, error: 0, rttMs: 3000)
        try bed.produce(Array(messages[800...]))
        #expect(waitFor(seconds: 30) { pipeline.status.eventsProcessed >= events.count })
        Thread.sleep(forTimeInterval: 0.6)   // checkpoints (every 200 ms) take the state and send it
        #expect(pipeline.status.outputsInFlight > 0, "no state in flight: the test did not reach its case")
        cluster.pushRequestErrors(apiKey: KafkaAPI.heartbeat, errors: [KafkaError.illegalGeneration])
        #expect(waitFor(seconds: 30) { pipeline.status.partitionsLost == partitions })
        // Back as new tasks, restored from the changelog, and through the input again.
        #expect(waitFor(seconds: 60) {
            let s = pipeline.status
            return s.ready && s.assigned.count == partitions && s.restoredCustomers > 0 && s.outputsInFlight == 0
                && ends.keys.allSatisfy { (s.committed[$0] ?? 0) > ends[$0]! }
        }, "not back: \(EndToEndTests.readiness(pipeline.status))")

        let collector = try OutputCollector(bed: bed)
        collector.wait(seconds: 60) { records in expectedIDs.isSubset(of: Set(records.compactMap(\.cloudEventID))) }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(running.stop() == nil)
        collector.stop()

        let s = pipeline.status
        // The lost tasks' state records were acknowledged during the drain, for no task.
        #expect(s.staleDeliveries > 0, "nothing acknowledged during the drain: the test did not reach its case")
        #expect(s.recordsPassedOver == 0, "a partition record written for a lost partition: \(s.recordsPassedOver) records passed over")
        let gotIDs = Stream.outputIDs(collector, bed)
        #expect(expectedIDs.subtracting(gotIDs).isEmpty, "missing \(expectedIDs.subtracting(gotIDs).sorted().prefix(10))")
        #expect(gotIDs.subtracting(expectedIDs).isEmpty, "unexpected \(gotIDs.subtracting(expectedIDs).sorted().prefix(10))")
    }
}
