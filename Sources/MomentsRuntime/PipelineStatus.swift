import Foundation
import Kafka
import MomentsCore

/// Counters and state of a pipeline, readable from any thread.
public struct PipelineStatus: Sendable {
    public init() {}
    public var running = false
    public var stopRequested = false
    public var assigned: [TopicPartition] = []
    public var eventsProcessed = 0
    public var restoredEvents = 0
    public var deadLettered = 0
    public var outputsDelivered = 0
    /// Outputs and state records handed to the producer and not yet acknowledged.
    public var outputsInFlight = 0
    public var outputsByKind: [String: Int] = [:]
    public var produceErrors = 0
    /// Commits the group coordinator accepted (with exactly-once: transactions committed).
    public var commits = 0
    /// The offsets the group coordinator last accepted, per partition (the next offset to read;
    /// with exactly-once, those of the transactions committed). A periodic commit is stored for
    /// librdkafka's committer, which sends it within 100 ms while the group is settled.
    public var committed: [TopicPartition: Int64] = [:]
    /// A broker answered the last health check.
    public var brokerReachable = false
    /// Partitions still replaying to rebuild their state.
    public var restoringPartitions = 0
    public var rulesReloads = 0
    /// Changelog records acknowledged, and customers restored from the changelog.
    public var stateRecordsWritten = 0
    /// Changelog records that failed for good; their customers went into the next checkpoint.
    public var stateRecordsFailed = 0
    public var restoredCustomers = 0
    /// Checkpoints' state waiting for its partition's outputs to be acknowledged before it is
    /// written: at most one a partition between a revocation's or stop's.
    public var statesWaiting = 0
    /// Input records passed over because the state restored from the changelog already reflects
    /// them: its partition record is ahead of the committed offset (`PartitionTask.skipUntil`).
    public var recordsPassedOver = 0
    public var transactionsAborted = 0
    /// Partitions taken away without a handover (see `Pipeline.lost`).
    public var partitionsLost = 0
    /// Whether input is paused because too many outputs wait for the broker (Pipeline+Backpressure).
    public var inputPaused = false
    /// Delivery reports that came after their output's partition had left (revoked after the
    /// drain gave up, or lost, whose task goes before the drain; perhaps assigned again since):
    /// recognised by the task generation and applied to no task. Their inputs are reprocessed by
    /// the partition's next owner.
    public var staleDeliveries = 0
    /// Lookups for newly assigned partitions (committed offsets, changelog, oldest offsets) the
    /// broker did not answer and that were asked again (see `Pipeline.persistently`).
    public var resumeLookupRetries = 0
    /// Batches whose partitions ran their engines on more than one thread (`processing.engine_threads`).
    public var batchesOnSeveralThreads = 0
    /// When the pipeline thread last showed it is going (`Pipeline.noteAlive`), on the monotonic
    /// clock (`DispatchTime`'s nanoseconds); nil while no pipeline thread runs.
    public var lastSignOfLifeNs: UInt64?
    var pendingRules: RuleSet?
    var pendingSilences: [Silence]?

    /// Ready to do its job: running, partitions assigned and restored, broker reachable.
    public var ready: Bool { running && !stopRequested && !assigned.isEmpty && restoringPartitions == 0 && brokerReachable }

    /// How long the pipeline thread has shown no sign of life, when that is longer than `limit`;
    /// nil while it is going (or not running). See `Pipeline+Liveness`.
    public func stalled(limit: Duration, nowNs: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Duration? {
        guard let last = lastSignOfLifeNs, nowNs > last else { return nil }
        let silent = Duration(milliseconds: Int64((nowNs - last) / 1_000_000))
        return silent > limit ? silent : nil
    }

    /// How a stall of `silent` is said, by `/healthz` and to systemd.
    public static func stallDescription(_ silent: Duration) -> String {
        "stalled: the pipeline thread has shown no sign of life for \(silent.milliseconds / 1000) s"
    }
}

final class StatusBox: @unchecked Sendable {
    private let lock = NSLock()
    private var status = PipelineStatus()

    func read() -> PipelineStatus {
        lock.lock(); defer { lock.unlock() }
        return status
    }

    /// One part of the status, without copying all of it (its arrays, dictionaries and pending
    /// rules) out of the lock: the pipeline thread asks several times per pass.
    func read<T>(_ part: (PipelineStatus) -> T) -> T {
        lock.lock(); defer { lock.unlock() }
        return part(status)
    }

    /// Changes the status; what `change` returns is read in the same critical section (a value
    /// handed over by another thread, taken and cleared at once).
    @discardableResult
    func update<T>(_ change: (inout PipelineStatus) -> T) -> T {
        lock.lock(); defer { lock.unlock() }
        return change(&status)
    }
}
