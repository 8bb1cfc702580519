import Dispatch

/// Whether the pipeline thread is still going. Every pass of the loop leaves a sign of life, and
/// so does every step of the waits that may last long by design: the start's wait for the
/// brokers, a lookup asked again, a changelog's read, a drain. `/healthz` and systemd's watchdog
/// read how long ago the last one was (`PipelineStatus.stalled`). A thread stuck in one call
/// leaves none — a librdkafka call that never returns, an engine thread that never finishes its
/// job, a lock never released — and every probe otherwise went on answering "ok" and "ready"
/// while nothing was read, produced or committed.
///
/// On the monotonic clock, not `wallClock`: tests drive that one by hand, and a stall is real time.
extension Pipeline {
    func noteAlive() { statusBox.update { $0.lastSignOfLifeNs = DispatchTime.now().uptimeNanoseconds } }

    /// The loop's sign of life at the top of each pass, taken in the same lock as its check of
    /// a stop; true when a stop is asked for. Runs the pass's hook for tests first
    /// (`PipelineHooks.eachPass`). Not while exactly-once calls a transaction's commit or abort
    /// again and again (`transactionEnding`) with a broker answering: passes that do nothing
    /// else are one operation that does not finish, and a coordinator that never lets it finish
    /// would otherwise keep a daemon that commits nothing looking alive for ever. With no broker
    /// answering it is a wait for the brokers, as at-least-once's is, which a restart would not
    /// end (the new instance's first transactional call would wait for them too).
    func passBeginsStopping() -> Bool {
        hooks.eachPass?()
        let endingAgain = transactionEnding != nil
        let now = DispatchTime.now().uptimeNanoseconds
        return statusBox.update {
            if !endingAgain || !$0.brokerReachable { $0.lastSignOfLifeNs = now }
            return $0.stopRequested
        }
    }
}
