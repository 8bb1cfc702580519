import Foundation
import KafkaMock
import MomentsApp
import MomentsCore
import Testing
@testable import Kafka
@testable import MomentsRuntime

/// An output Kafka will never take (larger than the producer's `message.max.bytes`, which
/// librdkafka checks before queueing it) goes to the dead-letter topic in its place, and its
/// partition goes on committing. Before 2026-12-06 it was produced again for ever (with
/// exactly-once, each commit interval aborted and redid the work), and its partition's commits
/// stopped behind it. Only a rules file's templates can make one: here a summary of 120,000
/// characters, with the producer's limit at 100,000 bytes.
@Suite(.serialized) struct RefusedOutputTests {
    static let rules = """
        moments:
          - id: rude-agent
            kind: pain
            severity: critical
            summary: "\(String(repeating: "x", count: 120_000)) {agent_id}"
            when:
              match: { event: agent.flagged, where: { flag: rude } }
          - id: flagged
            kind: pain
            severity: low
            when:
              match: { event: agent.flagged }
        """

    static func flagged(_ n: Int) -> [UInt8] {
        Array(#"{"event_id":"e-\#(n)","type":"agent.flagged","occurred_at":"2026-12-06T09:00:0\#(n).000Z","interaction_id":"i-\#(n)","customer_id":"c-1","channel":"voice","agent_id":"a-1","data":{"flag":"rude"}}"#.utf8)
    }

    @Test func anOutputOverTheProducersLimitIsDeadLetteredAndThePartitionCommits() throws {
        try runOverTheLimit(transactionalID: nil)
    }

    /// With exactly-once the dead letter goes into the transaction in the output's place: no
    /// transaction is aborted for it.
    @Test func anOutputOverTheProducersLimitIsDeadLetteredInsideTheTransaction() throws {
        try runOverTheLimit(transactionalID: "moments-too-large")
    }

    func runOverTheLimit(transactionalID: String?) throws {
        let rules = try RulesParser.parse(yaml: Self.rules, file: "too-large.yaml").get()
        let bed = try TestBed(partitions: 1)
        try bed.produce([("c-1", Self.flagged(1), 0), ("c-1", Self.flagged(2), 0)])
        let pipeline = bed.pipeline(
            group: "too-large-\(transactionalID ?? "alo")", rules: rules, changelog: false, transactionalID: transactionalID,
            producerProperties: ["message.max.bytes": "100000"])
        let running = RunningPipeline(pipeline)
        let collector = try OutputCollector(bed: bed)
        let tp = TopicPartition(topic: bed.input, partition: 0)
        let delivered = collector.wait(seconds: 20) { records in
            let ids = Set(records.compactMap(\.cloudEventID))
            return ids.isSuperset(of: ["i-1:flagged:1", "i-2:flagged:1", "dlq:too-large:i-1:rude-agent:1", "dlq:too-large:i-2:rude-agent:1"])
        }
        let committed = waitFor(seconds: 10) { running.pipeline.status.committed[tp] == 2 }
        let status = running.pipeline.status
        _ = running.stop()
        collector.stop()
        #expect(delivered, "got \(collector.ids)")
        #expect(committed, "the partition did not commit past the refused outputs: \(status.committed)")
        #expect(status.transactionsAborted == 0)
        #expect(!collector.ids.contains("i-1:rude-agent:1"))

        let letter = try #require(collector.on(bed.topics.deadLetter).first { $0.cloudEventID == "dlq:too-large:i-1:rude-agent:1" })
        #expect(letter.key == Array("i-1".utf8), "the output's key")
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(letter.value ?? [])) as? [String: Any])
        // Dated with the refused output's time (the event's), which came from the engine thread
        // with the output's labels (`OutputFacts`): not with the wall clock.
        #expect(envelope["time"] as? String == "2026-12-06T09:00:01.000Z")
        let data = try #require(envelope["data"] as? [String: Any])
        let reason = try #require(data["reason"] as? String)
        #expect(reason.contains("i-1:rude-agent:1") && reason.contains("too large"), "\(reason)")
        let origin = try #require(data["origin"] as? [String: Any])
        #expect(origin["topic"] as? String == bed.input && origin["offset"] as? Int == 0)
        let size = try #require(data["original_size"] as? Int)
        #expect(size > 120_000)
        #expect(data["original_truncated"] as? Bool == true)
        let kept = try #require((data["original_base64"] as? String).flatMap { Data(base64Encoded: $0) })
        #expect(kept.count == Pipeline.refusedOutputKeptBytes)
        #expect(String(decoding: kept.prefix(60), as: UTF8.self).contains(#""id":"i-1:rude-agent:1""#))
    }

    /// Under a producer limit too low for the output's first 16 KiB, its dead letter carries as
    /// much of it as fits, with its size and digest.
    @Test func underALowLimitTheDeadLetterCarriesWhatFits() throws {
        let bed = try TestBed(partitions: 1)
        let tp = TopicPartition(topic: bed.input, partition: 0)
        let (p, task) = try Self.pipelineWithATask(bed, group: "low-limit", transactionalID: nil, producerProperties: ["message.max.bytes": "4000"])
        var output = Self.output(id: "i-1:long-wait:1", bed)
        output.value! += Array(repeating: UInt8(ascii: " "), count: 5000)   // JSON still: spaces after the object
        p.produce(PendingOutput(record: output, partition: tp, generation: task.generation, sequence: task.tracker.record(offset: 10, outputs: 1), arrivalWall: 0))
        #expect(p.retries.isEmpty)
        #expect(Self.polling(p) { task.tracker.committable == 11 }, "the dead letter did not complete input 10")
        let letter = try #require(try Self.read(bed.topics.deadLetter, bed).first)
        let data = try #require((try JSONSerialization.jsonObject(with: Data(letter.value ?? [])) as? [String: Any])?["data"] as? [String: Any])
        #expect(data["original_size"] as? Int == output.value!.count)
        let kept = try #require((data["original_base64"] as? String).flatMap { Data(base64Encoded: $0) })
        #expect(kept.count > 1000 && kept.count < 4000, "\(kept.count) bytes kept")
        #expect(Array(kept) == Array(output.value!.prefix(kept.count)))
        #expect(data["original_truncated"] as? Bool == true)
        #expect((data["original_sha256"] as? String)?.count == 64)
        #expect((letter.value?.count ?? 0) < 4000)
    }

    /// At librdkafka's lowest limit (1,000 bytes) a dead letter of a realistic output still
    /// fits: no original, and the reason only in the value (the header says less).
    @Test func atTheLowestLimitTheDeadLetterStillFits() throws {
        let bed = try TestBed(partitions: 1)
        let tp = TopicPartition(topic: bed.input, partition: 0)
        let (p, task) = try Self.pipelineWithATask(bed, group: "lowest-limit", transactionalID: nil, producerProperties: ["message.max.bytes": "1000"])
        var output = Self.output(id: "3f2b8c1e-5d4a-4e2b-9c1f-7a6b5c4d3e2f:rude-agent-escalation:1", bed)
        output.value! += Array(repeating: UInt8(ascii: " "), count: 1200)
        p.produce(PendingOutput(record: output, partition: tp, generation: task.generation, sequence: task.tracker.record(offset: 10, outputs: 1), arrivalWall: 0))
        #expect(p.unrecoverable == nil)
        #expect(Self.polling(p) { task.tracker.committable == 11 }, "the dead letter did not complete input 10")
        let letter = try #require(try Self.read(bed.topics.deadLetter, bed).first)
        #expect(letter.cloudEventID == "dlq:too-large:3f2b8c1e-5d4a-4e2b-9c1f-7a6b5c4d3e2f:rude-agent-escalation:1")
    }

    /// The broker's limit (the topic's `max.message.bytes`) is for a whole batch, and librdkafka
    /// fails every output of a refused batch alike: those are produced again as themselves, not
    /// replaced (a first version replaced them all, small alerts with them).
    @Test func outputsOfABatchTheBrokerRefusesAsTooLargeAreProducedAgainAsThemselves() throws {
        let bed = try TestBed(partitions: 1)
        let tp = TopicPartition(topic: bed.input, partition: 0)
        let (p, task) = try Self.pipelineWithATask(bed, group: "broker-too-large", transactionalID: nil)
        bed.broker.cluster.pushRequestErrors(apiKey: KafkaAPI.produce, errors: [KafkaError.messageTooLarge])
        for n in 1...3 {
            let output = Self.output(id: "i-\(n):long-wait:1", bed)
            p.produce(PendingOutput(record: output, partition: tp, generation: task.generation, sequence: task.tracker.record(offset: Int64(9 + n), outputs: 1), arrivalWall: 0))
        }
        #expect(Self.polling(p) { p.retries.count == 3 }, "the refusal was not reported")
        p.resendFailed()
        #expect(Self.polling(p) { task.tracker.committable == 13 }, "the outputs produced again did not land")
        let alerts = Set(try Self.read(bed.topics.alerts, bed).compactMap(\.cloudEventID))
        #expect(alerts == ["i-1:long-wait:1", "i-2:long-wait:1", "i-3:long-wait:1"])
        #expect(try Self.read(bed.topics.deadLetter, bed, seconds: 1).isEmpty)
    }

    /// A dead letter refused in turn (a producer limit below what even a dead letter without the
    /// original needs) stops the pipeline rather than being produced again for ever.
    @Test func aRefusedDeadLetterStopsThePipeline() throws {
        let bed = try TestBed(partitions: 1)
        let tp = TopicPartition(topic: bed.input, partition: 0)
        let (p, task) = try Self.pipelineWithATask(bed, group: "refused-letter", transactionalID: nil, producerProperties: ["message.max.bytes": "1000"])
        // An id of 600 bytes: it is in the dead letter's id, reason and header, over 1,000 bytes.
        let id = "i-1:" + String(repeating: "x", count: 600)
        var output = Self.output(id: id, bed)
        output.value! += Array(repeating: UInt8(ascii: " "), count: 1000)
        p.produce(PendingOutput(record: output, partition: tp, generation: task.generation, sequence: task.tracker.record(offset: 10, outputs: 1), arrivalWall: 0))
        #expect((p.unrecoverable as? KafkaError)?.code == KafkaError.messageTooLarge)
        #expect(p.retries.isEmpty)
        #expect(task.tracker.committable == nil)
    }

    /// With exactly-once, the transaction that holds the input's offset must not commit: the
    /// pipeline's stop would otherwise commit it, with neither the output nor its dead letter.
    @Test func withExactlyOnceARefusedDeadLetterAbortsTheTransaction() throws {
        let bed = try TestBed(partitions: 1)
        let tp = TopicPartition(topic: bed.input, partition: 0)
        let (p, task) = try Self.pipelineWithATask(
            bed, group: "eos-refused-letter", transactionalID: "moments-eos-refused-letter", producerProperties: ["message.max.bytes": "1000"])
        let id = "i-1:" + String(repeating: "x", count: 600)
        var output = Self.output(id: id, bed)
        output.value! += Array(repeating: UInt8(ascii: " "), count: 1000)
        p.produce(PendingOutput(record: output, partition: tp, generation: task.generation, sequence: task.tracker.record(offset: 10, outputs: 1), arrivalWall: 0))
        #expect(p.unrecoverable != nil)
        #expect(p.transactionFailed)
        try p.commitTransaction()
        #expect(p.status.commits == 0, "input 10's offset was committed without its output or its dead letter")
        #expect(!p.inTransaction, "the transaction was not aborted")
    }

    /// Serves the producer's delivery reports until `condition` holds (20 s at most).
    static func polling(_ p: Pipeline, until condition: () -> Bool) -> Bool {
        waitFor(seconds: 20) {
            p.producer.poll(timeoutMs: 20)
            return condition()
        }
    }

    static func output(id: String, _ bed: TestBed) -> OutputRecord {
        OutputRecord(
            topic: bed.topics.alerts, key: Array("i-1".utf8),
            value: Array(#"{"specversion":"1.0","id":"\#(id)","source":"test","type":"com.example.alert","time":"2026-12-06T09:00:00.000Z"}"#.utf8),
            headers: [], id: id, kind: .alert)
    }

    /// A pipeline whose bookkeeping the test drives, with clients of the embedded broker whose
    /// delivery reports reach it, and a task for input partition 0 at offset 10.
    static func pipelineWithATask(
        _ bed: TestBed, group: String, transactionalID: String?, producerProperties: [String: String] = [:]
    ) throws -> (Pipeline, PartitionTask) {
        let tp = TopicPartition(topic: bed.input, partition: 0)
        let p = bed.pipeline(
            group: group, rules: try Stream.defaultRules(), changelog: false, transactionalID: transactionalID, producerProperties: producerProperties)
        var producerProperties = p.configuration.producerProperties
        if let transactionalID { producerProperties["transactional.id"] = transactionalID }
        p.producer = try KafkaProducer(configuration: KafkaConfiguration(producerProperties), onDelivery: { [unowned p] in p.delivered($0) })
        p.consumer = try KafkaConsumer(configuration: KafkaConfiguration(p.configuration.consumerProperties))
        if transactionalID != nil { try p.producer.initTransactions() }
        try p.consumer.assign([tp: 0])
        let task = PartitionTask(partition: tp, generation: p.nextGeneration, rules: p.rules, committed: nil)
        p.nextGeneration += 1
        task.lastOffset = 10
        p.tasks[tp] = task
        return (p, task)
    }

    /// What `topic` holds (committed records only), read from the start.
    static func read(_ topic: String, _ bed: TestBed, seconds: Double = 10) throws -> [ConsumerRecord] {
        let consumer = try KafkaConsumer(configuration: KafkaConfiguration([
            "bootstrap.servers": bed.broker.bootstrapServers, "group.id": "reader-\(UUID().uuidString)", "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": "20",
        ]))
        defer { consumer.close() }
        try consumer.subscribe(topics: [topic])
        var records: [ConsumerRecord] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let r = try consumer.poll(timeoutMs: 50) { records.append(r) } else if !records.isEmpty { break }
        }
        return records
    }
}
