import Dispatch

/// A polled batch whose outcomes the engine threads compute while the pipeline thread goes on
/// with its own share of the work: applying the batch before it and polling the next one.
///
/// Unchecked `Sendable` because the compiler cannot see the hand-over: the records are only
/// read once computing starts; each outcome slot is written by exactly one engine thread (every
/// record's index is in exactly one run); and the pipeline thread reads the outcomes only after
/// `waitUntilComputed()`, whose wait orders every write before it.
final class BatchInFlight: @unchecked Sendable {
    /// In poll order; reversed once computed, so records come off the end in that order.
    private var records: [PolledRecord]
    private let outcomes: UnsafeMutablePointer<RecordOutcome>
    /// Outcomes not yet moved out, from the front; all of them are initialized once computed.
    private var next = 0
    private var computed = false
    private let done = DispatchGroup()
    /// The pipeline thread's wall clock when the batch was handed over.
    let wall: Int64

    init(_ records: consuming [PolledRecord], wall: Int64) {
        self.records = records
        self.outcomes = .allocate(capacity: self.records.count)
        self.wall = wall
    }

    /// Computes every record's outcome, each partition's records (`runs`, indices in poll
    /// order) as one job of that partition's `SerialJobs`, so after its earlier batches' jobs;
    /// on the engine threads when given, else on this thread before returning.
    func compute(runs: [[Int]], on threads: EngineThreads?, _ outcome: @escaping @Sendable (PolledRecord) -> RecordOutcome) {
        guard let threads else {
            records.withUnsafeBufferPointer { batch in
                for run in runs { for i in run { (outcomes + i).initialize(to: outcome(batch[i])) } }
            }
            return
        }
        for run in runs {
            records[run[0]].task.engineJobs.submit(on: threads, group: done) { [self] in
                // Only read until `waitUntilComputed`, so the engine threads may read it at once.
                records.withUnsafeBufferPointer { batch in
                    for i in run { (outcomes + i).initialize(to: outcome(batch[i])) }
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
        records.reverse()
    }

    /// The next record and its outcome in poll order, moved out (a copy retained each of the
    /// record's arrays and its task, and released them again, atomically).
    func takeNext() -> (PolledRecord, RecordOutcome)? {
        precondition(computed, "outcomes read before they were computed")
        guard let record = records.popLast() else { return nil }
        let outcome = (outcomes + next).move()
        next += 1
        return (record, outcome)
    }

    deinit {
        // A batch is dropped only once computed (the pipeline thread waits for every batch it
        // handed over, see `settleBatchesInFlight`); what was not applied is deinitialized here.
        if computed { (outcomes + next).deinitialize(count: records.count) }
        outcomes.deallocate()
    }
}
