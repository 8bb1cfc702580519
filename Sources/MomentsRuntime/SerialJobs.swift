import Dispatch
import Foundation

/// One partition's engine work: jobs that run one after another, in the order given, each on
/// whichever engine thread is free. A partition's records must reach its engine in offset
/// order and never on two threads at once; other partitions' jobs run meanwhile. So a thread
/// that finishes one partition takes another's, of this batch or the next, instead of waiting
/// for the batch's slowest partition.
final class SerialJobs: @unchecked Sendable {
    /// Jobs given while one was running, oldest first, and whether one is; under `lock`.
    private var waiting: [() -> Void] = []
    private var scheduled = false
    private let lock = NSLock()

    /// Runs `job` after every job given before it; `group` is left when it is done.
    func submit(on threads: EngineThreads, group: DispatchGroup, _ job: @escaping () -> Void) {
        group.enter()
        let counted = { job(); group.leave() }
        lock.lock()
        if scheduled {
            waiting.append(counted)
            lock.unlock()
            return
        }
        scheduled = true
        lock.unlock()
        threads.run { [self] in drain(from: counted) }
    }

    /// Runs `first`, then whatever was given meanwhile, on this engine thread.
    private func drain(from first: @escaping () -> Void) {
        var job = first
        while true {
            job()
            lock.lock()
            if waiting.isEmpty {
                scheduled = false
                lock.unlock()
                return
            }
            job = waiting.removeFirst()
            lock.unlock()
        }
    }
}
