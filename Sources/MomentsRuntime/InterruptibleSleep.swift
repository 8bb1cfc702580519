import Dispatch
import Foundation

/// A sleep that an interruption cuts short, for one helper thread whose end someone waits for.
///
/// The health check sleeps between its probes and the pipeline's stop waits for it to end
/// (it holds the consumer). It slept in steps of 0.1 s, looking for the stop between them, so
/// every stop waited up to 100 ms more for nothing, and a stop on an unrecoverable error, which
/// did not ask it to end, waited the full 3 s the shutdown allows it.
///
/// The time is measured on the monotonic clock (`DispatchTime`): a deadline in wall time
/// (`NSCondition.wait(until:)`) would stretch the sleep by however far the wall clock is set
/// back meanwhile, and the readiness the health check keeps would go stale for as long.
final class InterruptibleSleep: @unchecked Sendable {
    /// Whether `interrupt` was called; under `lock`.
    private var interrupted = false
    private let lock = NSLock()
    /// Signalled once, by the first `interrupt`: it ends the sleep under way, or, if none is,
    /// the next one at once (a semaphore keeps the signal until it is waited for).
    private let wake = DispatchSemaphore(value: 0)

    /// Sleeps for `seconds` unless interrupted meanwhile; returns false when interrupted, at
    /// once if that happened before.
    func sleep(seconds: Double) -> Bool {
        if isInterrupted { return false }
        _ = wake.wait(timeout: .now() + seconds)
        return !isInterrupted
    }

    /// Ends the sleep under way, if any, and every later one at once.
    func interrupt() {
        lock.lock()
        let first = !interrupted
        interrupted = true
        lock.unlock()
        if first { wake.signal() }
    }

    var isInterrupted: Bool {
        lock.lock()
        defer { lock.unlock() }
        return interrupted
    }
}
