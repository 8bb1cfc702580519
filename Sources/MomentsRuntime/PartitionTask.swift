import Kafka
import MomentsCore

/// One assigned input partition: its engine, its clock, and which of its offsets may be
/// committed. Like a Kafka Streams task, it first restores (replays up to the committed
/// offset with outputs suppressed), then runs.
///
/// The properties every record touches have their exclusivity unchecked: a task's engine side
/// (`engine`, `restoreUntil`, `skipUntil`, `customersAhead`, `lastOffset`) is touched by one thread at a time, the
/// engine thread computing its partition's job or the pipeline thread once no job is in flight
/// (`SerialJobs`, `BatchInFlight`), and its offsets and clock (`tracker`, `clock`) only by the
/// pipeline thread. The runtime's checks of a class's stored properties, a begin and an end
/// per access, some fifteen accesses a record, enforced what those rules already ensure.
final class PartitionTask {
    let partition: TopicPartition
    /// Unique within the pipeline: tells this task apart from an earlier or later task of the same
    /// partition (revoked or lost, then assigned again), whose outputs may still be acknowledged.
    let generation: Int
    @exclusivity(unchecked) var engine: Engine
    /// Attribute objects this partition's records carried lately: one thread handles a
    /// partition's records at a time, so the cache is the partition's.
    let attributeCache = AttributeCache()
    /// This partition's engine work, one job after another on the engine threads.
    let engineJobs = SerialJobs()
    @exclusivity(unchecked) var clock = PartitionClock()
    /// Restored from the changelog: its clock is anchored once the partition has read what was
    /// waiting for it (`Pipeline.anchorCaughtUpClocks`), if no applied record anchored it first.
    var anchorsWhenCaughtUp = false
    @exclusivity(unchecked) var tracker: OffsetTracker
    /// Records below this offset are replayed to rebuild state; their outputs were already sent.
    @exclusivity(unchecked) var restoreUntil: Int64?
    /// The last offset processed, restored or not: timer outputs are accounted against it.
    @exclusivity(unchecked) var lastOffset: Int64?
    /// The last input offset the state restored from the changelog reflects: what a state record
    /// written before this task applied a record of its own says it reflects (`Changelog.take`).
    @exclusivity(unchecked) var restoredOffset: Int64?
    /// Records below this offset are already reflected in state restored from the changelog (and
    /// their outputs were acknowledged before that state was written): they are passed over.
    @exclusivity(unchecked) var skipUntil: Int64?
    /// Customers whose restored state reflects records past `skipUntil`: their events in those
    /// records are passed over (see `CustomersAhead`).
    @exclusivity(unchecked) var customersAhead: CustomersAhead?
    /// The batch states (`Changelog.batchStateHeader`) those customers were restored with.
    var aheadBatchStates: [String: [UInt8]] = [:]
    /// The offset last handed over for a commit (stored for librdkafka's committer, or committed
    /// on leaving); nil when none was, or the coordinator refused it (`Pipeline.commitAnswered`):
    /// an interval's checkpoint hands over only offsets that differ.
    var lastCommitted: Int64?
    /// Outputs handed to the producer and not yet acknowledged, by the checkpoint epoch they were
    /// first produced in (Pipeline+Checkpoint); on the pipeline thread. The task's own, so that
    /// one output stuck on its way (an output partition without a leader) holds back the state
    /// and commits of its partition only: counted for the whole pipeline, it held back every
    /// partition's (until 2026-12-07).
    var unacknowledgedByEpoch: [Int: Int] = [:]
    /// Partition records due, produced in batch order (see `DuePartitionRecords`).
    var duePartitionRecords = DuePartitionRecords()
    /// With a changelog: the batches in flight, and the next offset the durable state reflects.
    var changelogBatches: ChangelogBatches
    /// A partition record failed for good: the next checkpoint writes one even if no customer changed.
    var partitionRecordOwed = false
    /// The input offset the last partition record taken reflects (`Changelog.take`); nil for
    /// none since the restore, whose record reflected `restoredOffset`.
    var partitionRecordReflects: Int64?
    /// Customers whose changelog record failed for good, to be marked changed in the engine when
    /// the next checkpoint takes its state (`Changelog.take`). Kept here, on the pipeline
    /// thread's side, because a failure may be reported while an engine thread runs the
    /// engine: from inside `producer.produce`, which serves delivery reports while the
    /// producer's queue is full, as the pipeline thread applies one batch while the engine
    /// threads compute the next (`Pipeline+Batch`).
    var unwrittenCustomers: [String] = []
    /// With a changelog: the next offset the acknowledged state reflects; commits stop there.
    var durableOffset: Int64? {
        get { changelogBatches.durableOffset }
        set { changelogBatches.durableOffset = newValue }
    }

    init(partition: TopicPartition, generation: Int, rules: RuleSet, committed: Int64?) {
        self.partition = partition
        self.generation = generation
        self.engine = Engine(rules: rules)
        self.tracker = OffsetTracker(committed: committed)
        self.lastCommitted = committed
        self.changelogBatches = ChangelogBatches(durableOffset: committed)
    }

    var isRestoring: Bool { restoreUntil != nil }

    /// The last input offset the engine's state reflects: the last record processed, or what
    /// the restored state reflected, whichever is later. Before the task's first record, the
    /// restored state's (a reload that changed every customer, written then, said it reflected
    /// nothing, and the next restore applied again the records the state already held). While
    /// records the restored state holds are passed over (`skipUntil`), still the restored
    /// state's: the last one passed over said less than the state held, and a checkpoint then
    /// (a reload, a timer) wrote state a next restore applied those records to again (until
    /// 2026-12-07).
    var reflectedOffset: Int64? {
        guard let restoredOffset else { return lastOffset }
        return max(lastOffset ?? restoredOffset, restoredOffset)
    }

    /// Ends the restore once the record just before the committed offset has been replayed.
    func noteProcessed(offset: Int64) {
        lastOffset = offset
        if let until = restoreUntil, offset + 1 >= until { endRestore() }
    }

    /// The restore is over: what the replay counted was counted when first processed.
    func endRestore() {
        restoreUntil = nil
        _ = engine.takeTallies()
    }
}
