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
    /// Threads not yet ended, under `condition`.
    private var running: Int
    private let condition = NSCondition()

    init(count: Int) {
        running = max(1, count)
        for _ in 0..<running {
            let thread = Thread { [self] in
                // Named from the thread itself, which is when Linux applies it (`top -H`).
                Thread.current.name = "moments-engine"
                while let job = nextJob() { job() }
                // Every job, and what it held, released by now.
                condition.lock()
                running -= 1
                condition.broadcast()
                condition.unlock()
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

    /// Ends the threads once the jobs already given are done, and returns when they have ended.
    /// Returning at once, it let a job's closure be released on an engine thread after the
    /// pipeline's `run()` had returned: when that closure held the last reference to the
    /// pipeline, the pipeline and its Kafka clients were freed there, not where the caller let
    /// go of them. (Jobs never wait for the thread that stops them.)
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    private func nextJob() -> (() -> Void)? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty && !stopping { condition.wait() }
        return jobs.isEmpty ? nil : jobs.removeFirst()
    }
}
