import Kafka
import MomentsCore
@testable import MomentsRuntime

/// A pipeline that never runs, for tests that drive its bookkeeping directly (no broker).
extension Pipeline {
    static func unstarted() throws -> Pipeline {
        let routing = OutputRouting(alerts: "moments.alerts", coaching: "moments.coaching", recovery: "moments.recovery", deadLetter: "moments.dead-letter")
        let config = PipelineConfiguration(consumerProperties: [:], producerProperties: [:], inputTopics: ["interactions"], routing: routing)
        return Pipeline(configuration: config, rules: try Stream.defaultRules())
    }

    /// A new task for `tp` (the next generation, committed at 10), now the partition's: as after
    /// an assignment, or a partition assigned again.
    func newTask(_ tp: TopicPartition) -> PartitionTask {
        let task = PartitionTask(partition: tp, generation: nextGeneration, rules: rules, committed: 10)
        nextGeneration += 1
        tasks[tp] = task
        return task
    }
}
