import MomentsCore
import MomentsSimulation
import Testing
@testable import Kafka
@testable import MomentsRuntime

/// A checkpoint takes the changed customers' state at once but encodes it a slice at a time
/// while processing goes on: what is finally written must be the state as it was when taken.
@Suite struct ChangelogSlicingTests {
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

    @Test func slicesEncodeTheStateAsTakenWithThePartitionRecordLast() throws {
        let events = TrafficSimulator.events(options: SimulationOptions(seed: 3), count: 3000).map(\.json)
        // The reference: the same input, encoded at once at the same point.
        let reference = try task(fedWith: events[..<2000])
        let expected = changelog.records(for: reference)
        #expect(expected.count > 100)

        let sliced = try task(fedWith: events[..<2000])
        var pending = try #require(changelog.take(sliced))
        #expect(pending.remaining == expected.count - 1)
        #expect(pending.encode(upTo: 10) == 10)
        #expect(pending.remaining == expected.count - 11)
        // Processing goes on before the rest is encoded; the taken state must not move with it.
        feed(sliced, events[2000...])
        let records = pending.finish()
        #expect(pending.remaining == 0)
        #expect(records.map(\.key) == expected.map(\.key))
        #expect(records.map(\.value) == expected.map(\.value))
        #expect(records.last?.id == "state:partition")
        // And the state processed since is the next checkpoint's.
        #expect(!changelog.records(for: sliced).isEmpty)
    }

    @Test func nothingChangedTakesNothing() throws {
        let events = TrafficSimulator.events(options: SimulationOptions(seed: 3), count: 200).map(\.json)
        let task = try task(fedWith: events[...])
        _ = changelog.records(for: task)
        #expect(changelog.take(task) == nil)
    }
}
