import Kafka
import MomentsCore

/// When the loop sleeps, and for how long. It sleeps only when both clients' queues are served
/// and empty; a record, a rebalance, a commit result or a delivery report wakes it at once (see
/// `KafkaWakeup`), and so do `stop`, `replaceRules` and `replaceSilences`. What no queue
/// announces bounds the sleep: the next commit, gauge refresh and progress line, a retry, and the
/// wall time at which an idle partition's clock reaches its next timer, so a "still waiting"
/// alert fires when it is due rather than at the next poll timeout.
extension Pipeline {
    /// Produce failures are retried this soon; nothing announces that the cause has passed.
    static let retryDelayMs: Int64 = 10
    /// The longest pause between retries of outputs that keep failing (`resendFailed`).
    static let longestRetryDelayMs: Int64 = 1000

    func sleepUntilWork() {
        guard !consumer.hasQueued else { return }
        wakeup.wait(timeoutMs: Int32(clamping: max(0, nextScheduledWork() - wallClock.milliseconds())))
    }

    /// The wall time (in `wallClock` milliseconds) at which something is due that no queue announces.
    func nextScheduledWork() -> Int64 {
        var due = min(lastCommitWall + configuration.commitInterval.milliseconds, lastGaugesWall + 1000, lastProgressWall + 60_000)
        if !retries.isEmpty { due = min(due, max(nextRetryWall, wallClock.milliseconds())) }
        if configuration.wallClockAdvance, let timer = nextTimerWall() { due = min(due, timer) }
        return due
    }

    /// When the first running partition's clock reaches its engine's next timer.
    func nextTimerWall() -> Int64? {
        var earliest: Int64?
        for task in tasks.values where !task.isRestoring && !heldBack(task) {
            guard let deadline = task.engine.nextDeadline, let wall = task.clock.wallMs(reaching: deadline) else { continue }
            earliest = min(earliest ?? wall, wall)
        }
        return earliest
    }
}
