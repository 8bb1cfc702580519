import Kafka
import Logging
import MomentsCore

/// Input waits while the broker does not take the outputs. Outputs (and state records) wait in
/// librdkafka's queue until acknowledged, and those it refuses wait in `retries`; with the
/// broker of the outputs down, or a topic the instance may no longer write, input went on being
/// read and processed: `retries` grew by every output, without bound, and once librdkafka's
/// queue was full each produce call blocked five seconds, long enough, over a batch, for the
/// group to drop the member (`max.poll.interval.ms`). Now the assigned partitions are paused
/// once `outputsInFlightLimit` outputs wait (polls go on: rebalances and commit results are
/// still served, and the member stays in its group), and resumed once half of them are through.
/// librdkafka fetches a resumed partition again from the record after the last one polled.
extension Pipeline {
    /// Half of what librdkafka's queue holds (`queue.buffering.max.messages`, 100,000 by
    /// default), so that it does not fill: a batch in flight when the pause begins still adds
    /// its outputs.
    static func outputsInFlightLimit(_ configuration: PipelineConfiguration) -> Int {
        let queued = producerProperties(configuration.producerProperties)["queue.buffering.max.messages"].flatMap { Int($0) } ?? 100_000
        return max(1, queued / 2)
    }

    /// Pauses or resumes input as the outputs in flight say; partitions assigned while paused
    /// are paused too. Called on the pipeline thread before each pass's polls.
    func applyBackpressure() {
        let inFlight = pending.count + retries.count
        let limit = outputsInFlightLimit
        if inputPaused.isEmpty {
            guard inFlight >= limit, !tasks.isEmpty, !leaving else { return }
            pauseInput(Array(tasks.keys))
            statusBox.update { $0.inputPaused = true }
            log(.warning, "outputs are not being acknowledged; input paused until half of them are", [
                ("in_flight", String(inFlight)), ("limit", String(limit)), ("waiting_to_be_produced_again", String(retries.count)),
            ])
        } else if inFlight <= limit / 2 || leaving {
            consumer.resume(Array(inputPaused))
            // Their clocks go on from now: the pause's wall time is not their events' time.
            let wall = wallClock.milliseconds()
            for tp in inputPaused { if let task = tasks[tp], !task.isRestoring { task.clock.observed(engineClock: task.engine.clock, wallMs: wall) } }
            inputPaused = []
            statusBox.update { $0.inputPaused = false }
            log(.info, "outputs acknowledged; input resumed", [("in_flight", String(inFlight))])
        } else {
            let assignedSincePause = tasks.keys.filter { !inputPaused.contains($0) }
            if !assignedSincePause.isEmpty { pauseInput(assignedSincePause) }
        }
    }

    /// Whether `task`'s partition is paused: its clock then stands still, not moved on by the
    /// wall clock as an idle partition's is, and goes on from the resume. The events that close
    /// its customers' waits may be among the records it has not read: timed on, it reported
    /// "still waiting" for customers who had been answered (found by a review the day the pause
    /// came). Whether a paused partition has records unread cannot be told without asking the
    /// broker (librdkafka's high watermark is not refreshed while it does not fetch), so an idle
    /// one waits too: its timers fire the pause's length late.
    func heldBack(_ task: PartitionTask) -> Bool {
        !inputPaused.isEmpty && inputPaused.contains(task.partition)
    }

    private func pauseInput(_ partitions: [TopicPartition]) {
        consumer.pause(partitions)
        inputPaused.formUnion(partitions)
    }

    /// Partitions leaving (revoked, lost) are resumed on their way out, so that none comes back
    /// to this consumer still paused by librdkafka with nothing here to resume it.
    /// (Not at a stop: the consumer pauses every partition itself as it leaves the group, and
    /// none of them comes back to it.)
    func releasePausedInput(_ partitions: [TopicPartition]) {
        guard !leaving else { return }
        let paused = partitions.filter { inputPaused.contains($0) }
        guard !paused.isEmpty else { return }
        consumer.resume(paused)
        inputPaused.subtract(paused)
        if inputPaused.isEmpty { statusBox.update { $0.inputPaused = false } }
    }
}
