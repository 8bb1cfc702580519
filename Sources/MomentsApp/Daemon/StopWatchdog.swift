import Foundation
import MomentsCore

/// Bounds a stop that something outside the daemon holds up. The stop's own waits are bounded
/// (`shutdown_timeout` for the outputs, a transaction call's 30 s), but librdkafka's final commit
/// and group leave wait for a broker that accepts connections and never answers (a frozen
/// process, a half-open link) until its own socket time-outs: a SIGTERM then took minutes, past
/// every grace period, until the orchestrator's SIGKILL. Past `limit` this gives up instead:
/// `expired` runs (the daemon logs and exits non-zero; what was not committed is processed again
/// by the partitions' next owner). On a thread of its own, so a blocked executor cannot hold it.
public final class StopWatchdog: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)

    /// The limit of a daemon's stop: its drains, a transaction's commit under exactly-once, and
    /// 10 s for the final commit, the group leave and the last flush.
    public static func limit(shutdownTimeout: MomentsCore.Duration, exactlyOnce: Bool) -> MomentsCore.Duration {
        MomentsCore.Duration(milliseconds: shutdownTimeout.milliseconds + (exactlyOnce ? 30_000 : 0) + 10_000)
    }

    /// Starts counting: `expired` runs once `limit` has passed without `stopFinished()`.
    public init(limit: MomentsCore.Duration, expired: @escaping @Sendable () -> Void) {
        let seconds = Double(limit.milliseconds) / 1000
        let finished = self.finished
        let thread = Thread {
            if finished.wait(timeout: .now() + seconds) == .timedOut { expired() }
        }
        thread.name = "moments-stop-watchdog"
        thread.start()
    }

    /// The stop ended in time: `expired` will not run.
    public func stopFinished() { finished.signal() }
}
