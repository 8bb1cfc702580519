import Foundation
import Kafka
import KafkaMock
import MomentsApp
import MomentsCore
@testable import MomentsRuntime
import MomentsSimulation
import Testing

/// A newly assigned partition must learn where it resumes (its committed offset) before it runs:
/// that position decides the state it needs. The coordinator may not answer for a while (it is
/// moving, a broker is down); a lookup that failed used to be taken for "never committed", and
/// the partition then ran from the committed position with no state at all, so the moments of
/// every interaction open across the restart were lost (a chaos run found it).
@Suite(.serialized) struct ResumeTests {
    /// Offset lookups fail for several seconds while a restarted instance takes its partitions:
    /// it asks again until the coordinator answers, restores the state, and misses nothing.
    @Test(arguments: [true, false])
    func aCommittedOffsetTheCoordinatorCannotGiveYetIsAskedAgain(changelog: Bool) throws {
        let rules = try Stream.defaultRules()
        let partitions = 2
        let events = Stream.busyTraffic(count: 2000)
        let expectedIDs = Stream.expectedIDs(of: events, partitions: partitions, rules: rules)
        #expect(expectedIDs.count > 100)

        let bed = try TestBed(partitions: partitions)
        let messages = Stream.messages(events, partitions: partitions)
        try bed.produce(Array(messages[..<1000]))
        let collector = try OutputCollector(bed: bed)
        let first = RunningPipeline(bed.pipeline(group: "resume-\(changelog)", rules: rules, changelog: changelog))
        #expect(waitFor(seconds: 60) { first.pipeline.status.eventsProcessed >= 1000 && first.pipeline.status.commits > 0 })
        Thread.sleep(forTimeInterval: 0.3)
        #expect(first.stop() == nil)
        try bed.produce(Array(messages[1000...]))

        // The coordinator answers only once the new instance's first lookup (5 s) has failed.
        bed.broker.cluster.pushRequestErrors(apiKey: KafkaAPI.offsetFetch, errors: Array(repeating: KafkaError.coordinatorLoadInProgress, count: 5000))
        let second = RunningPipeline(bed.pipeline(group: "resume-\(changelog)", rules: rules, changelog: changelog))
        #expect(waitFor(seconds: 60) { second.pipeline.status.resumeLookupRetries > 0 })
        bed.broker.cluster.clearRequestErrors(apiKey: KafkaAPI.offsetFetch)
        collector.wait(seconds: 60) { records in expectedIDs.isSubset(of: Set(records.compactMap(\.cloudEventID))) }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(second.stop() == nil)
        collector.stop()

        let gotIDs = Stream.outputIDs(collector, bed)
        if changelog { #expect(second.pipeline.status.restoredCustomers > 0) } else { #expect(second.pipeline.status.restoredEvents > 0) }
        #expect(expectedIDs.subtracting(gotIDs).isEmpty, "missing \(expectedIDs.subtracting(gotIDs).sorted().prefix(10))")
        #expect(gotIDs.subtracting(expectedIDs).isEmpty, "unexpected \(gotIDs.subtracting(expectedIDs).sorted().prefix(10))")
    }

    /// A coordinator that never answers: the pipeline stops with an error naming the partitions
    /// (a supervisor restarts it) rather than process them without their state; it commits nothing
    /// for them, so the next owner resumes where the last commit left off.
    @Test func aCommittedOffsetThatNeverComesStopsThePipeline() throws {
        let rules = try Stream.defaultRules()
        let bed = try TestBed(partitions: 1)
        try bed.produce(Stream.messages(TrafficSimulator.events(options: SimulationOptions(seed: 3), count: 50), partitions: 1))
        bed.broker.cluster.pushRequestErrors(apiKey: KafkaAPI.offsetFetch, errors: Array(repeating: KafkaError.coordinatorLoadInProgress, count: 5000))
        let running = RunningPipeline(bed.pipeline(group: "never", rules: rules, assignmentTimeout: .milliseconds(3000)))
        #expect(running.ended(within: 60))
        let error = running.stop()
        bed.broker.cluster.clearRequestErrors(apiKey: KafkaAPI.offsetFetch)
        #expect(error is ResumeError, "ended with \(error.map { "\($0)" } ?? "no error")")
        #expect("\(error.map { "\($0)" } ?? "")".contains("interactions/0"))
        #expect(running.pipeline.status.eventsProcessed == 0)
        #expect(running.pipeline.status.commits == 0)
    }

    /// A stop asked for while the coordinator does not answer ends the pipeline within seconds,
    /// without an error, processing and committing nothing of the partition (its next owner
    /// resumes from the last commit). The lookups run in the rebalance handler, where the loop
    /// does not see a stop: until 2026-12-07 the stop waited out `assignment_timeout` (a minute
    /// by default, per partition assigned) and then ended with a ResumeError.
    @Test func aStopWhileTheCoordinatorDoesNotAnswerEndsAtOnce() throws {
        let rules = try Stream.defaultRules()
        let bed = try TestBed(partitions: 1)
        try bed.produce(Stream.messages(TrafficSimulator.events(options: SimulationOptions(seed: 3), count: 50), partitions: 1))
        bed.broker.cluster.pushRequestErrors(apiKey: KafkaAPI.offsetFetch, errors: Array(repeating: KafkaError.coordinatorLoadInProgress, count: 5000))
        let running = RunningPipeline(bed.pipeline(group: "stop-waiting", rules: rules, assignmentTimeout: .seconds(60)))
        #expect(waitFor(seconds: 30) { running.pipeline.status.resumeLookupRetries > 0 })
        let asked = Date()
        let error = running.stop()
        let took = Date().timeIntervalSince(asked)
        bed.broker.cluster.clearRequestErrors(apiKey: KafkaAPI.offsetFetch)
        #expect(error == nil, "ended with \(error.map { "\($0)" } ?? "no error")")
        #expect(took < 20, "the stop took \(Int(took)) s")
        #expect(running.pipeline.status.eventsProcessed == 0)
        #expect(running.pipeline.status.commits == 0)
    }
}

/// A partition never committed starts where `auto.offset.reset` says, named by the pipeline
/// itself as it is assigned: left to librdkafka's own lookup a moment later, a commit the
/// previous owner made on its way out could land in between and start it mid-stream without
/// its state.
@Suite(.serialized) struct NeverCommittedStartTests {
    @Test func theResetPolicyNamesTheStart() {
        #expect(Pipeline.logicalStart(resetPolicy: "earliest") == -2)
        #expect(Pipeline.logicalStart(resetPolicy: "smallest") == -2)
        #expect(Pipeline.logicalStart(resetPolicy: "latest") == -1)
        #expect(Pipeline.logicalStart(resetPolicy: "end") == -1)
        #expect(Pipeline.logicalStart(resetPolicy: "error") == nil)
        #expect(Pipeline.logicalStart(resetPolicy: nil) == nil)
    }

    /// `latest`: what was there before the assignment is not read, what comes after is, from
    /// the moment the partition is assigned. (Until 2026-12-07 the end was looked up by
    /// librdkafka half a second or more after the assignment, and records produced meanwhile
    /// were passed over; the test waited 3 s before producing.)
    @Test func latestStartsAtTheEnd() throws {
        let rules = try Stream.defaultRules()
        let bed = try TestBed(partitions: 1)
        let messages = Stream.messages(TrafficSimulator.events(options: SimulationOptions(seed: 5), count: 60), partitions: 1)
        try bed.produce(Array(messages[..<40]))
        let running = RunningPipeline(bed.pipeline(group: "latest", rules: rules, consumerProperties: ["auto.offset.reset": "latest"]))
        #expect(waitFor(seconds: 30) { !running.pipeline.status.assigned.isEmpty })
        try bed.produce(Array(messages[40...]))
        #expect(waitFor(seconds: 30) { running.pipeline.status.eventsProcessed >= 20 })
        Thread.sleep(forTimeInterval: 0.5)
        #expect(running.stop() == nil)
        #expect(running.pipeline.status.eventsProcessed + running.pipeline.status.deadLettered == 20)
    }
}
