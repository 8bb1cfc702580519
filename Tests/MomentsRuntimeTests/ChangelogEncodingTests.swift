import Dispatch
import MomentsCore
import MomentsSimulation
import Testing
@testable import Kafka
@testable import MomentsRuntime

/// A checkpoint takes the changed customers' state at once and encodes it later, on another
/// thread, while processing goes on: what is written must be the state as it was when taken.
@Suite struct ChangelogEncodingTests {
    let changelog = Changelog(topic: "moments-state-changelog")
    let tp = TopicPartition(topic: "interactions", partition: 0)

    func task(fedWith events: ArraySlice<String>) throws -> PartitionTask {
        let task = PartitionTask(partition: tp, generation: 0, rules: try Stream.defaultRules(), committed: nil)
        task.engine.tracksChanges = true
        feed(task, events)
        return task
    }

    func feed(_ task: PartitionTask, _ events: ArraySlice<String>) {
        for line in events {
            guard case .success(let event) = EventDecoder().decode(line) else { continue }
            _ = task.engine.process(event)
            task.lastOffset = (task.lastOffset ?? -1) + 1
        }
    }

    @Test func encodingLaterGivesTheStateAsTakenWithThePartitionRecordLast() throws {
        let events = TrafficSimulator.events(options: SimulationOptions(seed: 3), count: 3000).map(\.json)
        // The reference: the same input, encoded at once at the same point.
        let reference = try task(fedWith: events[..<2000])
        let expected = changelog.records(for: reference)
        #expect(expected.count > 100)

        let later = try task(fedWith: events[..<2000])
        let pending = try #require(changelog.take(later))
        #expect(pending.states.count == expected.count - 1)
        // Processing goes on before the state is encoded; the taken state must not move with it.
        feed(later, events[2000...])
        let records = pending.finish()
        #expect(records.map(\.key) == expected.map(\.key))
        #expect(records.map(\.value) == expected.map(\.value))
        #expect(records.last?.id == "state:partition")
        // And the state processed since is the next checkpoint's.
        #expect(!changelog.records(for: later).isEmpty)
    }

    /// What the background encoder gives is what encoding at once gives, whichever thread did
    /// it, and processing that goes on meanwhile does not reach it.
    @Test func backgroundEncodingGivesTheStateAsTaken() throws {
        let events = TrafficSimulator.events(options: SimulationOptions(seed: 5), count: 4000).map(\.json)
        let expected = changelog.records(for: try task(fedWith: events[..<3000]))
        let encoded = try task(fedWith: events[..<3000])
        let job = StateEncodingJob(try #require(changelog.take(encoded)))
        let wakeup = KafkaWakeup()
        job.start(on: DispatchQueue(label: "test.state-encoding"), wake: wakeup)
        feed(encoded, events[3000...])
        let records = try #require(job.records(wait: true))
        #expect(records.map(\.key) == expected.map(\.key))
        #expect(records.map(\.value) == expected.map(\.value))
        #expect(records.last?.id == "state:partition")
        // Asked again (the loop asks each pass until it can send): the same records.
        #expect(job.records(wait: false)?.count == expected.count)
    }

    /// Asked before the queue has started it, the asking thread encodes it itself.
    @Test func anUnstartedJobIsEncodedByTheThreadThatAsks() throws {
        let events = TrafficSimulator.events(options: SimulationOptions(seed: 5), count: 1000).map(\.json)
        let expected = changelog.records(for: try task(fedWith: events[...]))
        let job = StateEncodingJob(try #require(changelog.take(try task(fedWith: events[...]))))
        let records = try #require(job.records(wait: false))
        #expect(records.map(\.value) == expected.map(\.value))
    }

    @Test func nothingChangedTakesNothing() throws {
        let events = TrafficSimulator.events(options: SimulationOptions(seed: 3), count: 200).map(\.json)
        let task = try task(fedWith: events[...])
        _ = changelog.records(for: task)
        #expect(changelog.take(task) == nil)
    }
}
