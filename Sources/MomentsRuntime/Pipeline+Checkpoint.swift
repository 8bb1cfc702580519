import Kafka
import Logging
import MomentsCore

/// Checkpoints without stopping the stream (at-least-once with a changelog).
///
/// The order that keeps state and offsets consistent is unchanged: the outputs a state reflects
/// are acknowledged before that state is written, and an offset is committed only once the state
/// that reflects it is acknowledged. What changed is that nothing waits for it. A checkpoint
/// takes the changed customers' state at once and closes an *epoch*; a partition's state is sent
/// when every output its partition produced in that epoch and the ones before it is
/// acknowledged, while processing goes on; and
/// commits are capped at the offset the partition's acknowledged state reflects. Waiting in line
/// for those acknowledgements had taken about half of the pipeline's time.
extension Pipeline {
    /// State taken at a checkpoint, waiting for the outputs produced before it.
    struct DeferredState {
        var epoch: Int
        var partition: TopicPartition
        /// The task whose state it is; released only to that task.
        var generation: Int
        /// Taken at the checkpoint and encoded in the background (`StateEncodingJob`); nil when
        /// nothing changed.
        var encoding: StateEncodingJob?
        /// The last input offset the state reflects.
        var offset: Int64
    }

    /// Takes the changed state of every running partition (or only `partitions`) and closes the epoch.
    /// `leaving`: the partitions go (a revocation, a stop), and their state is taken whatever
    /// waits. Otherwise a partition whose earlier state still waits for its outputs is not taken
    /// again: what changes meanwhile stays marked in its engine, and the checkpoint after that
    /// state is sent takes it all. So one output stuck for minutes holds one state per
    /// partition, not one per commit interval, each a copy of every customer it changed.
    func deferChangelog(only partitions: [TopicPartition]?, leaving: Bool = false) {
        guard let changelog else { return }
        assert(batchesInFlight.isEmpty, "state taken while engine threads may run the engines")
        let waiting = leaving ? [] : Set(deferredState.map(\.generation))
        for (tp, task) in tasks where !task.isRestoring && (partitions?.contains(tp) ?? true) && !waiting.contains(task.generation) {
            guard let offset = task.reflectedOffset ?? task.tracker.committable.map({ $0 - 1 }) else { continue }
            // Nothing changed: the state reflecting `offset` is the one already written.
            let encoding = changelog.take(task).map(StateEncodingJob.init)
            encoding?.start(on: stateEncodingQueue, wake: wakeup)
            deferredState.append(DeferredState(epoch: epoch, partition: tp, generation: task.generation, encoding: encoding, offset: offset))
        }
        epoch += 1
        publishStatesWaiting()
    }

    /// `PipelineStatus.statesWaiting`, published when it changed.
    func publishStatesWaiting() {
        guard deferredState.count != publishedStatesWaiting else { return }
        publishedStatesWaiting = deferredState.count
        statusBox.update { $0.statesWaiting = deferredState.count }
    }

    /// Sends the deferred state whose partition's outputs are all acknowledged, each partition's
    /// oldest first. State still being encoded waits (the encoder wakes the loop when it is
    /// done) unless `waitForEncoding`, as when leaving, where everything must be sent now.
    func releaseDeferredState(waitForEncoding: Bool = false) {
        guard !deferredState.isEmpty else { return }
        // Tasks (by generation) with an earlier state still waiting: theirs keep their order.
        var held: Set<Int> = []
        var kept: [DeferredState] = []
        for first in deferredState {
            guard !held.contains(first.generation) else { kept.append(first); continue }
            // Its task is gone (revoked or lost, even if the partition is back with a new task):
            // dropped; the successor restores its own state and reprocesses from the last commit.
            guard let task = task(for: first.partition, generation: first.generation) else { continue }
            var records: [OutputRecord] = []
            if task.outputsOutstanding(through: first.epoch) {
                held.insert(first.generation)
                kept.append(first)
                continue
            }
            if let encoding = first.encoding {
                guard let encoded = encoding.records(wait: waitForEncoding) else {
                    held.insert(first.generation)
                    kept.append(first)
                    continue
                }
                records = encoded
            }
            // The partition record (last) waits for the customer records: see ChangelogBatches.
            let partitionRecord = records.popLast()
            let (batch, due) = task.changelogBatches.sent(customers: records.count, partitionRecord: partitionRecord, reflecting: first.offset, epoch: first.epoch)
            if logger.logLevel <= .debug, !records.isEmpty {
                log(.debug, "state sent", [("partition", "\(first.partition)"), ("reflects_offset", String(first.offset)), ("customers", String(records.count))])
            }
            if !records.isEmpty { sendState(records, from: task, offset: first.offset, batch: batch) }
            sendPartitionRecords(due, from: task)
        }
        deferredState = kept
        publishStatesWaiting()
    }

    /// Produces the partition records `ChangelogBatches` found due, each accounted against the
    /// offset its batch reflects (the tracker keeps the highest completed offset, so an entry
    /// for an earlier offset cannot move a commit past outputs still in flight).
    /// In order, also those made due while one is produced (`DuePartitionRecords`).
    func sendPartitionRecords(_ due: [(batch: Int, offset: Int64, record: OutputRecord)], from task: PartitionTask) {
        guard task.duePartitionRecords.add(due) else { return }
        while let (batch, offset, record) = task.duePartitionRecords.next() { sendState([record], from: task, offset: offset, batch: batch) }
    }

    /// The offset a commit of `task` may reach: with a changelog, no further than its acknowledged state.
    func commitLimit(_ task: PartitionTask) -> Int64? {
        guard let next = task.tracker.committable else { return nil }
        guard changelog != nil, !configuration.exactlyOnce else { return next }
        guard let durable = task.durableOffset else { return nil }
        return min(next, durable)
    }
}

extension PartitionTask {
    /// Whether an output of this task produced in `epoch` or before is still unacknowledged.
    func outputsOutstanding(through epoch: Int) -> Bool {
        unacknowledgedByEpoch.keys.contains { $0 <= epoch }
    }

    /// An output of `epoch` is settled: acknowledged, or given up with its task (whose state is
    /// dropped with it, see `releaseDeferredState`).
    func outputSettled(epoch: Int) {
        guard let n = unacknowledgedByEpoch[epoch] else { return }
        if n <= 1 { unacknowledgedByEpoch[epoch] = nil } else { unacknowledgedByEpoch[epoch] = n - 1 }
    }
}
