import MomentsCore
import Testing
@testable import Kafka
@testable import MomentsRuntime

/// A restore resumes after the latest partition record on the changelog, so that record must
/// never land before the customer records it vouches for, and a customer record that failed
/// for good must not leave a partition record claiming its batch (a crash would restore the
/// customer's older state and skip the events that changed it).
@Suite struct ChangelogBatchesTests {
    func partitionRecord(_ offset: Int64) -> OutputRecord {
        OutputRecord(
            topic: "state", key: Array("interactions/".utf8), value: Array("\(offset)".utf8), headers: [Changelog.partitionHeader],
            partition: 0, id: "state:partition", kind: .state)
    }

    @Test func thePartitionRecordWaitsForItsCustomersAndMakesTheBatchDurable() {
        var batches = ChangelogBatches(durableOffset: 10)
        let (id, due) = batches.sent(customers: 2, partitionRecord: partitionRecord(19), reflecting: 19, epoch: 0)
        #expect(due.isEmpty)
        #expect(batches.customerAcknowledged(batch: id).isEmpty)
        let now = batches.customerAcknowledged(batch: id)
        #expect(now.map(\.batch) == [id])
        #expect(now.first?.record.isPartitionRecord == true)
        #expect(batches.durableOffset == 10)   // not before the partition record is acknowledged
        batches.partitionRecordAcknowledged(batch: id)
        #expect(batches.durableOffset == 20)
        #expect(batches.inFlight == 0)
    }

    @Test func aLaterBatchsPartitionRecordWaitsForEveryEarlierCustomer() {
        var batches = ChangelogBatches(durableOffset: nil)
        let first = batches.sent(customers: 1, partitionRecord: partitionRecord(5), reflecting: 5, epoch: 0).id
        let second = batches.sent(customers: 1, partitionRecord: partitionRecord(9), reflecting: 9, epoch: 1).id
        #expect(batches.customerAcknowledged(batch: second).isEmpty)   // the first batch's customer is still in flight
        #expect(batches.customerAcknowledged(batch: first).map(\.batch) == [first, second])
        batches.partitionRecordAcknowledged(batch: second)
        #expect(batches.durableOffset == nil)   // in order: the first batch is not durable yet
        batches.partitionRecordAcknowledged(batch: first)
        #expect(batches.durableOffset == 10)
    }

    @Test func aFailedCustomerHoldsBackEveryBatchTakenBeforeTheNextCheckpoint() {
        var batches = ChangelogBatches(durableOffset: 0)
        let failing = batches.sent(customers: 2, partitionRecord: partitionRecord(4), reflecting: 4, epoch: 0).id
        let meanwhile = batches.sent(customers: 1, partitionRecord: partitionRecord(8), reflecting: 8, epoch: 1).id
        // The failure is reported while epoch 2 is open: the next checkpoint (epoch 2) holds the customer.
        let failure = batches.customerFailed(batch: failing, nextEpoch: 2)
        #expect(failure.due.isEmpty)
        #expect(failure.first)
        #expect(!batches.customerFailed(batch: failing, nextEpoch: 2).first)   // the batch's second failure
        #expect(batches.customerAcknowledged(batch: meanwhile).isEmpty)   // taken before: no partition record
        #expect(batches.durableOffset == 0)
        #expect(batches.inFlight == 0)
        let next = batches.sent(customers: 1, partitionRecord: partitionRecord(12), reflecting: 12, epoch: 2).id
        #expect(batches.customerAcknowledged(batch: next).map(\.batch) == [next])
        batches.partitionRecordAcknowledged(batch: next)
        #expect(batches.durableOffset == 13)
    }

    /// Its customers are on the changelog, but not the budgets and clock it carried: nothing is
    /// durable until a later partition record is, not even a batch in which nothing changed.
    @Test func aFailedPartitionRecordMakesNothingDurableUntilAnotherOneLands() {
        var batches = ChangelogBatches(durableOffset: 3)
        let failing = batches.sent(customers: 1, partitionRecord: partitionRecord(6), reflecting: 6, epoch: 0).id
        _ = batches.sent(customers: 0, partitionRecord: nil, reflecting: 7, epoch: 1)   // nothing changed
        #expect(batches.customerAcknowledged(batch: failing).map(\.offset) == [6])
        batches.partitionRecordFailed(batch: failing, nextEpoch: 2)
        #expect(batches.durableOffset == 3)
        #expect(batches.inFlight == 0)
        let next = batches.sent(customers: 0, partitionRecord: partitionRecord(9), reflecting: 9, epoch: 2)
        #expect(next.due.map(\.batch) == [next.id])   // no customers: due at once
        #expect(batches.durableOffset == 3)
        batches.partitionRecordAcknowledged(batch: next.id)
        #expect(batches.durableOffset == 10)
    }

    /// A later batch's partition record landed after the earlier batch's customers: it covers
    /// them, even though the earlier batch's own partition record failed.
    @Test func aLaterPartitionRecordCoversAnEarlierOneThatFailed() {
        var batches = ChangelogBatches(durableOffset: 0)
        let first = batches.sent(customers: 1, partitionRecord: partitionRecord(4), reflecting: 4, epoch: 0).id
        let second = batches.sent(customers: 1, partitionRecord: partitionRecord(8), reflecting: 8, epoch: 1).id
        #expect(batches.customerAcknowledged(batch: first).map(\.batch) == [first])
        #expect(batches.customerAcknowledged(batch: second).map(\.batch) == [second])
        batches.partitionRecordFailed(batch: first, nextEpoch: 2)
        batches.partitionRecordAcknowledged(batch: second)
        #expect(batches.durableOffset == 9)
    }

    @Test func aBatchWithNothingChangedIsDurableInItsTurn() {
        var batches = ChangelogBatches(durableOffset: 0)
        let first = batches.sent(customers: 1, partitionRecord: partitionRecord(2), reflecting: 2, epoch: 0).id
        _ = batches.sent(customers: 0, partitionRecord: nil, reflecting: 5, epoch: 1)
        #expect(batches.durableOffset == 0)
        _ = batches.customerAcknowledged(batch: first)
        batches.partitionRecordAcknowledged(batch: first)
        #expect(batches.durableOffset == 6)
    }

    @Test func anOwedPartitionRecordIsTakenEvenWhenNothingChanged() throws {
        let task = PartitionTask(partition: TopicPartition(topic: "interactions", partition: 0), generation: 0, rules: try Stream.defaultRules(), committed: 0)
        task.engine.tracksChanges = true
        let changelog = Changelog(topic: "state")
        #expect(changelog.take(task) == nil)
        task.partitionRecordOwed = true
        let pending = try #require(changelog.take(task))
        #expect(!task.partitionRecordOwed)
        #expect(pending.finish().map(\.isPartitionRecord) == [true])
        #expect(changelog.take(task) == nil)
    }

    /// A pipeline (not started) writing a changelog, with one running task tracking changes.
    func pipelineWithAChangelogTask() throws -> (Pipeline, PartitionTask, TopicPartition) {
        let tp = TopicPartition(topic: "interactions", partition: 0)
        let routing = OutputRouting(alerts: "moments.alerts", coaching: "moments.coaching", recovery: "moments.recovery", deadLetter: "moments.dead-letter")
        var config = PipelineConfiguration(consumerProperties: [:], producerProperties: [:], inputTopics: [tp.topic], routing: routing)
        config.changelogTopic = "state"
        let p = Pipeline(configuration: config, rules: try Stream.defaultRules())
        let task = PartitionTask(partition: tp, generation: p.nextGeneration, rules: p.rules, committed: 0)
        task.engine.tracksChanges = true
        p.tasks[tp] = task
        return (p, task, tp)
    }

    /// Through the pipeline: a customer record that failed for good is not produced again (it
    /// could overwrite a newer record of the customer) and the customer is in the next checkpoint.
    @Test func aFailedCustomerRecordGoesIntoTheNextCheckpointInsteadOfBeingRetried() throws {
        let (p, task, tp) = try pipelineWithAChangelogTask()
        p.epoch = 3
        let batch = task.changelogBatches.sent(customers: 1, partitionRecord: partitionRecord(0), reflecting: 0, epoch: 2).id
        let record = OutputRecord(topic: "state", key: Array("interactions/c-42".utf8), value: [1], headers: [], partition: 0, id: "state:c-42", kind: .state)
        var pending = PendingOutput(record: record, partition: tp, generation: task.generation, sequence: task.tracker.record(offset: 0, outputs: 1), arrivalWall: 0)
        pending.stateBatch = batch
        let token = p.pending.insert(pending)

        p.delivered(DeliveryReport(token: token, topic: "state", partition: 0, offset: -1, error: KafkaError(code: KafkaError.timedOut, message: "message timed out")))
        #expect(p.retries.isEmpty)
        #expect(p.pending.isEmpty)   // nor its partition record: the batch is held
        #expect(task.tracker.committable == 1)   // commits are held by the durable offset instead
        #expect(task.changelogBatches.inFlight == 0)   // the batch is done, durable or not
        #expect(task.durableOffset == 0)   // not: acknowledged, its partition record would have made it 1
        #expect(p.status.stateRecordsFailed == 1)
        // The next checkpoint takes the customer's current state.
        p.changelog = Changelog(topic: "state")
        p.deferChangelog(only: nil)
        let taken = try #require(p.deferredState.last?.encoding?.records(wait: true))
        #expect(taken.map(\.id) == ["state:c-42", "state:partition"])
        #expect(p.deferredState.last?.epoch == 3)   // the epoch the failure holds batches below
    }

    /// A failure may be reported while an engine thread runs the task's engine: from inside
    /// `producer.produce`, which serves delivery reports while the producer's queue is full,
    /// as the pipeline thread applies one batch while the engine threads compute the next. So
    /// the engine is not touched then; the customer waits on the task for the next checkpoint.
    @Test func aFailedCustomerRecordLeavesTheEngineAloneUntilTheCheckpoint() throws {
        let (p, task, tp) = try pipelineWithAChangelogTask()
        p.epoch = 1
        let batch = task.changelogBatches.sent(customers: 2, partitionRecord: partitionRecord(0), reflecting: 0, epoch: 0).id
        var tokens: [UInt64] = []
        for customer in ["c-7", "c-8"] {
            let record = OutputRecord(topic: "state", key: Array("interactions/\(customer)".utf8), value: [1], headers: [], partition: 0, id: "state:\(customer)", kind: .state)
            var pending = PendingOutput(record: record, partition: tp, generation: task.generation, sequence: task.tracker.record(offset: 0, outputs: 1), arrivalWall: 0)
            pending.stateBatch = batch
            tokens.append(p.pending.insert(pending))
        }
        for token in tokens {
            p.delivered(DeliveryReport(token: token, topic: "state", partition: 0, offset: -1, error: KafkaError(code: KafkaError.timedOut, message: "message timed out")))
        }
        #expect(task.unwrittenCustomers == ["c-7", "c-8"])
        #expect(task.engine.takeChangedStates().isEmpty)   // the engine was not touched
        let taken = try #require(Changelog(topic: "state").take(task))
        #expect(taken.states.map(\.customer) == ["c-7", "c-8"])
        #expect(task.unwrittenCustomers.isEmpty)
        #expect(Changelog(topic: "state").take(task) == nil)   // written once
    }

    /// A partition record made due while an earlier one is being produced (a full queue serves
    /// delivery reports inside the produce call) is produced after it, not inside that call,
    /// ahead of those still waiting: the earlier record, landing last, won the compaction.
    @Test func partitionRecordsMadeDueWhileProducingWaitTheirTurn() {
        var due = DuePartitionRecords()
        var produced: [Int] = []
        func send(_ batches: [Int]) {
            guard due.add(batches.map { ($0, Int64($0), partitionRecord(Int64($0))) }) else { return }
            while let next = due.next() {
                produced.append(next.batch)
                // Producing batch 1's record serves a report that makes batch 3's due.
                if next.batch == 1 { send([3]) }
            }
        }
        send([1, 2])
        #expect(produced == [1, 2, 3])
        send([4])
        #expect(produced == [1, 2, 3, 4])   // the drain ended: the next call produces at once
    }

    /// The pipeline's sending goes through that queue: called while an earlier record is being
    /// produced (the queue draining), it produces nothing itself (this pipeline has no producer:
    /// producing would stop the test) and leaves the record to the drain, after the earlier ones.
    @Test func thePipelineSendsPartitionRecordsMadeDueWhileProducingInTheirTurn() throws {
        let (p, task, _) = try pipelineWithAChangelogTask()
        let drains = task.duePartitionRecords.add([(1, 10, partitionRecord(10)), (2, 20, partitionRecord(20))])   // a drain under way
        let producing = task.duePartitionRecords.next()
        #expect(drains && producing?.batch == 1)
        p.sendPartitionRecords([(3, 30, partitionRecord(30))], from: task)
        #expect(p.pending.isEmpty)
        var rest: [Int] = []
        while let next = task.duePartitionRecords.next() { rest.append(next.batch) }
        #expect(rest == [2, 3])
    }
}
