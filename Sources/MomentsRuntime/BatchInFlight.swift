import Dispatch

/// A polled batch whose outcomes the engine threads compute while the pipeline thread goes on
/// with its own share of the work: applying the batch before it and polling the next one.
///
/// Unchecked `Sendable` because the compiler cannot see the hand-over: while computing, the
/// records are only read; each outcome slot is written by exactly one engine thread (every
/// record's index is in exactly one run); and the pipeline thread moves records and outcomes
/// out only after `waitUntilComputed()`, whose wait orders every write before it.
final class BatchInFlight: @unchecked Sendable {
    /// In poll order; each is moved out (left nil) as it is applied. Reversing the array to pop
    /// them in that order copied every record and destroyed the copy, and reading one in place
    /// for `apply` copied it too (the compiler cannot tell that nothing writes it meanwhile):
    /// either way each of its arrays (records held their own key and value then) and its task
    /// was retained and released, atomically, on the pipeline thread — a tenth of that thread's
    /// `perf` samples, 2026-12-05.
    private var records: [PolledRecord?]
    /// The records' keys and values (`PolledBatch`); only read, by any thread, until every
    /// record is applied (`takeBuffers`).
    private var bytes: [UInt8]
    /// Held for the records, which do not hold their tasks (`PolledRecord.task`). A task
    /// revoked meanwhile may be freed with the batch, which can happen on an engine thread
    /// (the last job lets go of the batch there): a task has no `deinit` that minds where.
    private let tasks: [PartitionTask]
    /// Where the engine threads write the outcomes: an earlier batch's, when it has room
    /// (`PolledBatch.Buffers`), else new.
    private let storage: OutcomeStorage
    /// `storage.base`, kept apart so that the engine threads read no reference to write an outcome.
    private let outcomes: UnsafeMutablePointer<RecordOutcome>
    /// How many records and outcomes the batch has (`records` is handed on once applied).
    private let count: Int
    /// Outcomes not yet moved out, from the front; all of them are initialized once computed.
    private var next = 0
    private var computed = false
    private let done = DispatchGroup()
    /// The pipeline thread's wall clock when the batch was handed over.
    let wall: Int64

    init(_ batch: consuming PolledBatch, wall: Int64) {
        self.records = batch.records
        self.bytes = batch.bytes
        self.tasks = batch.tasks
        let count = self.records.count
        self.count = count
        if let spare = batch.outcomes, spare.capacity >= count { storage = spare } else { storage = OutcomeStorage(capacity: count) }
        outcomes = storage.base
        self.wall = wall
    }

    /// Computes every record's outcome, each partition's records (`runs`, indices in poll
    /// order) as one job of that partition's `SerialJobs`, so after its earlier batches' jobs;
    /// on the engine threads when given, else on this thread before returning.
    func compute(runs: [[Int]], on threads: EngineThreads?, _ outcome: @escaping @Sendable (PolledRecord, PartitionTask, UnsafeBufferPointer<UInt8>) -> RecordOutcome) {
        guard let threads else {
            for run in runs { compute(run, outcome) }
            return
        }
        for run in runs {
            records[run[0]]!.task.engineJobs.submit(on: threads, group: done) { [self] in compute(run, outcome) }
        }
    }

    /// One run's outcomes. Records and bytes are only read until `waitUntilComputed`, so engine
    /// threads may read them at once.
    /// Each record's task is lent to `outcome` (`PolledRecord.withTask`), not counted.
    private func compute(_ run: [Int], _ outcome: (PolledRecord, PartitionTask, UnsafeBufferPointer<UInt8>) -> RecordOutcome) {
        bytes.withUnsafeBufferPointer { bytes in
            records.withUnsafeBufferPointer { batch in
                for i in run {
                    let record = batch[i]!
                    (outcomes + i).initialize(to: record.withTask { outcome(record, $0, bytes) })
                }
            }
        }
    }

    /// Returns once every outcome is computed. The pipeline thread calls it before it touches
    /// any of the batch's tasks' engines.
    func waitUntilComputed() {
        guard !computed else { return }
        done.wait()
        computed = true
    }

    /// Gives `body` the next records in poll order (up to `limit`), each moved out of the batch
    /// with its task (lent, see `PolledRecord.withTask`) and its outcome, and the batch's bytes;
    /// a later call goes on where this one stopped.
    func forEachInOrder(limit: Int = .max, _ body: (PolledRecord, PartitionTask, consuming RecordOutcome, UnsafeBufferPointer<UInt8>) -> Void) {
        precondition(computed, "outcomes read before they were computed")
        let end = count - next > limit ? next + limit : count
        bytes.withUnsafeBufferPointer { bytes in
            while next < end {
                let i = next
                next += 1
                let record = records[i].take()!
                record.withTask { body(record, $0, (outcomes + i).move(), bytes) }
            }
        }
    }

    /// The bytes' buffer, the records' array and the outcomes' storage, emptied, for another
    /// batch to fill; once every record is applied (every outcome moved out).
    func takeBuffers() -> PolledBatch.Buffers {
        precondition(computed && next == count, "a batch's buffers taken before its records were applied")
        var spare = PolledBatch.Buffers(bytes: [], records: [], outcomes: storage)
        swap(&spare.bytes, &bytes)
        swap(&spare.records, &records)
        spare.empty()
        return spare
    }

    deinit {
        // A batch is dropped only once computed (the pipeline thread waits for every batch it
        // handed over, see `settleBatchesInFlight`); what was not applied is deinitialized here.
        // The storage is freed by its own deinit, once no batch and no spare holds it.
        if computed { (outcomes + next).deinitialize(count: count - next) }
    }
}

/// Room for a batch's outcomes, uninitialized: written by the engine threads, moved out by the
/// pipeline thread (`BatchInFlight`), then kept for a later batch. Some 160 bytes an outcome,
/// 650 KB for a batch of 4,096: allocated for every batch, it came from the kernel each time
/// and went back to it, page faults and `madvise` on the pipeline thread.
final class OutcomeStorage: @unchecked Sendable {
    let base: UnsafeMutablePointer<RecordOutcome>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }
}
