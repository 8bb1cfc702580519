import Dispatch
import Foundation

/// The threads that run a batch's engines (`processing.engine_threads` of them), dedicated to
/// it. Handed to a concurrent dispatch queue instead, the two bins of a batch often ran one after
/// the other on a single pool thread (Linux's dispatch adds a thread only when it judges a core
/// idle, and it does not count the pipeline thread or librdkafka's), which halved the engines'
/// share of the end-to-end run (measured by thread, 2026-12-05).
final class EngineThreads: @unchecked Sendable {
    /// Jobs not yet taken, oldest first, and whether the threads are to end; under `condition`.
    private var jobs: [() -> Void] = []
    private var stopping = false
    private let condition = NSCondition()
    private var running: [Thread] = []

    init(count: Int) {
        for _ in 0..<max(1, count) {
            let thread = Thread { [self] in
                // Named from the thread itself, which is when Linux applies it (`top -H`).
                Thread.current.name = "moments-engine"
                while let job = nextJob() { job() }
            }
            running.append(thread)
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

    deinit { stop() }
}
