import Kafka
import Logging
import MomentsCore

/// Checkpoints without stopping the stream (at-least-once with a changelog).
///
/// The order that keeps state and offsets consistent is unchanged: the outputs a state reflects
/// are acknowledged before that state is written, and an offset is committed only once the state
/// that reflects it is acknowledged. What changed is that nothing waits for it. A checkpoint
/// takes the changed customers' state at once and closes an *epoch*; the state is sent when every
/// output of that epoch and the ones before it is acknowledged, while processing goes on; and
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
    func deferChangelog(only partitions: [TopicPartition]?) {
        guard let changelog else { return }
        for (tp, task) in tasks where !task.isRestoring && (partitions?.contains(tp) ?? true) {
            guard let offset = task.lastOffset ?? task.tracker.committable.map({ $0 - 1 }) else { continue }
            // Nothing changed: the state reflecting `offset` is the one already written.
            let encoding = changelog.take(task).map(StateEncodingJob.init)
            encoding?.start(on: stateEncodingQueue, wake: wakeup)
            deferredState.append(DeferredState(epoch: epoch, partition: tp, generation: task.generation, encoding: encoding, offset: offset))
        }
        epoch += 1
    }

    /// Sends the deferred state whose outputs are all acknowledged, oldest first. State still
    /// being encoded stops the turn (the encoder wakes the loop when it is done) unless
    /// `waitForEncoding`, as when leaving, where everything must be sent now.
    func releaseDeferredState(waitForEncoding: Bool = false) {
        while let first = deferredState.first, !outputsOutstanding(through: first.epoch) {
            // Its task is gone (revoked or lost, even if the partition is back with a new task):
            // dropped; the successor restores its own state and reprocesses from the last commit.
            guard let task = task(for: first.partition, generation: first.generation) else {
                deferredState.removeFirst()
                continue
            }
            var records: [OutputRecord] = []
            if let encoding = first.encoding {
                guard let encoded = encoding.records(wait: waitForEncoding) else { return }
                records = encoded
            }
            deferredState.removeFirst()
            let batch = task.stateBatchSent(records: records.count, reflecting: first.offset)
            guard !records.isEmpty else { continue }
            if logger.logLevel <= .debug {
                log(.debug, "state sent", [("partition", "\(first.partition)"), ("reflects_offset", String(first.offset)), ("records", String(records.count))])
            }
            sendState(records, from: task, offset: first.offset, batch: batch)
        }
    }

    /// Whether an output produced in `epoch` or before is still unacknowledged.
    func outputsOutstanding(through epoch: Int) -> Bool {
        unacknowledgedByEpoch.keys.contains { $0 <= epoch }
    }

    /// An output of `epoch` is settled: acknowledged, or dropped with its partition.
    func outputSettled(epoch: Int) {
        guard let n = unacknowledgedByEpoch[epoch] else { return }
        if n <= 1 { unacknowledgedByEpoch[epoch] = nil } else { unacknowledgedByEpoch[epoch] = n - 1 }
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
    /// A changelog batch of `records` state records reflecting input up to `offset` was sent;
    /// returns its handle for `stateAcknowledged`. An empty batch completes in its turn.
    func stateBatchSent(records: Int, reflecting offset: Int64) -> Int {
        let id = firstStateBatch + stateInFlight.count
        stateInFlight.append((remaining: records, offset: offset))
        settleStateBatches()
        return id
    }

    /// One record of changelog batch `id` was acknowledged.
    func stateAcknowledged(batch id: Int) {
        let i = id - firstStateBatch
        guard i >= 0, i < stateInFlight.count, stateInFlight[i].remaining > 0 else { return }
        stateInFlight[i].remaining -= 1
        settleStateBatches()
    }

    /// Batches complete in order: the state is durable up to the newest batch whose records, and
    /// every earlier batch's, are acknowledged.
    private func settleStateBatches() {
        while let first = stateInFlight.first, first.remaining == 0 {
            durableOffset = max(durableOffset ?? 0, first.offset + 1)
            stateInFlight.removeFirst()
            firstStateBatch += 1
        }
    }
}
