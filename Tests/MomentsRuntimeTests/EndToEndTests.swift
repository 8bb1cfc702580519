import Foundation
import Kafka
import KafkaMock
import MomentsApp
import MomentsCore
import MomentsRuntime
import MomentsSimulation
import Testing

/// The daemon's pipeline against the embedded broker over TCP: a separate producer writes the
/// input, a separate consumer reads the outputs, as in a deployment.
@Suite(.serialized, .timeLimit(.minutes(3))) struct EndToEndTests {
    @Test func outputsMatchReplayExactly() throws {
        let lines = try Stream.referenceLines()
        let rules = try Stream.defaultRules()
        let expected = Stream.replay(lines, rules: rules)
        #expect(expected.count == 28)

        let bed = try TestBed(partitions: 1)
        try bed.produce(lines.map { (Stream.customerKey($0) ?? "unknown", Array($0.utf8), nil) })
        let running = RunningPipeline(bed.pipeline(rules: rules))
        let collector = try OutputCollector(bed: bed)
        let outputTopics = [bed.topics.alerts, bed.topics.recovery, bed.topics.coaching]
        collector.wait(seconds: 30) { records in records.filter { outputTopics.contains($0.topic) }.count >= expected.count }
        Thread.sleep(forTimeInterval: 0.5)   // anything extra would show up now
        #expect(running.stop() == nil)
        collector.stop()

        let got = collector.all.filter { outputTopics.contains($0.topic) }
        #expect(got.count == expected.count)
        // The same ids, keys and bytes as `moments replay`, each on its kind's topic.
        let byID = Dictionary(got.map { ($0.cloudEventID ?? "?", $0) }, uniquingKeysWith: { a, _ in a })
        for e in expected {
            let record = try #require(byID[e.id], "missing \(e.id)")
            #expect(record.value == e.value, "\(e.id) differs from replay")
            #expect(record.key == Array(e.key.utf8))
            let topic = [OutputKind.alert: bed.topics.alerts, .recovery: bed.topics.recovery, .coaching: bed.topics.coaching][e.kind]
            #expect(record.topic == topic)
            #expect(record.headerText("content-type") == "application/cloudevents+json")
        }
        // Offsets were committed up to the end of the input.
        #expect(running.pipeline.status.commits > 0)
    }

    @Test func malformedInputGoesToTheDeadLetterTopicAndProcessingContinues() throws {
        let rules = try Stream.defaultRules()
        let good = #"{"event_id":"e-1","type":"agent.flagged","occurred_at":"2026-11-24T09:00:00.000Z","interaction_id":"i-1","customer_id":"c-1","channel":"voice","agent_id":"a-1","data":{"flag":"rude"}}"#
        let later = good.replacingOccurrences(of: "e-1", with: "e-2").replacingOccurrences(of: "i-1", with: "i-2")
        let inputs: [(String?, [UInt8], Int32?)] = [
            ("c-1", Array(good.utf8), 0),
            ("c-1", Array(good.prefix(40).utf8), 0),                                              // truncated
            ("c-9", Array(good.replacingOccurrences(of: "\"voice\"", with: "\"fax\"").utf8), 0),   // bad field
            ("c-9", [0xFF, 0xFE, 0x00], 0),                                                        // not text
            ("c-1", Array(later.utf8), 0),
        ]
        let bed = try TestBed(partitions: 1)
        try bed.produce(inputs)
        let running = RunningPipeline(bed.pipeline(rules: rules))
        let collector = try OutputCollector(bed: bed)
        collector.wait(seconds: 30) { records in
            records.filter { $0.topic == bed.topics.deadLetter }.count >= 3 && records.contains { $0.cloudEventID == "i-2:rude-agent:1" }
        }
        _ = running.stop()
        collector.stop()

        let letters = collector.on(bed.topics.deadLetter).sorted { ($0.headerText("moments.source.offset") ?? "") < ($1.headerText("moments.source.offset") ?? "") }
        #expect(letters.map { $0.headerText("moments.source.offset") } == ["1", "2", "3"])
        #expect(letters.allSatisfy { $0.headerText("moments.source.topic") == "interactions" && $0.headerText("moments.source.partition") == "0" })
        #expect(letters[0].headerText("moments.reason")?.contains("invalid JSON") == true)
        #expect(letters[1].headerText("moments.reason")?.contains("channel") == true)
        #expect(letters[2].headerText("moments.reason")?.contains("UTF-8") == true || letters[2].headerText("moments.reason")?.contains("invalid JSON") == true)
        #expect(letters.map(\.key) == [Array("c-1".utf8), Array("c-9".utf8), Array("c-9".utf8)])
        // The original bytes travel with the reason and the origin.
        let record = try #require(try JSONSerialization.jsonObject(with: Data(letters[1].value!)) as? [String: Any])
        let data = try #require(record["data"] as? [String: Any])
        #expect(Data(base64Encoded: data["original_base64"] as! String) == Data(inputs[2].1))
        #expect((data["origin"] as? [String: Any])?["offset"] as? Int == 2)
        #expect(record["id"] as? String == "dlq:interactions/0/2")
        // Events after the bad ones were processed.
        #expect(collector.all.contains { $0.cloudEventID == "i-1:rude-agent:1" })
        #expect(collector.all.contains { $0.cloudEventID == "i-2:rude-agent:1" })
    }

    /// A malformed record's key is cut to 1 KiB in its dead letter. Kept whole (twice: as the
    /// key and as `origin.key`), a key of 900 kB made a dead letter Kafka refused, replaced by a
    /// stand-in without the original; near a megabyte, the stand-in was refused too and the
    /// daemon stopped on that record at every start.
    @Test func aHugeKeyIsCutInItsDeadLetter() throws {
        let rules = try Stream.defaultRules()
        let key = String(repeating: "k", count: 899_999) + "é"
        let bed = try TestBed(partitions: 1)
        try bed.produce([(key, Array("not json".utf8), 0), ("c-1", Array(#"{"event_id":"e-1","type":"agent.flagged","occurred_at":"2026-11-24T09:00:00.000Z","interaction_id":"i-1","customer_id":"c-1","channel":"voice","agent_id":"a-1","data":{"flag":"rude"}}"#.utf8), 0)])
        let running = RunningPipeline(bed.pipeline(rules: rules))
        let collector = try OutputCollector(bed: bed)
        collector.wait(seconds: 30) { records in records.contains { $0.cloudEventID == "i-1:rude-agent:1" } }
        #expect(running.stop() == nil)
        collector.stop()

        let letters = collector.on(bed.topics.deadLetter)
        #expect(letters.map(\.cloudEventID) == ["dlq:interactions/0/0"])
        #expect(letters.first?.key == Array(String(repeating: "k", count: 1024).utf8))
        let record = try #require(try letters.first.flatMap { try JSONSerialization.jsonObject(with: Data($0.value!)) as? [String: Any] })
        let data = try #require(record["data"] as? [String: Any])
        let origin = try #require(data["origin"] as? [String: Any])
        #expect(origin["key"] as? String == String(repeating: "k", count: 1024))
        #expect(origin["key_size"] as? Int == 900_001)
        #expect(Data(base64Encoded: data["original_base64"] as! String) == Data("not json".utf8))
        // Before the partition's first event its clock is the epoch: the dead letter's time is
        // the record's Kafka timestamp instead (it was 1970-01-01, a time no event may have).
        let time = try #require((record["time"] as? String).flatMap(RFC3339.parse))
        #expect(abs(time.milliseconds - Int64(Date().timeIntervalSince1970 * 1000)) < 600_000, "\(time)")
    }

    /// An event dated further ahead of its record's Kafka timestamp than `maxEventAhead` is a
    /// dead letter, not its partition's new time: until 2026-12-06 one such event (an hour
    /// ahead here) moved the clock for good, and every customer then waiting got a long-wait
    /// alert and a discount at once.
    @Test func anEventFromTheFutureIsADeadLetterNotThePartitionsTime() throws {
        let rules = try Stream.defaultRules()
        // Times around now: the records' timestamps are when the test produces them.
        let now = Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        func event(_ id: String, _ type: String, _ seconds: Int64, customer: String, interaction: String, data: String = "{}") -> [UInt8] {
            Array(#"{"event_id":"\#(id)","type":"\#(type)","occurred_at":"\#(now + .seconds(seconds))","interaction_id":"\#(interaction)","customer_id":"\#(customer)","channel":"voice","queue":"billing","agent_id":"a-1","data":\#(data)}"#.utf8)
        }
        let inputs: [(String?, [UInt8], Int32?)] = [
            ("c-1", event("e-1", "interaction.queued", -60, customer: "c-1", interaction: "i-1"), 0),
            ("c-2", event("e-2", "interaction.queued", 3605, customer: "c-2", interaction: "i-2"), 0),   // an hour ahead
            ("c-3", event("e-3", "agent.flagged", 20, customer: "c-3", interaction: "i-3", data: #"{"flag":"rude"}"#), 0),   // within the bound
            ("c-1", event("e-4", "agent.connected", -30, customer: "c-1", interaction: "i-1"), 0),
            ("c-4", event("e-5", "agent.flagged", 25, customer: "c-4", interaction: "i-4", data: #"{"flag":"rude"}"#), 0),
        ]
        let bed = try TestBed(partitions: 1)
        try bed.produce(inputs)
        let running = RunningPipeline(bed.pipeline(rules: rules) { config in config.maxEventAhead = .minutes(5) })
        let collector = try OutputCollector(bed: bed)
        collector.wait(seconds: 30) { records in records.contains { $0.cloudEventID == "i-4:rude-agent:1" } }
        _ = running.stop()
        collector.stop()

        let letters = collector.on(bed.topics.deadLetter)
        #expect(letters.map { $0.headerText("moments.source.offset") } == ["1"])
        let reason = letters.first?.headerText("moments.reason") ?? ""
        #expect(reason.hasPrefix("occurred_at: \(now + .seconds(3605)) is out of range: "), "\(reason)")
        #expect(reason.contains(" ahead of its Kafka record's timestamp, more than processing.max_event_ahead (5 min)"), "\(reason)")
        #expect(!collector.all.contains { $0.cloudEventID == "i-1:long-wait:1" }, "the future event moved the clock")
        #expect(collector.all.contains { $0.cloudEventID == "i-3:rude-agent:1" })
    }

    /// With the changelog, the new instance restores state from it; without, by replaying the input.
    @Test(arguments: [true, false])
    func restartMidStreamLosesNothingAndIssuesNoExtraRecovery(changelog: Bool) throws {
        let rules = try Stream.defaultRules()
        let partitions = 3
        let events = Stream.busyTraffic(count: 3000)
        // Each engine sees its partition's events in order: the expected outputs are one replay per partition.
        var perPartition: [[String]] = Array(repeating: [], count: partitions)
        for e in events { perPartition[Int(Stream.partition(of: e.key, count: partitions))].append(e.json) }
        let expected = perPartition.flatMap { Stream.replay($0, rules: rules) }
        let expectedIDs = Set(expected.map(\.id))
        let expectedRecovery = Set(expected.filter { $0.kind == .recovery }.map(\.id))
        #expect(expected.count > 200)
        #expect(expectedIDs.count == expected.count)

        let bed = try TestBed(partitions: partitions)
        let messages = Stream.messages(events, partitions: partitions)
        // The first instance sees the stream up to the middle; many interactions are still open there.
        try bed.produce(Array(messages[..<1500]))
        let collector = try OutputCollector(bed: bed)
        let outputTopics = [bed.topics.alerts, bed.topics.recovery, bed.topics.coaching]

        let first = RunningPipeline(bed.pipeline(group: "restart", rules: rules, changelog: changelog))
        collector.wait(seconds: 60) { $0.count >= expected.count / 3 }
        Thread.sleep(forTimeInterval: 0.3)
        #expect(first.stop() == nil)
        let beforeRestart = collector.all.count
        #expect(beforeRestart < expected.count, "the first instance should be stopped mid-stream")
        try bed.produce(Array(messages[1500...]))

        let second = RunningPipeline(bed.pipeline(group: "restart", rules: rules, changelog: changelog))
        collector.wait(seconds: 90) { records in expectedIDs.isSubset(of: Set(records.compactMap(\.cloudEventID))) }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(second.stop() == nil)
        collector.stop()

        let got = collector.all.filter { outputTopics.contains($0.topic) }
        let gotIDs = got.compactMap(\.cloudEventID)
        let missing = expectedIDs.subtracting(gotIDs)
        let extra = Set(gotIDs).subtracting(expectedIDs)
        let recovery = Set(got.filter { $0.topic == bed.topics.recovery }.compactMap(\.cloudEventID))
        print("restart test (changelog \(changelog)): restored \(second.pipeline.status.restoredCustomers) customers from the changelog; expected \(expectedIDs.count) outputs, got \(gotIDs.count) (\(gotIDs.count - Set(gotIDs).count) raw duplicates), \(beforeRestart) before the restart, \(second.pipeline.status.restoredEvents) events replayed to restore state")
        #expect(missing.isEmpty, "missing \(missing.sorted().prefix(10))")
        #expect(extra.isEmpty, "unexpected \(extra.sorted().prefix(10))")
        #expect(recovery == expectedRecovery)
        if changelog {
            #expect(first.pipeline.status.stateRecordsWritten > 0)
            #expect(second.pipeline.status.restoredCustomers > 0)
            #expect(second.pipeline.status.restoredEvents == 0)
        } else {
            #expect(second.pipeline.status.restoredEvents > 0)
        }
    }

    /// The group takes the partitions back without a handover (a refused heartbeat: the member's
    /// generation is over) and hands them out again: nothing is committed for them meanwhile, and
    /// what was processed since the last commit is processed again, so nothing is missing and no
    /// output appears that replay would not give.
    @Test func aLostAssignmentLosesNothing() throws {
        let rules = try Stream.defaultRules()
        let (events, partitions, expectedIDs) = Stream.twoPartitionStream(rules: rules)
        #expect(expectedIDs.count > 100)

        let bed = try TestBed(partitions: partitions)
        let messages = Stream.messages(events, partitions: partitions)
        try bed.produce(Array(messages[..<800]))
        let running = RunningPipeline(bed.pipeline(group: "lost", rules: rules))
        #expect(waitFor(seconds: 60) { running.pipeline.status.commits > 0 && running.pipeline.status.eventsProcessed >= 800 })
        bed.broker.cluster.pushRequestErrors(apiKey: KafkaAPI.heartbeat, errors: [KafkaError.illegalGeneration])
        #expect(waitFor(seconds: 30) { running.pipeline.status.partitionsLost == partitions && running.pipeline.status.ready })
        // Only now: the refused heartbeat is the pipeline's, not the collector's (it reads from the start).
        let collector = try OutputCollector(bed: bed)
        try bed.produce(Array(messages[800...]))
        collector.wait(seconds: 60) { records in expectedIDs.isSubset(of: Set(records.compactMap(\.cloudEventID))) }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(running.stop() == nil)
        collector.stop()

        let gotIDs = Stream.outputIDs(collector, bed)
        #expect(running.pipeline.status.partitionsLost == partitions)
        #expect(expectedIDs.subtracting(gotIDs).isEmpty, "missing \(expectedIDs.subtracting(gotIDs).sorted().prefix(10))")
        #expect(gotIDs.subtracting(expectedIDs).isEmpty, "unexpected \(gotIDs.subtracting(expectedIDs).sorted().prefix(10))")
    }

    /// Outputs in flight when their partitions are lost outlive the drain, and are acknowledged
    /// only once the group has handed the partitions back to this same pipeline, as new tasks whose
    /// sequence numbers restart at 0. Those late reports are the old tasks': recognised by the task
    /// generation, they acknowledge nothing of the new tasks, which reprocess the inputs since the
    /// last commit. Without the generation check they would be applied to the new tasks (and
    /// `staleDeliveries` would stay 0).
    @Test func lateAcknowledgementsAfterALostAssignmentAreIgnored() throws {
        let rules = try Stream.defaultRules()
        let (events, partitions, expectedIDs) = Stream.twoPartitionStream(rules: rules)
        #expect(expectedIDs.count > 100)

        // Two brokers: the input and the group coordinator on broker 1, everything the pipeline
        // writes on broker 2, so that only the pipeline's produce responses can be held back.
        let group = "late"
        let bed = try TestBed(partitions: partitions, brokers: 2)
        // A refused heartbeat is noticed within half a second (the default is every 3 s).
        let pipeline = bed.pipeline(group: group, rules: rules, drainTimeout: .milliseconds(300), consumerProperties: ["heartbeat.interval.ms": "500"])
        let cluster = bed.broker.cluster
        try cluster.setCoordinator(key: group, broker: 1)
        try bed.lead([bed.input], on: 1)
        try bed.lead(bed.topics.all + ["\(group)-state-changelog"], on: 2)
        let messages = Stream.messages(events, partitions: partitions)
        try bed.produce(Array(messages[..<800]))
        let started = Date()
        let running = RunningPipeline(pipeline)
        #expect(waitFor(seconds: 60) {
            let s = pipeline.status
            return s.commits > 0 && s.eventsProcessed >= 800 && s.outputsInFlight == 0
        })
        // The next produce response of broker 2 (the pipeline's, with outputs of the events below)
        // comes 15 s late, and every later response on that connection waits behind it (the group
        // takes about 7 s below to hand the partitions back).
        let held = Date()
        try cluster.pushBrokerRequestError(broker: 2, apiKey: KafkaAPI.produce, error: 0, rttMs: 15_000)
        try bed.produce(Array(messages[800...]))
        #expect(waitFor(seconds: 30) { pipeline.status.eventsProcessed >= events.count && pipeline.status.outputsInFlight > 0 })
        // The assignment is lost; the drain gives up after 300 ms; the partitions come back.
        cluster.pushRequestErrors(apiKey: KafkaAPI.heartbeat, errors: [KafkaError.illegalGeneration])
        #expect(waitFor(seconds: 30) { pipeline.status.partitionsLost == partitions })
        // Back as new tasks: their state restored from the changelog (the first tasks found none).
        #expect(waitFor(seconds: 30) {
            let s = pipeline.status
            return s.ready && s.assigned.count == partitions && s.restoredCustomers > 0
        }, "not back: \(Self.readiness(pipeline.status))")
        let reassigned = Date()
        // New tasks run while the old tasks' outputs are still unacknowledged.
        #expect(pipeline.status.staleDeliveries == 0, "acknowledged before the partitions came back: the test did not reach its case")
        #expect(waitFor(seconds: 40) { pipeline.status.staleDeliveries > 0 && pipeline.status.outputsInFlight == 0 })
        let acknowledged = Date()

        let collector = try OutputCollector(bed: bed)
        collector.wait(seconds: 60) { records in expectedIDs.isSubset(of: Set(records.compactMap(\.cloudEventID))) }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(running.stop() == nil)
        collector.stop()

        let gotIDs = Stream.outputIDs(collector, bed)
        let s = pipeline.status
        print(String(
            format: "late acknowledgements: %d stale delivery reports; held back at %.1f s, partitions back %.1f s later, acknowledged %.1f s after that; %d commits",
            s.staleDeliveries, held.timeIntervalSince(started), reassigned.timeIntervalSince(held), acknowledged.timeIntervalSince(reassigned), s.commits))
        #expect(s.partitionsLost == partitions)
        #expect(expectedIDs.subtracting(gotIDs).isEmpty, "missing \(expectedIDs.subtracting(gotIDs).sorted().prefix(10))")
        #expect(gotIDs.subtracting(expectedIDs).isEmpty, "unexpected \(gotIDs.subtracting(expectedIDs).sorted().prefix(10))")
    }

    /// What `ready` is made of, for a failure message.
    static func readiness(_ s: PipelineStatus) -> String {
        "running \(s.running), assigned \(s.assigned.map(\.description)), restoring \(s.restoringPartitions), broker reachable \(s.brokerReachable), restored customers \(s.restoredCustomers), partitions lost \(s.partitionsLost)"
    }

    @Test func aCustomerStillWaitingIsReportedInRealTime() throws {
        let yaml = """
            moments:
              - id: long-wait
                kind: pain
                severity: high
                when:
                  wait: { from: interaction.queued, until: [agent.connected, interaction.ended], longer_than: 2s }
            """
        let rules = try RulesParser.parse(yaml: yaml, file: "test.yaml").get()
        let bed = try TestBed(partitions: 1)
        let running = RunningPipeline(bed.pipeline(rules: rules, wallClockAdvance: true))
        let collector = try OutputCollector(bed: bed)
        Thread.sleep(forTimeInterval: 4)   // let the group settle so timing below is the daemon's, not the join's
        let now = Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        let queued = #"{"event_id":"q-1","type":"interaction.queued","occurred_at":"\#(now)","interaction_id":"i-w","customer_id":"c-w","channel":"voice","queue":"billing"}"#
        let sent = Date()
        try bed.produce([("c-w", Array(queued.utf8), nil)])
        let reported = collector.wait(seconds: 20) { $0.contains { $0.cloudEventID == "i-w:long-wait:1" } }
        let elapsed = Date().timeIntervalSince(sent)
        _ = running.stop()
        collector.stop()
        #expect(reported)
        #expect(elapsed >= 1.9, "reported after \(elapsed) s, before the customer had waited 2 s")
        #expect(elapsed < 6, "reported after \(elapsed) s")
        let alert = try #require(collector.all.first { $0.cloudEventID == "i-w:long-wait:1" })
        #expect(alert.text.contains(#""cause_event_id":null"#))   // the timer, not an event, found it
    }
}
