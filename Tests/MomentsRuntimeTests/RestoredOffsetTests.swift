import Foundation
import Kafka
import MomentsApp
import MomentsCore
import Testing
@testable import MomentsRuntime

/// State written before a task has applied a record of its own (a reload that changed every
/// customer, right after a restore) says it reflects what the restored state reflected. Until
/// 2026-12-07 its partition record said `input_offset: null` and its customer records carried no
/// offset, so a restore from them no longer passed over the records that state already held.
@Suite(.serialized) struct RestoredOffsetTests {
    @Test func stateWrittenBeforeTheFirstRecordReflectsTheRestoredOffset() throws {
        let yaml = """
            moments:
              - id: long-wait
                kind: pain
                when:
                  wait: { from: interaction.queued, until: [agent.connected, interaction.ended], longer_than: 120s }
              - id: rude-agent
                kind: pain
                when:
                  match: { event: agent.flagged, where: { flag: rude } }
            """
        let rules = try RulesParser.parse(yaml: yaml, file: "t.yaml").get()
        let fewer = try RulesParser.parse(yaml: String(yaml[..<yaml.range(of: "  - id: rude-agent")!.lowerBound]), file: "t.yaml").get()
        #expect(fewer.moments.count == 1)
        let lines = [
            #"{"event_id":"e-1","type":"interaction.started","occurred_at":"2026-11-24T09:00:00Z","interaction_id":"i-1","customer_id":"c-1","channel":"voice"}"#,
            #"{"event_id":"e-2","type":"interaction.queued","occurred_at":"2026-11-24T09:00:01Z","interaction_id":"i-1","customer_id":"c-1","channel":"voice","queue":"billing"}"#,
            #"{"event_id":"e-3","type":"agent.connected","occurred_at":"2026-11-24T09:00:30Z","interaction_id":"i-1","customer_id":"c-1","channel":"voice","agent_id":"a-1"}"#,
        ]
        // The previous owner applied offsets 0 to 2, wrote its state and committed 3.
        var engine = Engine(rules: rules)
        engine.tracksChanges = true
        for line in lines { _ = engine.process(try EventDecoder().decode(line).get()) }
        let states = engine.takeChangedStates()
        let group = "restored-offset"
        let bed = try TestBed(partitions: 1)
        let input = TopicPartition(topic: bed.input, partition: 0)
        let changelog = Changelog(topic: "\(group)-state-changelog")
        try bed.produce(lines.map { (key: "c-1", value: Array($0.utf8), partition: 0) })
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": bed.broker.bootstrapServers]), onDelivery: { _ in })
        var token: UInt64 = 1
        for s in states {
            try producer.produce(topic: changelog.topic, partition: 0, key: changelog.key(input, s.customer), value: s.encoded(), headers: [(Changelog.offsetHeader, Array("2".utf8))], token: token)
            token += 1
        }
        try producer.produce(topic: changelog.topic, partition: 0, key: changelog.key(input, ""), value: engine.partitionState(inputOffset: 2), headers: [Changelog.partitionHeader], token: token)
        try producer.flush(timeoutMs: 10_000)
        let committer = try KafkaConsumer(configuration: KafkaConfiguration(["bootstrap.servers": bed.broker.bootstrapServers, "group.id": group]))
        try committer.commit([input: 3], synchronous: true)
        committer.close()

        // The next owner restores it, has no record to apply, and its rules lose one: every
        // customer changed, and written at the next checkpoint.
        let pipeline = bed.pipeline(group: group, rules: rules)
        let running = RunningPipeline(pipeline)
        #expect(waitFor(seconds: 30) { pipeline.status.restoredCustomers == 1 && pipeline.status.restoringPartitions == 0 && !pipeline.status.assigned.isEmpty })
        pipeline.replaceRules(fewer)
        let reader = try KafkaConsumer(configuration: KafkaConfiguration(["bootstrap.servers": bed.broker.bootstrapServers, "group.id": "\(group)-reader", "enable.partition.eof": "false"]))
        let changelogPartition = TopicPartition(topic: changelog.topic, partition: 0)
        #expect(waitFor(seconds: 30) { ((try? reader.watermarks(changelogPartition, timeoutMs: 5000).high) ?? 0) >= 4 }, "nothing was written after the reload")
        #expect(running.stop() == nil)
        #expect(pipeline.status.eventsProcessed == 0)

        let written = try changelog.read(input, with: reader, timeoutMs: 10_000)
        let partitionRecord = try #require(written.partition)
        #expect(Engine.inputOffset(ofPartitionState: partitionRecord) == 2)
        #expect(written.customerOffsets["c-1"] == 2)
    }
    /// State behind the committed offset (an owner without the changelog committed past it: the
    /// changelog switched on in a rolling restart, or one an instance could not create) is brought
    /// up to the commit by applying the records between, their outputs suppressed. It resumed at
    /// the commit (until 2026-12-07): the wait a record between had opened was never reported.
    @Test func stateBehindTheCommitIsBroughtUpToIt() throws {
        let rules = try RulesParser.parse(yaml: """
            moments:
              - id: long-wait
                kind: pain
                when:
                  wait: { from: interaction.queued, until: [agent.connected, interaction.ended], longer_than: 120s }
            """, file: "t.yaml").get()
        let ids = try Self.resume(group: "state-behind-commit", rules: rules, lines: [
            Self.line(1, "interaction.started", at: "09:00:00"),
            Self.line(2, "interaction.queued", at: "09:00:01"),
            Self.line(3, "agent.connected", at: "09:03:00"),
        ], stateThrough: 0, customerOffset: 0, committed: 2)
        // The queued event (offset 1) opened the wait; the connection at 09:03 reports it.
        #expect(ids == ["i-1:long-wait:1"])
    }

    /// In those records between, a customer whose restored state is ahead of the partition
    /// record's (`CustomersAhead`) has the records it already holds passed over, as after the
    /// commit: applied again, the first transfer was counted twice, and the moment of two
    /// transfers, fired then with its output suppressed, never came at the second.
    @Test func aCustomerAheadIsNotAppliedTwiceBeforeTheCommit() throws {
        let rules = try Self.multiTransfer()
        let ids = try Self.resume(group: "ahead-before-commit", rules: rules, lines: [
            Self.line(1, "interaction.started", at: "09:00:00"),
            Self.line(2, "interaction.transferred", at: "09:00:30"),
            Self.line(3, "interaction.transferred", at: "09:01:00"),
        ], stateThrough: 1, customerOffset: 1, partitionOffset: 0, committed: 2)
        #expect(ids == ["i-1:multi-transfer:1"])
    }

    /// A duplicate after the last change of state (no customer changed) still moves the
    /// changelog's partition record on with the commit, so the next owner does not take the
    /// state for one left behind by an owner without the changelog and replay the duplicate,
    /// which its empty duplicate window would apply: the transfer counted twice, the moment of
    /// two transfers fired in the replay (suppressed) and never at the real second one.
    @Test func aDuplicateAfterTheLastChangeIsNotReplayedByTheNextOwner() throws {
        let rules = try Self.multiTransfer()
        let group = "duplicate-after-change"
        let bed = try TestBed(partitions: 1)
        let transfer = Self.line(2, "interaction.transferred", at: "09:00:30")
        try bed.produce([Self.line(1, "interaction.started", at: "09:00:00"), transfer].map { (key: "c-1", value: Array($0.utf8), partition: 0) })
        let first = bed.pipeline(group: group, rules: rules)
        let running = RunningPipeline(first)
        #expect(waitFor(seconds: 30) { first.status.stateRecordsWritten >= 2 && first.status.committed.values.first == 2 })
        // In a later checkpoint interval than the change: the duplicate alone.
        try bed.produce([(key: "c-1", value: Array(transfer.utf8), partition: 0)])
        #expect(waitFor(seconds: 30) { first.status.eventsProcessed == 3 && first.status.committed.values.first == 3 })
        #expect(running.stop() == nil)

        try bed.produce([(key: "c-1", value: Array(Self.line(3, "interaction.transferred", at: "09:01:00").utf8), partition: 0)])
        let collector = try OutputCollector(bootstrapServers: bed.broker.bootstrapServers, topics: [bed.topics.alerts])
        defer { collector.stop() }
        let second = bed.pipeline(group: group, rules: rules)
        let next = RunningPipeline(second)
        #expect(waitFor(seconds: 30) { second.status.eventsProcessed == 1 && second.status.outputsInFlight == 0 })
        collector.wait(seconds: 5) { !$0.isEmpty }
        #expect(next.stop() == nil)
        #expect(second.status.restoredEvents == 0)
        #expect(collector.ids == ["i-1:multi-transfer:1"])
    }

    /// One moment: two transfers in an interaction.
    static func multiTransfer() throws -> RuleSet {
        try RulesParser.parse(yaml: """
            moments:
              - id: multi-transfer
                kind: pain
                when:
                  count: { event: interaction.transferred, reaches: 2, measure: transfers }
            """, file: "t.yaml").get()
    }

    static func line(_ n: Int, _ type: String, at time: String) -> String {
        #"{"event_id":"e-\#(n)","type":"\#(type)","occurred_at":"2026-11-24T\#(time)Z","interaction_id":"i-1","customer_id":"c-1","channel":"voice","queue":"billing"}"#
    }

    /// Customer `c-1`'s `lines` at offsets 0…; a previous owner's changelog holding the state of
    /// the lines through `stateThrough`, its customer record saying `customerOffset` and its
    /// partition record `partitionOffset` (default: the customer's); `committed` committed by an
    /// owner that wrote no state. A pipeline then takes the partition over and runs until it
    /// has processed what follows the commit; the ids of the alerts it gave.
    static func resume(
        group: String, rules: RuleSet, lines: [String], stateThrough: Int, customerOffset: Int64, partitionOffset: Int64? = nil, committed: Int64
    ) throws -> [String] {
        var engine = Engine(rules: rules)
        engine.tracksChanges = true
        for line in lines[...stateThrough] { _ = engine.process(try EventDecoder().decode(line).get()) }
        let states = engine.takeChangedStates()
        let bed = try TestBed(partitions: 1)
        let input = TopicPartition(topic: bed.input, partition: 0)
        let changelog = Changelog(topic: "\(group)-state-changelog")
        try bed.produce(lines.map { (key: "c-1", value: Array($0.utf8), partition: 0) })
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": bed.broker.bootstrapServers]), onDelivery: { _ in })
        for (i, s) in states.enumerated() {
            try producer.produce(
                topic: changelog.topic, partition: 0, key: changelog.key(input, s.customer), value: s.encoded(),
                headers: [(Changelog.offsetHeader, Array(String(customerOffset).utf8))], token: UInt64(i + 1))
        }
        let partitionState = engine.partitionState(inputOffset: partitionOffset ?? customerOffset)
        try producer.produce(topic: changelog.topic, partition: 0, key: changelog.key(input, ""), value: partitionState, headers: [Changelog.partitionHeader], token: 99)
        try producer.flush(timeoutMs: 10_000)
        let committer = try KafkaConsumer(configuration: KafkaConfiguration(["bootstrap.servers": bed.broker.bootstrapServers, "group.id": group]))
        try committer.commit([input: committed], synchronous: true)
        committer.close()

        let collector = try OutputCollector(bootstrapServers: bed.broker.bootstrapServers, topics: [bed.topics.alerts])
        defer { collector.stop() }
        let pipeline = bed.pipeline(group: group, rules: rules)
        let running = RunningPipeline(pipeline)
        let after = lines.count - Int(committed)
        #expect(waitFor(seconds: 30) { pipeline.status.restoredCustomers == 1 && pipeline.status.eventsProcessed == after && pipeline.status.outputsInFlight == 0 })
        collector.wait(seconds: 5) { !$0.isEmpty }
        #expect(running.stop() == nil)
        return collector.ids
    }
}
