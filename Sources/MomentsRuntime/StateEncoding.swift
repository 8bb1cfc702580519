import Dispatch
import Foundation
import Kafka

/// Encodes a checkpoint's state on a background thread while the pipeline goes on.
///
/// A checkpoint takes the changed customers' state as copy-on-write copies (`Changelog.take`);
/// turning them into JSON records was an eighth of the pipeline thread's time, and that thread
/// is the pipeline's bottleneck. The copies are plain values that nothing else changes, so any
/// thread may encode them, and the bytes are the same whichever does.
///
/// The records are needed only when the outputs before the checkpoint are acknowledged, which
/// takes a round trip to the broker: encoding usually ends first. If it has not started by
/// then, the thread that asks encodes it itself rather than wait for the queue.
final class StateEncodingJob: @unchecked Sendable {
    private enum Stage {
        case waiting(Changelog.PendingRecords)
        case encoding
        case done([OutputRecord])
    }

    /// Guards `stage`; signalled when an encoding ends.
    private let condition = NSCondition()
    private var stage: Stage

    init(_ records: Changelog.PendingRecords) { stage = .waiting(records) }

    /// Encodes on `queue`, then wakes the pipeline's loop so it can send the records.
    func start(on queue: DispatchQueue, wake wakeup: KafkaWakeup) {
        queue.async { [self] in
            if encodeIfWaiting() { wakeup.signal() }
        }
    }

    /// The encoded records, the partition record last; nil while another thread is still
    /// encoding them and `wait` is false.
    func records(wait: Bool) -> [OutputRecord]? {
        _ = encodeIfWaiting()
        condition.lock()
        defer { condition.unlock() }
        while true {
            switch stage {
            case .done(let records): return records
            case .encoding where wait: condition.wait()
            case .encoding, .waiting: return nil
            }
        }
    }

    /// Encodes unless another thread has taken the work; returns whether this call did it.
    private func encodeIfWaiting() -> Bool {
        condition.lock()
        guard case .waiting(let pending) = stage else {
            condition.unlock()
            return false
        }
        stage = .encoding
        condition.unlock()
        // Outside the lock: a reader that does not wait must never block on the encoding.
        let records = pending.finish()
        condition.lock()
        stage = .done(records)
        condition.broadcast()
        condition.unlock()
        return true
    }
}
