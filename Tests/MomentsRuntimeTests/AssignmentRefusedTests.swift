import Kafka
import MomentsCore
@testable import MomentsRuntime
import Testing

/// Partitions librdkafka refused to assign (`RebalanceEvent.refused`, from the consumer's
/// rebalance handler: `ConsumerControlTests.anAssignmentLibrdkafkaRefusesIsReportedAsRefused`) leave
/// the consumer waiting for an assignment for good: the pipeline drops them and stops, for a
/// supervisor to start a new consumer, and keeps the partitions it had.
@Suite struct AssignmentRefusedTests {
    @Test func aRefusedAssignmentDropsItsPartitionsAndStopsThePipeline() throws {
        let p = try Pipeline.unstarted()
        let kept = TopicPartition(topic: "interactions", partition: 0)
        let refused = TopicPartition(topic: "interactions", partition: 1)
        let keptTask = p.newTask(kept)
        _ = p.newTask(refused)
        _ = p.rebalanced(.refused([refused], reason: "t [1] has invalid start offset -100"))
        #expect(p.tasks[refused] == nil)
        #expect(p.tasks[kept] === keptTask)
        #expect(p.status.assigned == [kept])
        let failure = try #require(p.unrecoverable as? AssignmentRefused)
        #expect(failure.partitions == [refused])
        #expect(failure.description.contains("invalid start offset -100"))
        // Not counted as lost: they were never read, and nothing of theirs is left to reprocess.
        #expect(p.status.partitionsLost == 0)
    }
}
