import Foundation
@testable import Kafka
import MomentsApp
import MomentsCore
@testable import MomentsRuntime
import MomentsSimulation
import Testing

/// The engines of a batch's partitions may run on several threads at once
/// (`processing.engine_threads`); what comes out must not depend on it.
@Suite(.serialized) struct EngineThreadsTests {
    /// A busy stream on 8 partitions, fetched in small pieces so that every batch mixes
    /// partitions: every output is byte for byte what a single engine per partition gives, and
    /// each interaction's outputs arrive in the order that engine emitted them.
    @Test func outputsOnSeveralThreadsAreThoseOfOneEnginePerPartitionInOrder() throws {
        let rules = try Stream.defaultRules()
        let partitions = 8
        let events = Stream.busyTraffic(count: 6000)
        let bed = try TestBed(partitions: partitions)
        try bed.produce(Stream.messages(events, partitions: partitions))

        var perPartition: [[String]] = Array(repeating: [], count: partitions)
        for e in events { perPartition[Int(Stream.partition(of: e.key, count: partitions))].append(e.json) }
        let expected = perPartition.flatMap { Stream.replay($0, rules: rules) }
        #expect(expected.count > 300)
        let topicOf: [OutputKind: String] = [.alert: bed.topics.alerts, .recovery: bed.topics.recovery, .coaching: bed.topics.coaching]

        let collector = try OutputCollector(bed: bed)
        let running = RunningPipeline(bed.pipeline(
            group: "threads", rules: rules, consumerProperties: ["max.partition.fetch.bytes": "8192"], engineThreads: 3))
        let expectedIDs = Set(expected.map(\.id))
        #expect(collector.wait(seconds: 90) { records in expectedIDs.isSubset(of: Set(records.compactMap(\.cloudEventID))) })
        #expect(running.stop() == nil)
        collector.stop()
        #expect(running.pipeline.status.batchesOnSeveralThreads > 0)

        let outputTopics = Set(topicOf.values)
        let got = collector.all.filter { outputTopics.contains($0.topic) }
        var gotValue: [String: [UInt8]] = [:]
        for r in got { if let id = r.cloudEventID { gotValue[id] = r.value } }
        #expect(gotValue.count == expected.count, "\(gotValue.count) outputs, \(expected.count) expected")
        for e in expected where gotValue[e.id] != e.value {
            Issue.record("output \(e.id) differs from the single-engine replay")
            break
        }
        // Per topic, key and interaction (an output id starts with its interaction's, and an
        // interaction's customer is on one input partition), in the order the engine emitted them.
        // Across input partitions there is no order to keep: an agent's coaching comes from many.
        func orderKey(_ topic: String, _ key: String, _ id: String) -> String { "\(topic) \(key) \(id.split(separator: ":")[0])" }
        var expectedOrder: [String: [String]] = [:]
        for e in expected { expectedOrder[orderKey(topicOf[e.kind]!, e.key, e.id), default: []].append(e.id) }
        var gotOrder: [String: [String]] = [:]
        for r in got.sorted(by: { ($0.topic, $0.partition, $0.offset) < ($1.topic, $1.partition, $1.offset) }) {
            let id = r.cloudEventID ?? ""
            gotOrder[orderKey(r.topic, String(decoding: r.key ?? [], as: UTF8.self), id), default: []].append(id)
        }
        #expect(gotOrder == expectedOrder)
    }

    /// How a batch is shared out: by partition, each partition's records in poll order, the
    /// largest partition first; a batch of one partition is one run.
    @Test func batchesAreSharedOutByWholePartitions() throws {
        let rules = try Stream.defaultRules()
        let tasks = (0..<3).map { PartitionTask(partition: TopicPartition(topic: "in", partition: Int32($0)), generation: $0, rules: rules, committed: nil) }
        // Made directly, these records' tasks are held by `tasks` alone (a batch would hold them:
        // `PolledBatch.append`), so `tasks` is kept alive to the end.
        defer { withExtendedLifetime(tasks) {} }
        func batch(_ partitionOfEach: [Int]) -> [PolledRecord?] {
            partitionOfEach.enumerated().map { i, p in
                PolledRecord(offset: Int64(i), key: nil, value: nil, timestampMs: nil, task: tasks[p])
            }
        }
        // 100 records of partition 0, 50 of partition 1, 30 of partition 2, interleaved.
        let mixed = batch((0..<180).map { i in i % 18 < 10 ? 0 : (i % 18 < 15 ? 1 : 2) })
        let runs = Pipeline.partitionRuns(of: mixed)
        #expect(runs.map(\.count) == [100, 50, 30])
        #expect(runs.flatMap { $0 }.sorted() == Array(mixed.indices))
        for run in runs {
            #expect(run == run.sorted())
            #expect(Set(run.map { mixed[$0]!.partition }).count == 1)
        }
        #expect(Pipeline.partitionRuns(of: batch(Array(repeating: 0, count: 500))) == [Array(0..<500)])
        #expect(Pipeline.partitionRuns(of: batch([0, 1, 2, 0, 1, 2])).map { $0.count } == [2, 2, 2])
    }

    /// `stop()` returns once the threads have ended, so nothing a job held is let go of on an
    /// engine thread afterwards (a job holding the last reference to a pipeline freed the
    /// pipeline and its clients there, after `run()` had returned). The job here is still
    /// running when `stop()` is called.
    @Test func stopReturnsOnceTheJobsAndWhatTheyHeldAreGone() {
        final class Released: @unchecked Sendable {
            private let lock = NSLock()
            private var done = false
            func set() { lock.lock(); done = true; lock.unlock() }
            var value: Bool { lock.lock(); defer { lock.unlock() }; return done }
        }
        final class Held: @unchecked Sendable {
            let released: Released
            init(_ released: Released) { self.released = released }
            deinit { released.set() }
        }
        let released = Released()
        let threads = EngineThreads(count: 2)
        let started = DispatchSemaphore(value: 0)
        do {
            let held = Held(released)
            threads.run {
                started.signal()
                Thread.sleep(forTimeInterval: 0.3)
                _ = held
            }
        }
        started.wait()
        threads.stop()
        #expect(released.value, "the job's closure was still alive after stop() returned")
    }
}
