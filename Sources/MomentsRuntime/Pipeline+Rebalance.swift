import CoreMetrics
import Logging
import Foundation
import Kafka
import MomentsCore

extension Pipeline {
    /// Called on the pipeline thread from `consumer.poll` when the group hands partitions over.
    /// Returns the offsets to start newly assigned partitions from (to restore their state).
    func rebalanced(_ event: RebalanceEvent) -> [TopicPartition: Int64] {
        var starts: [TopicPartition: Int64] = [:]
        switch event {
        case .assigned(let partitions): starts = assigned(partitions)
        case .revoked(let partitions): revoked(partitions)
        }
        statusBox.update { $0.assigned = tasks.keys.sorted() }
        return starts
    }

    /// New partitions start restoring: they are replayed from the oldest retained record up to
    /// the committed offset, outputs suppressed, so their state matches the committed position.
    func assigned(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        var starts: [TopicPartition: Int64] = [:]
        let committed = (try? consumer.committed(partitions, timeoutMs: 10_000)) ?? [:]
        let lookback: [TopicPartition: Int64] = configuration.restoreLookback.map { d in
            let since = Int64(Date().timeIntervalSince1970 * 1000) - d.milliseconds
            return consumer.offsets(at: since, for: partitions, timeoutMs: 5000)
        } ?? [:]
        for tp in partitions {
            let task = PartitionTask(partition: tp, rules: rules, committed: committed[tp])
            if configuration.restoreState, let c = committed[tp], let (low, _) = try? consumer.watermarks(tp, timeoutMs: 5000) {
                let from = max(low, lookback[tp] ?? low)
                if from < c {
                    task.restoreUntil = c
                    starts[tp] = from
                }
            }
            tasks[tp] = task
            log(.info, "partition assigned", [
                ("partition", "\(tp)"), ("committed", committed[tp].map(String.init) ?? "none"),
                ("restore_from", starts[tp].map(String.init) ?? "-"),
            ])
        }
        return starts
    }

    /// Before partitions leave: every output acknowledged and offsets committed, so the next
    /// owner starts exactly after what this instance finished.
    func revoked(_ partitions: [TopicPartition]) {
        drainDeliveries()
        commitAcknowledged(synchronous: true, only: partitions)
        for tp in partitions {
            tasks[tp] = nil
            log(.info, "partition revoked", [("partition", "\(tp)")])
        }
    }
}
