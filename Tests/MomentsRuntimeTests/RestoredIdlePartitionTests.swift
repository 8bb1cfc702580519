import Foundation
import Kafka
import MomentsApp
import MomentsCore
import Testing
@testable import MomentsRuntime

/// A wait restored from the changelog is reported by its timer even when no further input
/// reaches the partition. An idle partition's clock is advanced by wall time from an anchor that
/// only an applied record set, so until 2026-12-07 a customer queued when an instance died was
/// never reported by the instance that took over, unless the partition received another event.
@Suite(.serialized) struct RestoredIdlePartitionTests {
    @Test func aRestoredWaitIsReportedOnAnIdlePartition() throws {
        let rules = try RulesParser.parse(yaml: """
            moments:
              - id: long-wait
                kind: pain
                severity: high
                when:
                  wait: { from: interaction.queued, until: [agent.connected, interaction.ended], longer_than: 3s }
            """, file: "t.yaml").get()
        // The instance that died: it applied the queued event at offset 0 and wrote its state.
        let now = Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        let queued = #"{"event_id":"q-1","type":"interaction.queued","occurred_at":"\#(now)","interaction_id":"i-w","customer_id":"c-w","channel":"voice","queue":"billing"}"#
        var engine = Engine(rules: rules)
        engine.tracksChanges = true
        #expect(engine.process(try EventDecoder().decode(queued).get()).isEmpty)
        let states = engine.takeChangedStates()
        let partitionRecord = engine.partitionState(inputOffset: 0)

        let group = "idle-restore"
        let bed = try TestBed(partitions: 1)
        let pipeline = bed.pipeline(group: group, rules: rules, wallClockAdvance: true)
        let changelog = Changelog(topic: "\(group)-state-changelog")
        let input = TopicPartition(topic: bed.input, partition: 0)
        try bed.produce([(key: "c-w", value: Array(queued.utf8), partition: 0)])
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": bed.broker.bootstrapServers]), onDelivery: { _ in })
        var token: UInt64 = 1
        for s in states {
            try producer.produce(topic: changelog.topic, partition: 0, key: changelog.key(input, s.customer), value: s.encoded(), headers: [(Changelog.offsetHeader, Array("0".utf8))], token: token)
            token += 1
        }
        try producer.produce(topic: changelog.topic, partition: 0, key: changelog.key(input, ""), value: partitionRecord, headers: [Changelog.partitionHeader], token: token)
        try producer.flush(timeoutMs: 10_000)
        let committer = try KafkaConsumer(configuration: KafkaConfiguration(["bootstrap.servers": bed.broker.bootstrapServers, "group.id": group]))
        try committer.commit([input: 1], synchronous: true)
        committer.close()

        // The instance that takes over: nothing more arrives on the partition.
        let collector = try OutputCollector(bed: bed)
        let running = RunningPipeline(pipeline)
        let reported = collector.wait(seconds: 30) { $0.contains { $0.cloudEventID == "i-w:long-wait:1" } }
        _ = running.stop()
        collector.stop()
        #expect(pipeline.status.restoredCustomers == 1)
        #expect(pipeline.status.eventsProcessed == 0)
        #expect(reported, "the restored wait was not reported")
    }

    /// The clock is anchored once the partition has read what waits for it, not at the restore:
    /// partitions are restored one after the other, and a clock running from then fired waits
    /// whose closing event was still in the backlog. With no high watermark known yet (nothing
    /// fetched), nothing is anchored.
    @Test func aRestoredClockWaitsUntilItsBacklogIsRead() throws {
        let p = try PendingHandoverTests.pipeline()
        p.consumer = try KafkaConsumer(configuration: KafkaConfiguration(["bootstrap.servers": "127.0.0.1:1", "group.id": "anchor"]), log: { _, _, _ in })
        let tp = TopicPartition(topic: "interactions", partition: 0)
        let task = PartitionTask(partition: tp, generation: 0, rules: p.rules, committed: 5)
        task.anchorsWhenCaughtUp = true
        p.tasks[tp] = task
        p.anchorCaughtUpClocks(wall: 1_000)
        #expect(task.clock.now(wallMs: 2_000) == nil)
        #expect(task.anchorsWhenCaughtUp)
        p.consumer.close()
    }
}
