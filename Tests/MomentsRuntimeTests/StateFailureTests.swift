import Foundation
import KafkaMock
import MomentsApp
import MomentsTestSupport
import MomentsCore
import MomentsSimulation
import Testing
@testable import Kafka
@testable import MomentsRuntime

/// The changelog's broker goes away long enough for state records to fail for good, while the
/// outputs' broker stays up. Commits must stop at the last state that fully arrived, resume once
/// the broker is back (the customers whose records failed written again, from their current
/// state), and an instance that takes over from that changelog must lose nothing.
@Suite(.serialized) struct StateFailureTests {
    @Test func stateRecordsThatFailForGoodAreWrittenAgainAndLoseNothing() throws {
        let rules = try Stream.defaultRules()
        let (events, partitions, expectedIDs) = Stream.twoPartitionStream(rules: rules)
        #expect(expectedIDs.count > 100)

        let group = "state-failure"
        let bed = try TestBed(partitions: partitions, brokers: 2)
        let cluster = bed.broker.cluster
        // Only the changelog on broker 2 (below: it is created with the pipeline).
        try bed.splitTraffic(group: group, second: [])
        // A record fails for good after one second without an acknowledgement.
        let first = bed.pipeline(group: group, rules: rules, producerProperties: ["message.timeout.ms": "1000"])
        try bed.lead(["\(group)-state-changelog"], on: 2)   // created with the pipeline
        let messages = Stream.messages(events, partitions: partitions)
        try bed.produce(Array(messages[..<600]))
        let running = RunningPipeline(first)
        #expect(waitFor(seconds: 60) {
            let s = first.status
            return s.eventsProcessed >= 600 && s.stateRecordsWritten > 0 && s.committed.values.reduce(0, +) == 600
        })

        try cluster.setBrokerDown(2)
        try bed.produce(Array(messages[600..<1000]))
        #expect(waitFor(seconds: 30) { first.status.stateRecordsFailed > 0 })
        let committedDuringOutage = first.status.committed.values.reduce(0, +)
        #expect(committedDuringOutage < 1000, "commits passed state that never arrived")

        try cluster.setBrokerUp(2)
        // Once the broker is back, the next checkpoints write those customers and commits resume.
        #expect(waitFor(seconds: 60) { first.status.committed.values.reduce(0, +) == 1000 })
        #expect(running.stop() == nil)
        let failed = first.status.stateRecordsFailed

        // A second instance takes over from that changelog and the committed offsets.
        try bed.produce(Array(messages[1000...]))
        let collector = try OutputCollector(bed: bed)
        let second = RunningPipeline(bed.pipeline(group: group, rules: rules))
        collector.wait(seconds: 60) { records in expectedIDs.isSubset(of: Set(records.compactMap(\.cloudEventID))) }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(second.stop() == nil)
        collector.stop()

        let gotIDs = Stream.outputIDs(collector, bed)
        print("state failure: \(failed) state records failed for good; committed \(committedDuringOutage) of 1000 during the outage; \(second.pipeline.status.restoredCustomers) customers restored")
        #expect(second.pipeline.status.restoredCustomers > 0)
        #expect(second.pipeline.status.restoredEvents == 0)
        #expect(expectedIDs.subtracting(gotIDs).isEmpty, "missing \(expectedIDs.subtracting(gotIDs).sorted().prefix(10))")
        #expect(gotIDs.subtracting(expectedIDs).isEmpty, "unexpected \(gotIDs.subtracting(expectedIDs).sorted().prefix(10))")
    }
}
