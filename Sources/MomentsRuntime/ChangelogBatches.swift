/// One partition's changelog batches in flight (at-least-once with a changelog): which state is
/// durable, and when each batch's partition record may be written.
///
/// A batch is the changed customers' records taken at one checkpoint, then its partition record
/// (clock, budgets, and the input offset the state reflects). A restore resumes after the offset
/// of the latest partition record it finds, so that record must never reach the changelog
/// before every customer record it vouches for. Produced in one go behind the customer records,
/// it relied on the producer keeping their order; but a customer record that fails for good
/// (after librdkafka's own retries) leaves the partition record behind it on the changelog, and
/// a crash then restored that customer's older state and skipped the events that had changed
/// it. Produced again later, the failed record could even land after a newer record of the same
/// customer and overwrite it.
///
/// So a partition record is produced only once the customer records of its batch, and of every
/// batch before it, are acknowledged; the state becomes durable (commits may pass its offset)
/// when the partition record is acknowledged, batch by batch in order. A failed customer record
/// is not produced again: the customer's current state goes into the next checkpoint instead
/// (see `Pipeline.delivered`), and the batches taken before that checkpoint write no partition
/// record and make nothing durable, since what they vouch for never fully arrived. A failed
/// partition record holds batches back the same way, and the next checkpoint writes a new one.
struct ChangelogBatches {
    /// The next input offset the durable state reflects; commits stop there.
    var durableOffset: Int64?

    private struct Batch {
        /// The checkpoint epoch the state was taken in.
        var epoch: Int
        /// The last input offset the batch's state reflects.
        var offset: Int64
        var customersLeft: Int
        var partitionRecord: OutputRecord?
        var stage = Stage.customers
        var customerFailed = false

        enum Stage {
            /// Customer records in flight.
            case customers
            /// The partition record in flight.
            case partitionRecord
            /// Done; `durable` says whether it advanced the durable offset.
            case done(durable: Bool)
        }
    }

    private var batches: [Batch] = []
    private var firstID = 0
    /// Batches taken in an epoch below this one make nothing durable: a customer record failed
    /// after they were taken, and only a checkpoint taken since holds that customer's state.
    private var heldBelowEpoch = Int.min

    init(durableOffset: Int64?) { self.durableOffset = durableOffset }

    var inFlight: Int { batches.count }

    /// A batch of `customers` customer records reflecting input up to `offset`, taken in
    /// `epoch`, was handed to the producer. Returns its id, and the partition records now due
    /// (this one's, when it has no customer records and nothing before it is in flight).
    mutating func sent(customers: Int, partitionRecord: OutputRecord?, reflecting offset: Int64, epoch: Int) -> (id: Int, due: [(batch: Int, offset: Int64, record: OutputRecord)]) {
        batches.append(Batch(epoch: epoch, offset: offset, customersLeft: customers, partitionRecord: partitionRecord))
        return (firstID + batches.count - 1, advance())
    }

    /// A customer record of batch `id` was acknowledged; returns the partition records now due.
    mutating func customerAcknowledged(batch id: Int) -> [(batch: Int, offset: Int64, record: OutputRecord)] {
        guard let i = index(id), batches[i].customersLeft > 0 else { return [] }
        batches[i].customersLeft -= 1
        return advance()
    }

    /// A customer record of batch `id` failed for good. Until a batch taken in `nextEpoch` or
    /// later (which holds the customer's current state) completes, nothing becomes durable.
    /// Also says whether it is the batch's first failure (one warning per batch, not per record).
    mutating func customerFailed(batch id: Int, nextEpoch: Int) -> (due: [(batch: Int, offset: Int64, record: OutputRecord)], first: Bool) {
        heldBelowEpoch = max(heldBelowEpoch, nextEpoch)
        var first = true
        if let i = index(id) {
            first = !batches[i].customerFailed
            batches[i].customerFailed = true
        }
        return (customerAcknowledged(batch: id), first)
    }

    /// The partition record of batch `id` was acknowledged: the batch is durable once every
    /// batch before it is done.
    mutating func partitionRecordAcknowledged(batch id: Int) {
        guard let i = index(id), case .partitionRecord = batches[i].stage else { return }
        batches[i].stage = .done(durable: true)
        _ = advance()
    }

    /// The partition record of batch `id` failed for good: the batch makes nothing durable, nor
    /// does any taken before `nextEpoch`. Its customer records are on the changelog, but the
    /// budgets and clock it carried are not: the next checkpoint must write a partition record
    /// even if no customer changed (`PartitionTask.partitionRecordOwed`), and until that one is
    /// acknowledged a restore finds an older partition record and replays from the commit.
    mutating func partitionRecordFailed(batch id: Int, nextEpoch: Int) {
        heldBelowEpoch = max(heldBelowEpoch, nextEpoch)
        guard let i = index(id), case .partitionRecord = batches[i].stage else { return }
        batches[i].stage = .done(durable: false)
        _ = advance()
    }

    private func index(_ id: Int) -> Int? {
        let i = id - firstID
        return i >= 0 && i < batches.count ? i : nil
    }

    /// Moves batches on in order: a batch whose customer records (and all earlier batches')
    /// are acknowledged gets its partition record produced, or is skipped when held or has none;
    /// done batches leave the front, advancing the durable offset.
    private mutating func advance() -> [(batch: Int, offset: Int64, record: OutputRecord)] {
        var due: [(batch: Int, offset: Int64, record: OutputRecord)] = []
        for i in batches.indices {
            guard batches[i].customersLeft == 0 else { break }
            guard case .customers = batches[i].stage, let record = batches[i].partitionRecord else { continue }
            if batches[i].epoch < heldBelowEpoch {
                batches[i].stage = .done(durable: false)
            } else {
                batches[i].stage = .partitionRecord
                due.append((firstID + i, batches[i].offset, record))
            }
        }
        var popped = 0
        popping: while popped < batches.count {
            let b = batches[popped]
            let durable: Bool
            switch b.stage {
            case .done(let d):
                durable = d
            case .customers where b.partitionRecord == nil && b.customersLeft == 0:
                // Nothing changed since the batch before, so the state already written reflects
                // it; decided only now, in its turn, so that a failure reported meanwhile for an
                // earlier batch (which holds this one back) is taken into account.
                durable = b.epoch >= heldBelowEpoch
            default:
                break popping
            }
            if durable { durableOffset = max(durableOffset ?? 0, b.offset + 1) }
            popped += 1
        }
        if popped > 0 {
            batches.removeFirst(popped)
            firstID += popped
        }
        return due
    }
}
