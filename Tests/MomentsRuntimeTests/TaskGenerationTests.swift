import MomentsCore
import Testing
@testable import Kafka
@testable import MomentsRuntime

/// What an earlier task of a partition left behind (an output acknowledged late, a failed output,
/// deferred state) must not touch the partition's next task, whose sequence numbers and state
/// batches restart at 0. No broker: the pipeline's bookkeeping is driven directly, as after a
/// partition was lost, the drain gave up, and the partition was assigned again.
@Suite struct TaskGenerationTests {
    let tp = TopicPartition(topic: "interactions", partition: 0)

    func pipeline() throws -> Pipeline { try Pipeline.unstarted() }

    /// The old task's output of input 10, and the new task reprocessing input 10 from the commit.
    func output(of task: PartitionTask, epoch: Int = 0) -> PendingOutput {
        var p = PendingOutput(
            record: OutputRecord(topic: "moments.alerts", key: nil, value: [1], headers: [], id: "i-1:m:1", kind: .alert),
            partition: tp, generation: task.generation, sequence: task.tracker.record(offset: 10, outputs: 1), arrivalWall: 0)
        p.epoch = epoch
        return p
    }

    func task(_ p: Pipeline) -> PartitionTask { p.newTask(tp) }

    @Test func aLateAcknowledgementIsNotAppliedToTheNextTask() throws {
        let p = try pipeline()
        let old = task(p)
        let token = p.pending.insert(output(of: old))
        let new = task(p)
        _ = new.tracker.record(offset: 10, outputs: 1)   // the same sequence number, its output in flight
        p.delivered(DeliveryReport(token: token, topic: "moments.alerts", partition: 0, offset: 0, error: nil))
        // Applied to the new task, it would let offset 11 be committed before input 10's own output lands.
        #expect(new.tracker.committable == 10)
        #expect(new.tracker.inFlight == 1)
        #expect(p.batchCounts.stale == 1)
        #expect(p.batchCounts.delivered == 1)   // it is on the output topic all the same
        p.publishBatchCounts()
        #expect(p.status.staleDeliveries == 1)
    }

    /// The pipeline lets go of an output's bytes once the producer has them
    /// (`PendingOutput.releaseProduced`); a failed delivery's report brings them back.
    @Test func aFailedOutputIsProducedAgainWithTheBytesItsReportBrings() throws {
        let p = try pipeline()
        let current = task(p)
        var pending = output(of: current)
        pending.releaseProduced()
        #expect(pending.record.value == nil && pending.output == nil)
        let token = p.pending.insert(pending)
        let bytes = UndeliveredMessage(key: Array("i-1".utf8), value: [1, 2, 3], headers: [KafkaHeader(name: "content-type", value: Array("application/cloudevents+json".utf8))])
        p.delivered(DeliveryReport(token: token, topic: "moments.alerts", partition: 0, offset: -1, error: KafkaError(code: KafkaError.timedOut, message: "message timed out"), undelivered: bytes))
        let retry = try #require(p.retries.first)
        #expect(retry.record.key == bytes.key)
        #expect(retry.record.value == bytes.value)
        #expect(retry.record.headers.map(\.0) == ["content-type"])
        #expect(retry.record.headers.map(\.1) == [Array("application/cloudevents+json".utf8)])
        #expect(retry.record.topic == "moments.alerts" && retry.record.kind == .alert)
        #expect(retry.attempts == 1)
        #expect(current.tracker.inFlight == 1)   // its input stays uncommitted until it lands
    }

    @Test func aFailedOutputWhoseBytesAreGoneIsNotProducedEmpty() throws {
        let p = try pipeline()
        let current = task(p)
        var pending = output(of: current)
        pending.releaseProduced()
        let token = p.pending.insert(pending)
        p.delivered(DeliveryReport(token: token, topic: "moments.alerts", partition: 0, offset: -1, error: KafkaError(code: KafkaError.timedOut, message: "message timed out")))
        // Producing it again now would write an empty record; its input is processed again instead.
        #expect(p.retries.isEmpty)
        #expect(current.tracker.inFlight == 1)
        #expect(current.tracker.committable == 10)
    }

    @Test func aFailedOutputOfATaskThatIsGoneIsNotProducedAgain() throws {
        let p = try pipeline()
        let old = task(p)
        old.unacknowledgedByEpoch[0] = 1
        p.retries.append(output(of: old))
        _ = task(p)
        p.resendFailed()
        #expect(p.retries.isEmpty)
        #expect(p.pending.isEmpty)
    }

    @Test func deferredStateOfATaskThatIsGoneIsDropped() throws {
        let p = try pipeline()
        let old = task(p)
        p.deferredState = [Pipeline.DeferredState(epoch: 0, partition: tp, generation: old.generation, encoding: nil, offset: 99)]
        let new = task(p)
        p.releaseDeferredState()
        #expect(p.deferredState.isEmpty)
        // Accounted against the new task, it would mark state up to offset 99 durable, and commits
        // could pass what the new task's state reflects.
        #expect(new.durableOffset == 10)
        #expect(new.changelogBatches.inFlight == 0)
    }
}
