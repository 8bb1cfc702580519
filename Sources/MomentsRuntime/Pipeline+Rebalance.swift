import Kafka
import MomentsCore

extension Pipeline {
    /// Called on the pipeline thread from `consumer.poll` when the group hands partitions over.
    func rebalanced(_ event: RebalanceEvent) {
        switch event {
        case .assigned(let partitions): assigned(partitions)
        case .revoked(let partitions): revoked(partitions)
        }
        statusBox.update { $0.assigned = tasks.keys.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) } }
    }

    /// New partitions start restoring: they are replayed from the oldest retained record up to
    /// the committed offset, outputs suppressed, so their state matches the committed position.
    func assigned(_ partitions: [TopicPartition]) {
        let committed = (try? consumer.committed(partitions, timeoutMs: 10_000)) ?? [:]
        for tp in partitions {
            let task = PartitionTask(partition: tp, rules: rules, committed: committed[tp])
            if configuration.restoreState, let c = committed[tp], let (low, _) = try? consumer.watermarks(tp, timeoutMs: 5000), low < c {
                task.restoreUntil = c
                do {
                    try consumer.seek(tp, to: low)
                } catch {
                    task.restoreUntil = nil
                    hooks.log(.warning, "cannot rewind to restore state; starting from the committed offset", [("partition", "\(tp)"), ("error", "\(error)")])
                }
            }
            tasks[tp] = task
            hooks.log(.info, "partition assigned", [
                ("partition", "\(tp)"), ("committed", committed[tp].map(String.init) ?? "none"),
                ("restore_until", task.restoreUntil.map(String.init) ?? "-"),
            ])
        }
    }

    /// Before partitions leave: every output acknowledged and offsets committed, so the next
    /// owner starts exactly after what this instance finished.
    func revoked(_ partitions: [TopicPartition]) {
        drainDeliveries()
        commitAcknowledged(synchronous: true, only: partitions)
        for tp in partitions {
            tasks[tp] = nil
            hooks.log(.info, "partition revoked", [("partition", "\(tp)")])
        }
    }
}
