import Foundation
import Kafka
import Logging
import MomentsApp
import MomentsCore
import MomentsRuntime
import Testing

/// A topic configured with a vendor dialect, end to end over the broker: the pipeline decodes
/// each record in its topic's dialect, processes every event a message gives, skips messages
/// that give none, and dead-letters the unreadable ones.
@Suite struct VendorTopicTests {
    @Test func twilioTaskRouterTopicGivesMomentsAndDeadLetters() throws {
        let dir = Stream.root.appendingPathComponent("schemas/dialects/twilio-taskrouter")
        let files = ["01-task-created.json", "02-task-queue-entered.json", "03-reservation-created.json", "04-reservation-accepted.json", "06-task-completed.json"]
        var inputs: [(key: String?, value: [UInt8], partition: Int32?)] = try files.map { ("cust-8842", [UInt8](try Data(contentsOf: dir.appendingPathComponent($0))), 0) }
        inputs.insert(("cust-8842", Array(#"{"EventType":"task.created","TaskAttributes":"{\"from\":"}"#.utf8), 0), at: 2)   // no TaskSid, broken attributes

        let bed = try TestBed(partitions: 1)
        try bed.produce(inputs)
        var config = PipelineConfiguration(
            consumerProperties: ["bootstrap.servers": bed.broker.bootstrapServers, "group.id": "vendor", "fetch.wait.max.ms": "20", "session.timeout.ms": "6000"],
            producerProperties: ["bootstrap.servers": bed.broker.bootstrapServers], inputTopics: [bed.input], routing: bed.routing)
        config.commitInterval = .milliseconds(200)
        config.wallClockAdvance = false
        config.dialects = [bed.input: DialectDecoder(dialect: .twilioTaskRouter)]
        let logger = Logger(label: "test") { MomentsLogHandler(label: $0, format: .logfmt, level: .warning) }
        let running = RunningPipeline(Pipeline(configuration: config, rules: try Stream.defaultRules(), logger: logger))
        let collector = try OutputCollector(bed: bed)
        let task = "WT8f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
        let done = collector.wait(seconds: 30) { records in
            records.contains { $0.cloudEventID == "\(task):fast-resolution:1" } && records.contains { $0.topic == bed.topics.deadLetter }
        }
        _ = running.stop()
        collector.stop()
        #expect(done)
        let alerts = collector.on(bed.topics.alerts).compactMap(\.cloudEventID)
        #expect(alerts == ["\(task):long-wait:1", "\(task):fast-resolution:1"])
        let letters = collector.on(bed.topics.deadLetter)
        #expect(letters.count == 1)
        #expect(letters.first?.headerText("moments.source.offset") == "2")
        #expect(letters.first?.headerText("moments.reason")?.contains("TaskSid") == true)
    }
}
