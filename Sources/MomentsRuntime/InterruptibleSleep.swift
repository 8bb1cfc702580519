import Foundation

/// A sleep that an interruption cuts short, for a helper thread whose end someone waits for.
///
/// The health check sleeps between its probes and the pipeline's stop waits for it to end
/// (it holds the consumer). It slept in steps of 0.1 s, looking for the stop between them, so
/// every stop waited up to 100 ms more for nothing, and a stop on an unrecoverable error, which
/// did not ask it to end, waited the full 3 s the shutdown allows it.
final class InterruptibleSleep: @unchecked Sendable {
    /// Whether `interrupt` was called; under `condition`.
    private var interrupted = false
    private let condition = NSCondition()

    /// Sleeps for `seconds` unless interrupted meanwhile; returns false when interrupted, at
    /// once if that happened before.
    func sleep(seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while !interrupted {
            // `wait(until:)` may also return early (a spurious wake-up): the loop sleeps again.
            if !condition.wait(until: deadline) { return !interrupted }
        }
        return false
    }

    /// Ends the sleep under way, if any, and every later one at once.
    func interrupt() {
        condition.lock()
        interrupted = true
        condition.broadcast()
        condition.unlock()
    }

    var isInterrupted: Bool {
        condition.lock()
        defer { condition.unlock() }
        return interrupted
    }
}
