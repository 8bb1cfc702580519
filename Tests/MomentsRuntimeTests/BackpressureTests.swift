import Foundation
import KafkaMock
import MomentsApp
import MomentsTestSupport
import MomentsCore
import MomentsSimulation
import Testing
@testable import Kafka
@testable import MomentsRuntime

/// The outputs' broker goes away while the input's stays up: input is paused once the outputs
/// waiting reach the limit (half of librdkafka's queue), instead of being read on, each output
/// held in memory, and resumed once the broker is back; nothing is lost or repeated.
@Suite(.serialized) struct BackpressureTests {
    @Test func inputWaitsWhileTheOutputsBrokerIsAwayAndLosesNothing() throws {
        let rules = try Stream.defaultRules()
        let (events, partitions, expectedIDs) = Stream.twoPartitionStream(rules: rules)
        #expect(expectedIDs.count > 100)
        let group = "backpressure"
        let bed = try TestBed(partitions: partitions, brokers: 2)
        let cluster = bed.broker.cluster
        try bed.splitTraffic(group: group, second: bed.topics.all)
        // A queue of 10 messages: input pauses at 5 outputs waiting.
        let pipeline = bed.pipeline(group: group, rules: rules, changelog: false, producerProperties: ["queue.buffering.max.messages": "10"])
        #expect(pipeline.outputsInFlightLimit == 5)
        let collector = try OutputCollector(bed: bed)
        try cluster.setBrokerDown(2)
        let messages = Stream.messages(events, partitions: partitions)
        try bed.produce(Array(messages[..<400]))
        let running = RunningPipeline(pipeline)
        #expect(waitFor(seconds: 60) { pipeline.status.inputPaused && pipeline.status.eventsProcessed == 400 })
        // Paused: what comes now is not read while the outputs wait.
        try bed.produce(Array(messages[400...]))
        Thread.sleep(forTimeInterval: 2)
        let processedWhilePaused = pipeline.status.eventsProcessed
        #expect(processedWhilePaused == 400, "input went on while paused")
        #expect(pipeline.status.inputPaused)

        try cluster.setBrokerUp(2)
        #expect(waitFor(seconds: 90) { pipeline.status.eventsProcessed >= events.count && !pipeline.status.inputPaused })
        // Resumed at the record after the last one read: none read twice, none passed over.
        #expect(pipeline.status.eventsProcessed == events.count)
        collector.wait(seconds: 60) { records in expectedIDs.isSubset(of: Set(records.compactMap(\.cloudEventID))) }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(running.stop() == nil)
        collector.stop()
        let got = collector.all.filter { bed.topics.all.contains($0.topic) && $0.topic != bed.topics.deadLetter }.compactMap(\.cloudEventID)
        print("backpressure: \(processedWhilePaused) of \(events.count) events processed while paused; \(got.count) outputs")
        #expect(expectedIDs.subtracting(got).isEmpty, "missing \(expectedIDs.subtracting(got).sorted().prefix(10))")
        #expect(Set(got).subtracting(expectedIDs).isEmpty)
        #expect(got.count == Set(got).count, "outputs repeated")
    }

    /// While its events wait unread, a paused partition's clock stands still: moved on by the
    /// wall clock as an idle partition's is, it reported a customer "still waiting" whose
    /// `agent.connected` was among the unread records.
    @Test func aPausedPartitionsClockStandsStillWhileItsEventsWaitUnread() throws {
        let rules = try RulesParser.parse(yaml: """
            moments:
              - id: escalation
                kind: pain
                when: { match: { event: interaction.escalated } }
              - id: long-wait
                kind: pain
                when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 2s } }
            """, file: "test.yaml").get()
        let group = "backpressure-clock"
        let bed = try TestBed(partitions: 1, brokers: 2)
        let cluster = bed.broker.cluster
        try bed.splitTraffic(group: group, second: bed.topics.all)
        let pipeline = bed.pipeline(group: group, rules: rules, wallClockAdvance: true, changelog: false, producerProperties: ["queue.buffering.max.messages": "10"])
        let collector = try OutputCollector(bed: bed)
        let running = RunningPipeline(pipeline)
        Thread.sleep(forTimeInterval: 4)   // the group settled: the times below are the pipeline's
        try cluster.setBrokerDown(2)
        let now = Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        func event(_ id: String, _ type: String, _ interaction: String, at time: Timestamp) -> (key: String?, value: [UInt8], partition: Int32?) {
            let json = #"{"event_id":"\#(id)","type":"\#(type)","occurred_at":"\#(time)","interaction_id":"\#(interaction)","customer_id":"c-\#(interaction)","channel":"voice","queue":"billing"}"#
            return ("c-\(interaction)", Array(json.utf8), 0)
        }
        // A customer starts waiting; six escalations elsewhere fill the outputs' limit (five).
        try bed.produce([event("q", "interaction.queued", "w", at: now)] + (1...6).map { event("e\($0)", "interaction.escalated", "e\($0)", at: now) })
        #expect(waitFor(seconds: 30) { pipeline.status.inputPaused && pipeline.status.eventsProcessed == 7 })
        // Answered a second later; the record waits unread past the limit of two seconds.
        try bed.produce([event("c", "agent.connected", "w", at: now + Duration(milliseconds: 1000))])
        Thread.sleep(forTimeInterval: 4)
        try cluster.setBrokerUp(2)
        #expect(waitFor(seconds: 60) { pipeline.status.eventsProcessed == 8 && !pipeline.status.inputPaused })
        collector.wait(seconds: 30) { records in (1...6).allSatisfy { n in records.contains { $0.cloudEventID == "e\(n):escalation:1" } } }
        Thread.sleep(forTimeInterval: 1)
        #expect(running.stop() == nil)
        collector.stop()
        let ids = collector.all.compactMap(\.cloudEventID)
        #expect(!ids.contains("w:long-wait:1"), "a wait answered in a second was reported while its answer waited unread")
        #expect(ids.filter { $0.hasSuffix(":escalation:1") }.count == 6)
    }
}
