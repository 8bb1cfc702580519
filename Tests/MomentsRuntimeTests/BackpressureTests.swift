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
        try cluster.setCoordinator(key: group, broker: 1)
        try bed.lead([bed.input], on: 1)
        try bed.lead(bed.topics.all, on: 2)
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
        collector.wait(seconds: 60) { records in expectedIDs.isSubset(of: Set(records.compactMap(\.cloudEventID))) }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(running.stop() == nil)
        collector.stop()
        let got = collector.all.filter { bed.topics.all.contains($0.topic) && $0.topic != bed.topics.deadLetter }.compactMap(\.cloudEventID)
        print("backpressure: \(processedWhilePaused) of \(events.count) events processed while paused; \(got.count) outputs")
        #expect(expectedIDs.subtracting(got).isEmpty, "missing \(expectedIDs.subtracting(got).sorted().prefix(10))")
        #expect(Set(got).subtracting(expectedIDs).isEmpty)
    }
}
