import Dispatch
import Foundation

/// The threads that run the engines (`processing.engine_threads` of them), dedicated to them.
/// Handed to a concurrent dispatch queue instead, two jobs given at once often ran one after the
/// other on a single pool thread, which halved the engines' share of the end-to-end run
/// (measured by thread, 2026-12-05). Live until `stop()`: each thread holds the pool.
final class EngineThreads: @unchecked Sendable {
    /// Jobs not yet taken, oldest first, and whether the threads are to end; under `condition`.
    private var jobs: [() -> Void] = []
    private var stopping = false
    private let condition = NSCondition()

    init(count: Int) {
        for _ in 0..<max(1, count) {
            let thread = Thread { [self] in
                // Named from the thread itself, which is when Linux applies it (`top -H`).
                Thread.current.name = "moments-engine"
                while let job = nextJob() { job() }
            }
            thread.start()
        }
    }

    /// Runs `job` on the first thread free.
    func run(_ job: @escaping () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Ends the threads once the jobs already given are done.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func nextJob() -> (() -> Void)? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty && !stopping { condition.wait() }
        return jobs.isEmpty ? nil : jobs.removeFirst()
    }
}
