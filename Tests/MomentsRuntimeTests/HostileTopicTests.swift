import Foundation
import Kafka
import Logging
import MomentsApp
import MomentsCore
import MomentsRuntime
import Testing

/// Hostile input over the broker: a message that cannot be decoded must end in the dead-letter
/// topic without holding up what follows it.
@Suite struct HostileTopicTests {
    /// An 800 kB garbage message: within the decoder's 1 MiB limit and the producer's default
    /// 1,000,000-byte message size. Its dead letter carries the first 256 KiB (whole in base64 it
    /// would be ~1.07 MB, over the limit, and retried for ever), the size and the digest.
    @Test func aLargeUndecodableMessageIsDeadLetteredAndTheNextEventStillCounts() throws {
        let good = #"{"event_id":"e-2","type":"agent.flagged","occurred_at":"2026-11-24T09:00:00.000Z","interaction_id":"i-2","customer_id":"c-1","channel":"voice","agent_id":"a-1","data":{"flag":"rude"}}"#
        let garbage = [UInt8](repeating: UInt8(ascii: "x"), count: 800_000)
        let bed = try TestBed(partitions: 1)
        try bed.produce([("c-1", garbage, 0), ("c-1", Array(good.utf8), 0)])
        let running = try Self.running(bed, group: "hostile")
        let collector = try OutputCollector(bed: bed)
        let alerted = collector.wait(seconds: 15) { records in records.contains { $0.cloudEventID == "i-2:rude-agent:1" } }
        let deadLettered = collector.wait(seconds: 3) { records in records.contains { $0.topic == bed.topics.deadLetter } }
        // The partition keeps committing: nothing is stuck behind the dead letter.
        let committed = waitFor(seconds: 5) { running.pipeline.status.commits > 0 }
        _ = running.stop()
        collector.stop()
        #expect(alerted, "the event after the large garbage message was not processed")
        #expect(deadLettered, "no dead letter for the large message")
        #expect(committed, "no commit after the dead letter")
        let letter = try #require(collector.all.first { $0.topic == bed.topics.deadLetter })
        let data = try #require((try JSONSerialization.jsonObject(with: Data(letter.value ?? [])) as? [String: Any])?["data"] as? [String: Any])
        #expect(data["original_size"] as? Int == 800_000)
        #expect(data["original_truncated"] as? Bool == true)
        #expect((data["original_base64"] as? String).flatMap { Data(base64Encoded: $0) }?.count == DeadLetter.maxOriginalBytes)
    }

    /// A message of no bytes is an empty message, as a null one is: it was counted as invalid
    /// JSON (`moments_decode_failures_total{reason="invalid_json"}`).
    @Test func aMessageOfNoBytesIsAnEmptyMessage() throws {
        let bed = try TestBed(partitions: 1)
        try bed.produce([("c-1", [], 0)])
        let running = try Self.running(bed, group: "hostile-empty")
        let collector = try OutputCollector(bed: bed)
        let deadLettered = collector.wait(seconds: 15) { records in records.contains { $0.topic == bed.topics.deadLetter } }
        _ = running.stop()
        collector.stop()
        #expect(deadLettered)
        let letter = try #require(collector.all.first { $0.topic == bed.topics.deadLetter })
        let data = try #require((try JSONSerialization.jsonObject(with: Data(letter.value ?? [])) as? [String: Any])?["data"] as? [String: Any])
        #expect(data["reason"] as? String == "empty message (no bytes)")
        #expect(DecodeError(field: nil, reason: "empty message (no bytes)").category == "empty_message")
    }

    static func running(_ bed: TestBed, group: String) throws -> RunningPipeline {
        var config = PipelineConfiguration(
            consumerProperties: ["bootstrap.servers": bed.broker.bootstrapServers, "group.id": group, "fetch.wait.max.ms": "20", "session.timeout.ms": "6000"],
            producerProperties: ["bootstrap.servers": bed.broker.bootstrapServers], inputTopics: [bed.input], routing: bed.routing)
        config.commitInterval = .milliseconds(200)
        config.wallClockAdvance = false
        config.drainTimeout = .seconds(1)
        let logger = Logger(label: "test") { MomentsLogHandler(label: $0, format: .logfmt, level: .error) }
        return RunningPipeline(Pipeline(configuration: config, rules: try Stream.defaultRules(), logger: logger))
    }
}
