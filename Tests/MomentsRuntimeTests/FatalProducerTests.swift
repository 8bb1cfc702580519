import Foundation
import KafkaMock
import MomentsApp
import MomentsCore
import Testing
@testable import Kafka
@testable import MomentsRuntime

/// At-least-once: a fatal error of the idempotent producer (INTRODUCTION.md, "Fatal errors": it
/// can no longer keep its promise of order without duplicates) makes it refuse every later
/// message. It went unseen: the refused outputs were produced again every 10 ms for ever, and
/// commits stalled behind them. The pipeline now stops with the error, committing nothing past
/// an output that was not acknowledged, so the daemon exits for its supervisor to restart it.
///
/// Real fatal errors cannot be provoked at will, not even on the embedded broker; librdkafka's
/// `rd_kafka_test_fatal_error` raises a fabricated one, handled exactly like a real one.
@Suite(.serialized, .timeLimit(.minutes(3))) struct FatalProducerTests {
    static let outOfOrderSequence: Int32 = 45   // OUT_OF_ORDER_SEQUENCE_NUMBER

    @Test func aFatalProducerErrorStopsThePipelineWithItAndNothingIsCommittedPastTheFailedOutput() throws {
        let lines = try Stream.referenceLines()
        let rules = try Stream.defaultRules()
        // The first input that gives an output: its offset (one partition, a new topic).
        var replayer = Replayer(rules: rules)
        let firstWithOutput = try #require(lines.indices.first { n in
            replayer.feed(line: Array(lines[n].utf8), file: "test", lineNumber: n + 1).contains { if case .output = $0 { true } else { false } }
        })
        #expect(firstWithOutput > 0, "the test wants inputs without outputs before it, to see them committed")

        let bed = try TestBed(partitions: 1)
        let running = RunningPipeline(bed.pipeline(group: "fatal", rules: rules, changelog: false))
        #expect(waitFor(seconds: 20) { !running.pipeline.status.assigned.isEmpty })
        // Assigned, so `open()` made the producer long ago; only its own thread changes it.
        running.pipeline.producer.raiseFatalErrorForTesting(code: Self.outOfOrderSequence, reason: "as the idempotent producer would")
        try bed.produce(lines.map { (Stream.customerKey($0) ?? "unknown", Array($0.utf8), nil) })

        // Values bound first: an expectation that fails reflects what it names, and a pipeline's
        // engines hold timestamps (`Timestamp.min`) the reflection traps on.
        let ended = running.ended(within: 30)
        #expect(ended, "the pipeline went on with a producer that refuses every message")
        let error = running.stop()
        let fatal = try #require(error as? KafkaError, "\(String(describing: error))")
        #expect(fatal.isFatal && fatal.code == Self.outOfOrderSequence)
        let delivered = running.pipeline.status.outputsDelivered
        #expect(delivered == 0)

        let reader = try KafkaConsumer(configuration: KafkaConfiguration(["bootstrap.servers": bed.broker.bootstrapServers, "group.id": "fatal"]))
        let committed = try reader.committed([TopicPartition(topic: bed.input, partition: 0)], timeoutMs: 5000)
        // The inputs before it, acknowledged (they had no outputs), are committed; nothing past it.
        #expect(committed[TopicPartition(topic: bed.input, partition: 0)] == Int64(firstWithOutput))
    }

    /// An output queued when the error came is purged by librdkafka and reported failed: it is
    /// not produced again (it would be refused for ever), and the pipeline stops.
    @Test func aDeliveryFailedAfterAFatalErrorIsNotProducedAgain() throws {
        let bed = try TestBed(partitions: 1)
        let tp = TopicPartition(topic: bed.input, partition: 0)
        let p = bed.pipeline(group: "fatal-report", rules: try Stream.defaultRules(), changelog: false)
        // Held in the producer's queue (a long linger) until the fatal error purges it.
        p.producer = try KafkaProducer(
            configuration: KafkaConfiguration(p.configuration.producerProperties.merging(["linger.ms": "60000"]) { $1 }), log: { _, _, _ in },
            onDelivery: { [unowned p] in p.delivered($0) })
        let task = PartitionTask(partition: tp, generation: p.nextGeneration, rules: p.rules, committed: 3)
        p.nextGeneration += 1
        p.tasks[tp] = task
        task.lastOffset = 3
        let record = OutputRecord(topic: bed.topics.alerts, key: Array("i-1".utf8), value: [1], headers: [], id: "i-1:m:1", kind: .alert)
        p.produce(PendingOutput(record: record, partition: tp, generation: task.generation, sequence: task.tracker.record(offset: 3, outputs: 1), arrivalWall: 0))
        let queued = p.pending.count
        #expect(queued == 1)

        p.producer.raiseFatalErrorForTesting(code: Self.outOfOrderSequence, reason: "as the idempotent producer would")
        #expect(waitFor(seconds: 10) { p.producer.poll(timeoutMs: 50); return p.pending.isEmpty })
        // Values bound first (see above).
        let retries = p.retries.count
        let stoppedWith = (p.unrecoverable as? KafkaError)?.isFatal
        let committable = task.tracker.committable
        #expect(retries == 0, "a purged output was set aside to be produced again")
        #expect(stoppedWith == true)
        #expect(committable == 3, "input 3 must stay uncommitted")
        p.producer.stopDeliveryReports()
    }
}
