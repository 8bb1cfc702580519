import Foundation
import Dispatch
@testable import Kafka
import MomentsCore
@testable import MomentsRuntime
import Synchronization
import Testing

/// A batch computed on the engine threads while the pipeline thread goes on: every outcome is
/// the one of its own record, each partition's records are computed in offset order, one at a
/// time, and the pipeline thread takes them back in poll order.
@Suite struct BatchInFlightTests {
    /// Three partitions' records interleaved, as a fetch hands them over; record i's value is
    /// i's decimal digits in the batch's bytes, and every third one has a key ("k" and i).
    func records(_ count: Int, tasks: [PartitionTask]) -> PolledBatch {
        var batch = PolledBatch()
        for i in 0..<count {
            let p = i % 7 < 4 ? 0 : (i % 7 < 6 ? 1 : 2)
            func append(_ text: String) -> Range<Int> {
                let from = batch.bytes.count
                batch.bytes.append(contentsOf: Array(text.utf8))
                return from..<batch.bytes.count
            }
            let key = i % 3 == 0 ? append("k\(i)") : nil
            batch.append(offset: Int64(i), key: key, value: append(String(i)), timestampMs: nil, task: tasks[p])
        }
        return batch
    }

    /// The text of a record's value in its batch's bytes.
    func text(_ range: Range<Int>?, _ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        range.map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    func tasks() throws -> [PartitionTask] {
        let rules = try Stream.defaultRules()
        return (0..<3).map { PartitionTask(partition: TopicPartition(topic: "in", partition: Int32($0)), generation: $0, rules: rules, committed: nil) }
    }

    @Test(arguments: [1, 2, 3])
    func outcomesComeBackInPollOrderEachPartitionComputedInOrder(threads: Int) throws {
        let tasks = try tasks()
        let polled = records(700, tasks: tasks)
        let runs = Pipeline.partitionRuns(of: polled.records)
        // What each partition's computation saw, in the order it saw it.
        let seen = Mutex<[Int32: [Int64]]>([:])
        let batch = BatchInFlight(polled, wall: 42)
        let engines = EngineThreads(count: threads)
        defer { engines.stop() }
        let misread = Mutex(0)
        let lentOther = Mutex(0)
        let taskIDs = tasks.map(ObjectIdentifier.init)
        batch.compute(runs: runs, on: engines) { p, task, bytes in
            // The task lent with a record is the one it was polled for.
            if ObjectIdentifier(task) != taskIDs[Int(p.partition)] { lentOther.withLock { $0 += 1 } }
            seen.withLock { $0[p.partition, default: []].append(p.offset) }
            // Each record's key and value are its own, in the bytes the batch's records share.
            if text(p.value, bytes) != String(p.offset) || text(p.key, bytes) != (p.offset % 3 == 0 ? "k\(p.offset)" : nil) {
                misread.withLock { $0 += 1 }
            }
            return RecordOutcome(kind: .skipped, engineClock: Timestamp(milliseconds: p.offset * 10))
        }
        batch.waitUntilComputed()
        var offsets: [Int64] = []
        // In two calls: the second goes on where the first stopped.
        for limit in [300, Int.max] {
            batch.forEachInOrder(limit: limit) { record, task, outcome, bytes in
                #expect(task === tasks[Int(record.partition)])
                #expect(outcome.engineClock.milliseconds == record.offset * 10)
                #expect(text(record.value, bytes) == String(record.offset))
                #expect(text(record.key, bytes) == (record.offset % 3 == 0 ? "k\(record.offset)" : nil))
                offsets.append(record.offset)
            }
        }
        #expect(offsets == Array(0..<700))
        #expect(misread.withLock { $0 } == 0)
        #expect(lentOther.withLock { $0 } == 0)
        #expect(batch.wall == 42)
        for (partition, order) in seen.withLock({ $0 }) {
            #expect(order == order.sorted(), "partition \(partition) computed out of order")
            #expect(order.count == polled.records.filter { $0!.partition == partition }.count)
        }
    }

    /// Two jobs given to two engine threads run at the same time: each waits for the other to
    /// have started. (On a concurrent dispatch queue they often ran one after the other.)
    @Test func twoEngineThreadsRunTwoJobsAtOnce() {
        let engines = EngineThreads(count: 2)
        defer { engines.stop() }
        let firstStarted = DispatchSemaphore(value: 0), secondStarted = DispatchSemaphore(value: 0)
        let bothMet = Mutex(0)
        let group = DispatchGroup()
        group.enter()
        engines.run {
            firstStarted.signal()
            if secondStarted.wait(timeout: .now() + 10) == .success { bothMet.withLock { $0 += 1 } }
            group.leave()
        }
        group.enter()
        engines.run {
            secondStarted.signal()
            if firstStarted.wait(timeout: .now() + 10) == .success { bothMet.withLock { $0 += 1 } }
            group.leave()
        }
        group.wait()
        #expect(bothMet.withLock { $0 } == 2)
    }

    /// Jobs of one partition run one at a time and in the order given, however many engine
    /// threads there are, while other partitions' jobs run beside them.
    @Test func aPartitionsJobsRunOneAtATimeInOrder() {
        let engines = EngineThreads(count: 3)
        defer { engines.stop() }
        let partitions = (0..<4).map { _ in SerialJobs() }
        let running = Mutex([Int](repeating: 0, count: 4))
        let order = Mutex([[Int]](repeating: [], count: 4))
        let overlaps = Mutex(0)
        let group = DispatchGroup()
        for job in 0..<400 {
            let p = job % 4
            partitions[p].submit(on: engines, group: group) {
                running.withLock { $0[p] += 1; if $0[p] > 1 { overlaps.withLock { $0 += 1 } } }
                order.withLock { $0[p].append(job) }
                for _ in 0..<(job % 7) * 100 { _ = running.withLock { $0[p] } }
                running.withLock { $0[p] -= 1 }
            }
        }
        group.wait()
        #expect(overlaps.withLock { $0 } == 0)
        for p in 0..<4 { #expect(order.withLock { $0[p] } == Array(stride(from: p, to: 400, by: 4))) }
    }

    /// Computed at once on the calling thread when there is no queue (a small batch).
    @Test func withoutQueueTheBatchIsComputedBeforeComputeReturns() throws {
        let tasks = try tasks()
        let batch = BatchInFlight(records(10, tasks: tasks), wall: 0)
        let computed = Mutex(0)
        batch.compute(runs: [Array(0..<10)], on: nil) { p, _, _ in
            computed.withLock { $0 += 1 }
            return RecordOutcome(kind: .restored, engineClock: Timestamp(milliseconds: p.offset))
        }
        #expect(computed.withLock { $0 } == 10)
        batch.waitUntilComputed()
        var offsets: [Int64] = []
        batch.forEachInOrder { record, _, _, _ in offsets.append(record.offset) }
        #expect(offsets == Array(0..<10))
    }

    /// Records do not hold their tasks (`PolledRecord.taskReference`): the batch does, from the
    /// poll until its last record is applied, even when nothing else holds them any more (a
    /// partition revoked meanwhile).
    @Test func theBatchHoldsItsRecordsTasks() throws {
        weak var weakTask: PartitionTask?
        var polled: PolledBatch
        do {
            let tasks = try tasks()
            weakTask = tasks[1]
            polled = records(50, tasks: tasks)
            // Each task once per run of its records, in poll order.
            #expect(polled.tasks.count == polled.records.indices.filter { $0 == 0 || polled.records[$0]!.taskIdentity != polled.records[$0 - 1]!.taskIdentity }.count)
        }
        #expect(weakTask != nil, "the polled batch let its task go")
        let batch = BatchInFlight(polled, wall: 0)
        polled = PolledBatch()
        #expect(weakTask != nil, "the batch in flight let its task go")
        batch.compute(runs: [Array(0..<50)], on: nil) { p, task, _ in
            RecordOutcome(kind: .skipped, engineClock: Timestamp(milliseconds: Int64(task.partition.partition)))
        }
        batch.waitUntilComputed()
        var partitions: [Int32] = []
        batch.forEachInOrder { record, task, outcome, _ in
            #expect(task.partition == record.task.partition)
            partitions.append(Int32(outcome.engineClock.milliseconds))
        }
        #expect(partitions == (0..<50).map { i in i % 7 < 4 ? 0 : (i % 7 < 6 ? 1 : 2) })
    }

    /// A batch dropped half applied (a rebalance, a fatal error) releases what it still holds:
    /// the records' tasks are not kept alive by it.
    @Test func aBatchDroppedHalfAppliedReleasesTheRest() throws {
        weak var weakTask: PartitionTask?
        do {
            let tasks = try tasks()
            weakTask = tasks[2]
            let batch = BatchInFlight(records(100, tasks: tasks), wall: 0)
            let engines = EngineThreads(count: 1)
            defer { engines.stop() }
            batch.compute(runs: [Array(0..<100)], on: engines) { p, _, _ in
                RecordOutcome(kind: .skipped, engineClock: Timestamp(milliseconds: p.offset))
            }
            batch.waitUntilComputed()
            var applied = 0
            batch.forEachInOrder(limit: 30) { _, _, _, _ in applied += 1 }
            #expect(applied == 30)
        }
        // The engine thread lets go of its finished job just after the batch's wait returns.
        for _ in 0..<500 where weakTask != nil { Thread.sleep(forTimeInterval: 0.01) }
        #expect(weakTask == nil)
    }

    /// A batch's arrays and outcome storage serve the next batch (`PolledBatch.Buffers`), empty
    /// and with their room kept, and outcomes computed into reused storage are the new batch's
    /// own; a larger batch than the storage holds gets storage of its own.
    @Test func theNextBatchReusesABatchsBuffersAndOutcomeStorage() throws {
        let tasks = try tasks()
        func computeAndApply(_ polled: PolledBatch) -> (offsets: [Int64], buffers: PolledBatch.Buffers) {
            let batch = BatchInFlight(polled, wall: 0)
            batch.compute(runs: Pipeline.partitionRuns(of: polled.records), on: nil) { p, _, _ in
                RecordOutcome(kind: .skipped, engineClock: Timestamp(milliseconds: p.offset))
            }
            batch.waitUntilComputed()
            var offsets: [Int64] = []
            batch.forEachInOrder { record, _, outcome, _ in
                #expect(outcome.engineClock.milliseconds == record.offset)
                offsets.append(record.offset)
            }
            return (offsets, batch.takeBuffers())
        }
        let first = computeAndApply(records(500, tasks: tasks))
        #expect(first.offsets == (0..<500).map(Int64.init))
        let spare = first.buffers
        #expect(spare.bytes.isEmpty && spare.records.isEmpty)
        #expect(spare.bytes.capacity > 0 && spare.records.capacity >= 500)
        let storage = try #require(spare.outcomes)
        #expect(storage.capacity == 500)

        // Filled again through the reused arrays: a smaller batch, in the same storage.
        func fill(_ spare: PolledBatch.Buffers, count: Int, from first: Int) -> PolledBatch {
            var batch = PolledBatch(reusing: spare)
            for i in 0..<count {
                let from = batch.bytes.count
                batch.bytes.append(contentsOf: Array("v\(i)".utf8))
                batch.append(offset: Int64(first + i), key: nil, value: from..<batch.bytes.count, timestampMs: nil, task: tasks[i % 3])
            }
            return batch
        }
        let next = fill(spare, count: 300, from: 1000)
        #expect(next.outcomes === storage)
        let second = computeAndApply(next)
        #expect(second.offsets == (0..<300).map { Int64(1000 + $0) })
        #expect(second.buffers.outcomes === storage)

        // A batch larger than the storage: new storage, as large as it.
        let third = computeAndApply(fill(second.buffers, count: 800, from: 2000))
        #expect(third.offsets == (0..<800).map { Int64(2000 + $0) })
        #expect(third.buffers.outcomes !== storage && third.buffers.outcomes?.capacity == 800)
    }
}
