import MomentsApp
import MomentsCore
import Testing
@testable import Kafka
@testable import MomentsRuntime

extension TestBed {
    /// A pipeline's bookkeeping driven directly, with a transactional producer of the embedded
    /// broker and a consumer assigned the input (as `TransactionProduceFailureTests`).
    func transactionalPipeline(id: String, transactionCallTimeout: Duration) throws -> (Pipeline, PartitionTask, TopicPartition) {
        let tp = TopicPartition(topic: input, partition: 0)
        let p = pipeline(group: id, rules: try Stream.defaultRules(), changelog: false, transactionalID: id, transactionCallTimeout: transactionCallTimeout)
        p.producer = try KafkaProducer(configuration: KafkaConfiguration(p.configuration.producerProperties.merging(["transactional.id": id]) { $1 }), onDelivery: { [unowned p] in p.delivered($0) })
        p.consumer = try KafkaConsumer(configuration: KafkaConfiguration(p.configuration.consumerProperties))
        try p.producer.initTransactions()
        try p.consumer.assign([tp: 0])
        let task = PartitionTask(partition: tp, generation: p.nextGeneration, rules: p.rules, committed: nil)
        p.nextGeneration += 1
        p.tasks[tp] = task
        return (p, task, tp)
    }

    /// An output of input `offset`, produced in the open transaction and delivered.
    func produceOutput(_ p: Pipeline, _ task: PartitionTask, offset: Int64) throws {
        task.lastOffset = offset
        let record = OutputRecord(topic: topics.alerts, key: Array("i-1".utf8), value: [1], headers: [], id: "i-1:m:\(offset)", kind: .alert)
        p.produce(PendingOutput(record: record, partition: task.partition, generation: task.generation, sequence: task.tracker.record(offset: offset, outputs: 1), arrivalWall: 0))
        try p.producer.flush(timeoutMs: 10_000)
        let open = p.inTransaction && !p.transactionFailed
        #expect(open)
    }
}
