import Foundation
import Kafka
import KafkaMock
import MomentsApp
import MomentsCore
import Testing
@testable import MomentsRuntime

/// A batch's customer records land before its partition record. An instance that died in
/// between left customers whose state reflects records past the offset the partition record
/// (and so the restore) resumes after; their events in those records used to be applied a
/// second time on the way through them: a count counted twice, and a rule fired on the wrong
/// event. Each customer record now says which offset it reflects, and a restore passes those
/// customers' events over up to it.
@Suite(.serialized) struct CustomersAheadTests {
    @Test func onlyCustomersPastThePartitionRecordAreAhead() throws {
        let ahead = try #require(CustomersAhead(["c-1": 5, "c-2": 3, "c-3": 7], resumeAfter: 3))
        #expect(ahead.count == 2)
        #expect(ahead.until == 7)
        #expect(ahead.reflect("c-1", at: 4) && ahead.reflect("c-1", at: 5))
        #expect(!ahead.reflect("c-1", at: 6))
        #expect(!ahead.reflect("c-2", at: 3), "not past the partition record: its events are applied")
        #expect(!ahead.reflect("c-4", at: 4), "a customer without a record of its own")
        #expect(CustomersAhead(["c-1": 3], resumeAfter: 3) == nil)
        #expect(CustomersAhead([:], resumeAfter: nil) == nil)
        #expect(CustomersAhead(["c-1": 3], resumeAfter: nil)?.until == 3, "no partition record: every customer with an offset")
    }

    /// One interaction transferred twice, the second transfer after the state the instance left:
    /// its partition record reflects offset 3 (no transfer yet) and the customer's record offset
    /// 4 (the first transfer), and offset 4 is committed. The multi-transfer moment (two
    /// transfers) must fire on the second transfer, as it does without a restart; applied again,
    /// the first transfer made it fire on itself and the second one counted a third.
    @Test func aCustomerAheadOfThePartitionRecordIsNotAppliedTwice() throws {
        let rules = try Stream.defaultRules()
        let lines = [
            Self.line(0, "interaction.started"), Self.line(1, "interaction.queued"), Self.line(2, "agent.connected", agent: "a-1"),
            Self.line(3, "sentiment.scored", agent: "a-1", data: #"{"score":0.2}"#),
            Self.line(4, "interaction.transferred", agent: "a-1", data: #"{"to_queue":"tech"}"#),
            Self.line(5, "interaction.transferred", agent: "a-2", data: #"{"to_queue":"billing"}"#),
        ]
        let events = try lines.map { try EventDecoder().decode($0).get() }

        // The state the instance wrote before it died, as its engine had it.
        var engine = Engine(rules: rules)
        engine.tracksChanges = true
        for e in events[0...3] { _ = engine.process(e) }
        let throughThree = engine.takeChangedStates()
        let partitionRecord = engine.partitionState(inputOffset: 3)
        _ = engine.process(events[4])
        let throughFour = engine.takeChangedStates()
        #expect(throughFour.map(\.customer) == ["c-1"])

        let group = "ahead"
        let bed = try TestBed(partitions: 1)
        let pipeline = bed.pipeline(group: group, rules: rules)   // creates the changelog topic
        let changelog = Changelog(topic: "\(group)-state-changelog")
        let input = TopicPartition(topic: bed.input, partition: 0)
        var records: [(key: [UInt8], value: [UInt8]?, headers: [(String, [UInt8])])] = []
        for s in throughThree { records.append((changelog.key(input, s.customer), s.encoded(), [(Changelog.offsetHeader, Array("3".utf8))])) }
        records.append((changelog.key(input, ""), partitionRecord, [Changelog.partitionHeader]))
        for s in throughFour { records.append((changelog.key(input, s.customer), s.encoded(), [(Changelog.offsetHeader, Array("4".utf8))])) }
        let failures = Failures()
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": bed.broker.bootstrapServers]), onDelivery: { r in
            if r.error != nil { failures.add() }
        })
        for (i, r) in records.enumerated() {
            try producer.produce(topic: changelog.topic, partition: 0, key: r.key, value: r.value, headers: r.headers, token: UInt64(i))
        }
        try producer.flush(timeoutMs: 10_000)
        #expect(failures.count == 0)
        // Committed at 4: the partition record's acknowledgement was the last the commit waited for.
        let committer = try KafkaConsumer(configuration: KafkaConfiguration(["bootstrap.servers": bed.broker.bootstrapServers, "group.id": group]))
        try committer.commit([input: 4], synchronous: true)
        committer.close()
        try bed.produce(lines.map { (key: "c-1", value: Array($0.utf8), partition: 0) })

        let collector = try OutputCollector(bed: bed)
        let running = RunningPipeline(pipeline)
        let id = "i-1:multi-transfer:1"
        collector.wait(seconds: 60) { records in records.contains { $0.cloudEventID == id } }
        #expect(waitFor(seconds: 30) { pipeline.status.eventsProcessed == 2 && pipeline.status.outputsInFlight == 0 })
        Thread.sleep(forTimeInterval: 0.3)
        #expect(running.stop() == nil)
        collector.stop()

        #expect(pipeline.status.restoredCustomers == 1)
        let alerts = collector.all.filter { $0.cloudEventID == id }
        #expect(alerts.count == 1)
        let data = try #require(alerts.first.flatMap { $0.value }.flatMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }?["data"] as? [String: Any])
        #expect(data["cause_event_id"] as? String == "e-5", "fired on \(data["cause_event_id"] ?? "none")")
        #expect((data["measures"] as? [String: Any])?["transfers"] as? Double == 2)
    }

    static func line(_ n: Int, _ type: String, agent: String? = nil, data: String = "{}") -> String {
        let agentJSON = agent.map { "\"\($0)\"" } ?? "null"
        return #"{"event_id":"e-\#(n)","type":"\#(type)","occurred_at":"2026-11-24T04:00:0\#(n).000Z","interaction_id":"i-1","customer_id":"c-1","channel":"voice","queue":"billing","agent_id":\#(agentJSON),"data":\#(data),"attributes":{}}"#
    }
}
