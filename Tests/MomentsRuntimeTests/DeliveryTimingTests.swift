import Foundation
import MomentsApp
import MomentsCore
import Testing
@testable import Kafka
@testable import MomentsRuntime

/// The latency benchmark splits an output's path with `DeliveryTiming`: the pipeline must
/// stamp the hand-off to the producer and report both spans on its own clock.
@Suite struct DeliveryTimingTests {
    final class ManualClock: WallClock, @unchecked Sendable {
        private let lock = NSLock()
        private var now: Int64 = 0
        func set(_ ms: Int64) { lock.lock(); now = ms; lock.unlock() }
        func milliseconds() -> Int64 { lock.lock(); defer { lock.unlock() }; return now }
    }

    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [(String, DeliveryTiming)] = []
        private var reports: [DeliveryReport] = []
        func add(_ id: String, _ t: DeliveryTiming) { lock.lock(); items.append((id, t)); lock.unlock() }
        func add(_ r: DeliveryReport) { lock.lock(); reports.append(r); lock.unlock() }
        var timings: [(String, DeliveryTiming)] { lock.lock(); defer { lock.unlock() }; return items }
        var delivered: [DeliveryReport] { lock.lock(); defer { lock.unlock() }; return reports }
    }

    @Test func theHookGetsTheSpansBeforeAndAfterTheHandOffToTheProducer() throws {
        let bed = try TestBed(partitions: 1)
        let clock = ManualClock()
        let collected = Collected()
        var hooks = PipelineHooks()
        hooks.delivered = { record, _, timing in collected.add(record.id, timing) }
        let tp = TopicPartition(topic: bed.input, partition: 0)
        let config = PipelineConfiguration(consumerProperties: [:], producerProperties: [:], inputTopics: [tp.topic], routing: bed.routing)
        let p = Pipeline(configuration: config, rules: try Stream.defaultRules(), wallClock: clock, hooks: hooks)
        // A producer of the test's own, on the embedded broker: its reports are handed to the
        // pipeline below, on this thread, with the clock where the test wants it.
        p.producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": bed.broker.bootstrapServers]), onDelivery: { collected.add($0) })
        let task = PartitionTask(partition: tp, generation: p.nextGeneration, rules: p.rules, committed: 0)
        p.tasks[tp] = task

        let alert = OutputRecord(topic: bed.topics.alerts, key: Array("c-1".utf8), value: Array("{}".utf8), headers: [], id: "alert-1", kind: .alert)
        clock.set(1_130)   // the batch's engine work took 30 ms since its poll at 1,100
        p.send([(alert, OutputFacts())], from: task, offset: 0, arrivalWall: 1_100)
        try p.producer.flush(timeoutMs: 10_000)
        let report = try #require(collected.delivered.first)
        #expect(report.error == nil)

        clock.set(1_175)   // acknowledged 45 ms after the hand-off
        p.delivered(report)
        let (id, timing) = try #require(collected.timings.first)
        #expect(id == "alert-1")
        #expect(timing.polledToProducedMs == 30)
        #expect(timing.producedToAcknowledgedMs == 45)
    }
}
