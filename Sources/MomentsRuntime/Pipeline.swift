import CoreMetrics
import Foundation
import Kafka
import Logging
import Metrics
import MomentsCore

/// Counts of the current poll batch, published together (see `publishBatchCounts`).
struct BatchCounts {
    var processed = 0
    /// Records replayed to rebuild state, and batches whose partitions were handed to several
    /// engine threads (each partition's to whichever was free).
    var restored = 0
    var sharedBatches = 0
    /// Records passed over because restored state reflects them (`PartitionTask.skipUntil`).
    var passedOver = 0
    /// Consumed records by topic, but for the current run (`consumedRun`).
    private var consumedByTopic: [String: Int] = [:]
    /// Records of one topic in a row, not yet in `consumedByTopic`: a batch is mostly one
    /// topic, and hashing the topic for every record was a cost of its own.
    private var consumedRun: (topic: String, count: Int)?
    /// Acknowledged since the last publication: outputs (and how many of each kind, dead letters
    /// apart) and state records.
    var delivered = 0
    var deliveredByKind: [OutputKind: Int] = [:]
    var stateRecordsWritten = 0
    /// Delivery reports for outputs whose task is gone (see `Pipeline.task(for:generation:)`).
    var stale = 0

    var isEmpty: Bool {
        processed == 0 && restored == 0 && sharedBatches == 0 && passedOver == 0 && consumedByTopic.isEmpty && consumedRun == nil && delivered == 0
            && stateRecordsWritten == 0 && stale == 0
    }

    mutating func countConsumed(topic: String) {
        if let run = consumedRun, run.topic == topic {
            consumedRun = (topic, run.count + 1)
            return
        }
        endConsumedRun()
        consumedRun = (topic, 1)
    }

    /// Consumed records by topic, the current run included.
    mutating func consumedTotals() -> [String: Int] {
        endConsumedRun()
        return consumedByTopic
    }

    private mutating func endConsumedRun() {
        if let run = consumedRun { consumedByTopic[run.topic, default: 0] += run.count }
        consumedRun = nil
    }
}

/// The daemon's processing loop: consume → decode → engine → produce → commit.
///
/// Everything runs on one dedicated thread (`run()` blocks it): librdkafka's blocking calls
/// never touch Swift's cooperative pool, and trackers and pending deliveries need no locks
/// because only that thread touches them. The one exception: while a pass polls batches, the
/// engines run on engine threads, each partition's one job at a time (`Pipeline+Batch`), and
/// the pipeline thread meanwhile touches only the offsets and clocks of those tasks, never an
/// engine; every pass, and every rebalance, first waits for what is in flight. Other threads
/// may call `stop()` and read `status` only.
///
/// Delivery is at-least-once: an input offset is committed only when every output it caused,
/// and everything before it in its partition, has been acknowledged by the broker (see
/// `OffsetTracker`). Output ids are deterministic, so a re-processed event repeats its ids.
public final class Pipeline: @unchecked Sendable {
    let configuration: PipelineConfiguration
    let wallClock: any WallClock
    let hooks: PipelineHooks
    /// Whether outputs go to the pipeline thread whole, for `hooks.delivered` (`OutputFacts`):
    /// decided once, not read from the hooks at every record on the engine threads.
    let keepsOutputs: Bool
    let logger: Logger
    let metrics: PipelineMetrics
    let canonicalDecoder = EventDecoder()
    let statusBox = StatusBox()
    /// Where the loop sleeps between passes; both clients and the thread-safe calls wake it.
    let wakeup = KafkaWakeup()
    var rules: RuleSet

    // Pipeline-thread state. What every record touches has its exclusivity unchecked: only
    // the pipeline thread ever touches it, so the runtime's checks (a begin and an end per
    // access of a class's stored property) enforced nothing the design does not.
    var consumer: KafkaConsumer!
    var producer: KafkaProducer!
    @exclusivity(unchecked) var tasks: [TopicPartition: PartitionTask] = [:]
    /// The generation of the next task created (see `PartitionTask.generation`).
    var nextGeneration = 0
    @exclusivity(unchecked) var pending = PendingOutputs()
    var retries: [PendingOutput] = []
    /// When `resendFailed` next produces the retries, and the pause after that if they are
    /// refused again (Pipeline+Delivery).
    var nextRetryWall: Int64 = 0
    var retryDelayMs = Pipeline.retryDelayMs
    /// Whether an output was refused (not for a full queue) since `resendFailed` last ran.
    var retryBackoffDue = false
    /// When a failed produce was last logged as a warning, and how many failed since.
    var lastRetryWarningWall: Int64 = .min
    var retriesSinceWarning = 0
    /// Partitions whose input is paused while outputs wait for the broker (Pipeline+Backpressure).
    var inputPaused: Set<TopicPartition> = []
    /// Outputs waiting at which input pauses (`outputsInFlightLimit(_:)`), worked out once:
    /// it is read at every pass of the loop.
    let outputsInFlightLimit: Int
    /// Whether librdkafka's queue was still full after a produce's wait: until a produce goes
    /// through, the next ones do not wait (Pipeline+Backpressure).
    var producerQueueFull = false
    /// When `warnOfABatchTooLarge` last logged (`Pipeline+RefusedOutputs`).
    var lastBatchTooLargeWarningWall: Int64 = 0
    var lastCommitWall: Int64 = 0
    /// Set when a graceful stop begins: every drain of that stop ends by then (see `shutdown`).
    var stopDeadlineWall: Int64?
    /// Whether `shutdown` has begun (it sets the stop's deadline first): an assignment then is
    /// not taken (`rebalanced`).
    var leaving: Bool { stopDeadlineWall != nil }
    var lastProgressWall: Int64 = 0
    var lastGaugesWall: Int64 = 0
    @exclusivity(unchecked) var batchCounts = BatchCounts()
    var publishedInFlight = 0
    /// Checkpoint epochs: the current one, and state waiting for its partition's outputs
    /// (Pipeline+Checkpoint; each task counts its own, `PartitionTask.unacknowledgedByEpoch`).
    @exclusivity(unchecked) var epoch = 0
    var deferredState: [DeferredState] = []
    var publishedStatesWaiting = 0
    /// Where checkpoints' state is encoded, off the pipeline thread (`StateEncodingJob`).
    let stateEncodingQueue = DispatchQueue(label: "moments.state-encoding")
    var healthCheck: Thread?
    let healthCheckDone = DispatchSemaphore(value: 0)
    /// Interrupted by `stop`, `abandon` and `shutdown`, which ends the health check at once.
    let healthCheckPause = InterruptibleSleep()
    var changelog: Changelog?
    var changelogReader: KafkaConsumer?
    /// Exactly-once: a transaction is open (begun at the first produce after a commit).
    @exclusivity(unchecked) var inTransaction = false
    /// Exactly-once: an output of the open transaction failed; it must be aborted.
    var transactionFailed = false
    /// Partitions a revocation is taking away, while it commits them (exactly-once: an abort then
    /// does not restore them, `rewind`).
    var partitionsLeaving: Set<TopicPartition> = []
    /// Exactly-once: a commit or abort librdkafka has not finished, to be called again before
    /// anything else (Pipeline+Transactions).
    var transactionEnding: TransactionEnding?
    /// Set when the pipeline cannot go on correctly (see `cannotResume`); the loop stops on it.
    @exclusivity(unchecked) var unrecoverable: (any Error)?
    /// Rebalance callbacks so far: a batch polled across one checks that its tasks are still current.
    @exclusivity(unchecked) var rebalances = 0
    /// The batches handed to the engine threads and not yet applied, oldest first: at most two,
    /// and none outside `pollInputs` (`Pipeline+Batch`).
    @exclusivity(unchecked) var batchesInFlight: [BatchInFlight] = []
    /// The bytes of the last polled batch's keys and values: what the next batch reserves.
    @exclusivity(unchecked) var lastPolledBytes = 0
    /// How many records the last polled batch held: what the next batch reserves room for.
    @exclusivity(unchecked) var lastPolledRecords = 0
    /// Buffers of applied batches, emptied, for the next polls to fill: a fresh buffer of a few
    /// hundred kilobytes came from the kernel page by page, a page fault every 4 KiB copied in.
    @exclusivity(unchecked) var spareBatchBuffers: [PolledBatch.Buffers] = []
    /// Where batches' partitions are computed, by their bins; while `run()` runs.
    var engineThreads: EngineThreads?

    public init(
        configuration: PipelineConfiguration, rules: RuleSet, wallClock: any WallClock = SystemWallClock(), hooks: PipelineHooks = PipelineHooks(),
        logger: Logger = Logger(label: "moments.pipeline"), metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.rules = rules
        self.wallClock = wallClock
        self.hooks = hooks
        keepsOutputs = hooks.delivered != nil
        self.logger = logger
        self.metrics = PipelineMetrics(factory: metricsFactory, queueLabelLimit: configuration.queueLabelLimit)
        outputsInFlightLimit = Self.outputsInFlightLimit(configuration)
    }

    /// Hands new rules to the pipeline; its thread switches every engine over at the next pass,
    /// keeping the state of open interactions. Thread-safe.
    public func replaceRules(_ rules: RuleSet) {
        statusBox.update { $0.pendingRules = rules }
        wakeup.signal()
    }

    /// A snapshot of what the pipeline is doing, safe to read from any thread.
    public var status: PipelineStatus { statusBox.read() }

    /// Asks the loop to finish what is in flight, commit and leave the group. Thread-safe.
    public func stop() {
        statusBox.update { $0.stopRequested = true }
        healthCheckPause.interrupt()
        wakeup.signal()
    }

    /// Runs until `stop()`; blocks the calling thread, which must not be a Swift concurrency
    /// thread (use `Thread` or `runInBackground`).
    public func run() throws {
        noteAlive()
        defer { statusBox.update { $0.lastSignOfLifeNs = nil } }
        do {
            try open()
        } catch {
            abandon()
            throw error
        }
        engineThreads = EngineThreads(count: configuration.engineThreads)
        defer {
            engineThreads?.stop()
            engineThreads = nil
            statusBox.update { $0.running = false }
        }
        statusBox.update { $0.running = true }
        do {
            try loop()
        } catch {
            // A fatal consumer error, or a fenced producer: nothing more is committed (the next
            // owner reprocesses from the last commit; after a fatal error librdkafka refuses the
            // commit its close would make of what was stored), but the clients must stop calling back.
            // (An unresumable assignment went through `shutdown` first; this changes nothing then.)
            abandon()
            throw error
        }
    }

    private func loop() throws {
        while !passBeginsStopping() {
            // Exactly-once: a commit or abort that did not finish is called again, and nothing
            // else is done until it ends: librdkafka refuses every other transactional call and
            // every produce meanwhile, so new input would only fail its transaction.
            if transactionEnding != nil {
                try commitTransaction()
                if transactionEnding != nil {
                    producer.poll(timeoutMs: 0)
                    publishBatchCounts()
                    // Its next call blocks while the operation goes on; this only paces one that
                    // fails at once. `stop` still wakes it.
                    wakeup.wait(timeoutMs: 100)
                    continue
                }
            }
            applyBackpressure()
            try pollInputs()
            if let error = unrecoverable {
                // What the other partitions finished is still delivered and committed.
                shutdown()
                throw error
            }
            producer.poll(timeoutMs: 0)
            resendFailed()
            releaseDeferredState()
            if configuration.wallClockAdvance { advanceIdleClocks() }
            if wallClock.milliseconds() - lastCommitWall >= configuration.commitInterval.milliseconds {
                try checkpoint(synchronous: false)
            }
            if wallClock.milliseconds() - lastProgressWall >= 60_000 {
                lastProgressWall = wallClock.milliseconds()
                log(.info, "progress", progressFields())
            }
            if wallClock.milliseconds() - lastGaugesWall >= 1000 { updateGauges() }
            applyPendingChanges()
            // Once per pass, after its input and its deliveries, and before the loop sleeps:
            // published only after the input, `status` (outputs in flight, delivered) lagged the
            // last acknowledgements until the next pass, up to a commit interval later.
            publishBatchCounts()
            sleepUntilWork()
        }
        shutdown()
    }

    /// Leaving on an error, without `shutdown`'s drain and commit: the clients' handlers hold
    /// the pipeline `unowned`, and the clients outlive this call (freed with the pipeline, the
    /// producer flushing what is in flight, the consumer leaving its group), so a delivery report
    /// or a revocation then ran a handler on a pipeline being freed, and trapped. The health
    /// check, which holds the consumer, stops too.
    func abandon() {
        producer?.stopDeliveryReports()
        consumer?.stopEvents()
        statusBox.update { $0.stopRequested = true }
        healthCheckPause.interrupt()
        metrics.gauge("moments_ready", [], 0)
    }

    /// Starts `run()` on a dedicated thread; `completion` gets its error, if any.
    ///
    /// The thread lets go of the pipeline before it calls `completion`, so whoever holds the
    /// last reference then frees it, and its Kafka clients, at a moment of their choosing:
    /// released by the thread a little after `completion`, they were still connected when a
    /// caller went on to stop the broker, and logged its disappearance as errors.
    public func runInBackground(completion: @escaping @Sendable ((any Error)?) -> Void = { _ in }) {
        let retained = Unmanaged.passRetained(self)
        let thread = Thread {
            // Named from the thread itself, which is when Linux applies it (`top -H`, `perf`);
            // it keeps 15 bytes of a name and refuses a longer one.
            Thread.current.name = "moments-pipe"
            let error: (any Error)? = {
                let pipeline = retained.takeRetainedValue()
                do { try pipeline.run(); return nil } catch { return error }
            }()
            completion(error)
        }
        thread.start()
    }

    /// How long a state record may wait for the broker before it fails (at-least-once): less
    /// than the wait for outputs in flight when partitions leave (`drainTimeout`), so that every
    /// state record of a partition that leaves has landed or failed before it is gone. One that
    /// waited on (librdkafka's 300 s by default), through an outage that cost this instance its
    /// partitions, could land after its successor's records for the same customers, and
    /// compaction kept it: the next restore took an older state (until 2026-12-07). A record
    /// that fails is written again from the customer's state at the next checkpoint, and the
    /// commits wait for it. Nil with exactly-once, where the transaction fences a former owner.
    static func changelogMessageTimeoutMs(_ configuration: PipelineConfiguration, _ producerProps: [String: String]) -> Int64? {
        guard !configuration.exactlyOnce else { return nil }
        // librdkafka looks once a second, and refuses a timeout not above `linger.ms`.
        let linger = producerProps["linger.ms"].flatMap { Double($0) }.map { Int64($0.rounded(.up)) } ?? 0
        let bound = max(1000, linger + 1, configuration.drainTimeout.milliseconds - 2000)
        let configured = (producerProps["message.timeout.ms"] ?? producerProps["delivery.timeout.ms"]).flatMap { Int64($0) }
        guard let configured, configured > 0 else { return bound }   // 0: no limit
        return min(bound, configured)
    }

    /// The producer's `linger.ms` unless `kafka.producer_properties` sets one: outputs wait up
    /// to this long to share a produce request (fewer requests), and every alert waits that long
    /// at most (the latency bench measures with it).
    public static let defaultProducerLingerMs = 2

    /// The output producer's librdkafka properties: `configured` (`kafka.producer_properties`)
    /// with the daemon's defaults (`producerDefaults`) for what it leaves unset. Also what
    /// `bench --suite produce` measures the outputs' way to the broker with.
    public static func producerProperties(_ configured: [String: String]) -> [String: String] {
        configured.merging(producerDefaults) { configured, _ in configured }
    }

    static let producerDefaults = [
        "enable.idempotence": "true",
        // Java clients hash keys with murmur2; matching it keeps keyed outputs where they expect them.
        "partitioner": "murmur2_random",
        "linger.ms": "\(defaultProducerLingerMs)",
        // Small requests must not wait for Nagle's algorithm and delayed ACKs (40 ms each on
        // Linux): a checkpoint waits for acknowledgements, and every alert is latency.
        "socket.nagle.disable": "true",
    ]

    /// The input consumer's librdkafka properties: `configured` (`kafka.consumer_properties`)
    /// with the daemon's defaults (`consumerDefaults`) for what it leaves unset. `open` then sets
    /// what the pipeline's guarantees need, whatever is configured (offset storing, commits,
    /// isolation).
    public static func consumerProperties(_ configured: [String: String]) -> [String: String] {
        configured.merging(consumerDefaults) { configured, _ in configured }
    }

    static let consumerDefaults = [
        "auto.offset.reset": "earliest",
        // A fetch brings up to this much of each partition, and a batch is what the fetches
        // brought, in order: with librdkafka's 1 MiB a batch held one partition, and its
        // partitions could not run on the engine threads at once (`Pipeline+Batch`).
        "max.partition.fetch.bytes": "262144",
        // Cooperative rebalancing: partitions that stay with this instance keep running (and
        // keep their state) while others move.
        "partition.assignment.strategy": "cooperative-sticky",
        "socket.nagle.disable": "true",
        // The prefetch must hold about a second of processing. Once it is full, librdkafka
        // 2.0.2's fetcher stops and sleeps until its broker thread's next one-second round
        // (nothing the consumer does wakes it), so while catching up a backlog the pipeline ran
        // at roughly what the prefetch holds per second: with librdkafka's 100,000 messages and
        // 65,536 KB, 195,000–251,000 events/s instead of 653,000–798,000 (`bench --suite e2e
        // --partitions 64 --events 800000`, 2026-12-06). The cost is memory, during a backlog
        // only: up to about 130 MB of events (librdkafka counts kilobytes of 1,000 bytes) and a
        // 296-byte op of librdkafka's for each, some 250 MB for 330-byte events.
        "queued.min.messages": "\(defaultPrefetchMessages)",
        "queued.max.messages.kbytes": "\(defaultPrefetchKilobytes)",
    ]

    /// The consumer's prefetch, unless `kafka.consumer_properties` sets it (`consumerDefaults`).
    public static let defaultPrefetchMessages = 500_000
    public static let defaultPrefetchKilobytes = 131_072

    /// How often librdkafka's committer looks for offsets a checkpoint stored (`open`).
    static let committerIntervalMs: Int64 = 100

    func open() throws {
        // Not ready, said from the start: the start may wait for the brokers a long while, and an
        // absent gauge is no alert's "0" (it appeared only once the pipeline ran).
        metrics.gauge("moments_ready", [], 0)
        var consumerProps = Self.consumerProperties(configuration.consumerProperties)
        consumerProps["enable.auto.offset.store"] = "false"
        // At-least-once: a checkpoint stores the offsets it may commit, and librdkafka's own
        // committer sends them, only while this member is settled in its generation; sent by
        // us, one would now and then cross a rebalance, and librdkafka 2.0.2 takes the refusal
        // for a lost assignment (`KafkaConsumer.store`). Exactly-once commits in the transaction.
        consumerProps["enable.auto.commit"] = configuration.exactlyOnce ? "false" : "true"
        // The committer looks every 100 ms (or `commit_interval`, if shorter) and sends what a
        // checkpoint stored since, so commits lag stores by that much at most.
        consumerProps["auto.commit.interval.ms"] = String(max(1, min(configuration.commitInterval.milliseconds, Self.committerIntervalMs)))
        var producerProps = Self.producerProperties(configuration.producerProperties)
        if configuration.exactlyOnce {
            guard let id = configuration.transactionalID else { throw KafkaError(code: -1, message: "exactly-once needs a transactional id") }
            producerProps["transactional.id"] = id
            consumerProps["isolation.level"] = "read_committed"
        }
        producer = try KafkaProducer(
            configuration: KafkaConfiguration(producerProps),
            onDelivery: { [unowned self] report in self.delivered(report) })
        if let topic = configuration.changelogTopic, let timeout = Self.changelogMessageTimeoutMs(configuration, producerProps) {
            try producer.configure(topic: topic, ["message.timeout.ms": String(timeout)])
        }
        consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(consumerProps),
            onRebalance: { [unowned self] event in self.rebalanced(event) },
            onCommit: { [unowned self] result in self.commitAnswered(result) })
        producer.notify(wakeup)
        consumer.notify(wakeup)
        if configuration.exactlyOnce {
            try producer.initTransactions()
            log(.info, "exactly-once: transactions initialised", [("transactional_id", configuration.transactionalID ?? "")])
        }
        prepareChangelog(consumerProps: consumerProps, producerProps: producerProps)
        // A stop asked for while the start waited for the brokers: nothing more to prepare (the
        // outputs' metadata below waits a second a topic), the loop goes straight to the stop.
        if isStopRequested { return }
        let r = configuration.routing
        let unknown = producer.prepare(topics: [r.alerts, r.coaching, r.recovery, r.deadLetter] + (configuration.changelogTopic.map { [$0] } ?? []))
        if !unknown.isEmpty { log(.warning, "output topics without metadata yet; their first outputs wait for it", [("topics", unknown.joined(separator: ","))]) }
        try consumer.subscribe(topics: configuration.inputTopics)
        startHealthCheck()
        lastCommitWall = wallClock.milliseconds()
        lastProgressWall = lastCommitWall
        log(.info, "pipeline started", [("topics", configuration.inputTopics.joined(separator: ","))])
    }

    /// Per-event and per-delivery counters go to the status box and the metrics once per batch:
    /// a lock and a labelled metric lookup for every event were a visible share of the pipeline's time.
    func publishBatchCounts() {
        let inFlight = pending.count + retries.count
        guard !batchCounts.isEmpty || inFlight != publishedInFlight else { return }
        let counts = batchCounts
        publishedInFlight = inFlight
        statusBox.update {
            $0.eventsProcessed += counts.processed
            $0.restoredEvents += counts.restored
            $0.recordsPassedOver += counts.passedOver
            $0.batchesOnSeveralThreads += counts.sharedBatches
            $0.outputsInFlight = inFlight
            $0.outputsDelivered += counts.delivered
            for (kind, n) in counts.deliveredByKind { $0.outputsByKind[kind.rawValue, default: 0] += n }
            $0.stateRecordsWritten += counts.stateRecordsWritten
            $0.staleDeliveries += counts.stale
        }
        for (topic, n) in batchCounts.consumedTotals() { metrics.count("moments_events_consumed_total", [("topic", topic)], by: n) }
        if counts.stale > 0 { metrics.count("moments_stale_deliveries_total", by: counts.stale) }
        batchCounts = BatchCounts()
    }

    /// A partition restored from the changelog has a clock only an applied record anchors (its
    /// wall-time advance starts from the last record's arrival): one that received no record
    /// after the restore never fired its waits. It is anchored here once it has read everything
    /// there was to read, and not at the restore: partitions are restored one after the other
    /// in the rebalance handler, and a clock running from then fired waits whose closing event
    /// was still in the partition's backlog.
    func anchorCaughtUpClocks(wall: Int64) {
        for (tp, task) in tasks where task.anchorsWhenCaughtUp && !task.isRestoring {
            guard task.clock.now(wallMs: wall) == nil else { task.anchorsWhenCaughtUp = false; continue }
            guard let high = consumer.cachedHighWatermark(tp), let next = task.lastOffset.map({ $0 + 1 }) ?? task.tracker.committable, next >= high else { continue }
            task.clock.observed(engineClock: task.engine.clock, wallMs: wall)
            task.anchorsWhenCaughtUp = false
        }
    }

    /// Fires the timers of partitions whose clock wall time has moved past their deadlines.
    func advanceIdleClocks() {
        let wall = wallClock.milliseconds()
        anchorCaughtUpClocks(wall: wall)
        for task in tasks.values where !task.isRestoring && !heldBack(task) {
            guard let now = task.clock.now(wallMs: wall), let deadline = task.engine.nextDeadline, deadline <= now else { continue }
            let outputs = task.engine.advance(to: now)
            guard !outputs.isEmpty else { continue }
            let offset = task.lastOffset ?? ((task.tracker.committable ?? 0) - 1)
            send(outputs.map { (configuration.routing.record(for: $0), OutputFacts($0, keeping: keepsOutputs)) }, from: task, offset: offset, arrivalWall: wall)
        }
    }

    /// Commits what is done. With a changelog, in the order that keeps state and offsets
    /// consistent (as Kafka Streams does): outputs acknowledged, then the state that reflects
    /// them written and acknowledged, then the offsets committed. A crash between the last two
    /// steps leaves state ahead of the offsets, which the restore handles by passing over the
    /// records the state already reflects.
    func checkpoint(synchronous: Bool, only partitions: [TopicPartition]? = nil) throws {
        if configuration.exactlyOnce {
            try commitTransaction()
            return
        }
        if changelog != nil {
            deferChangelog(only: partitions, leaving: synchronous)
            if synchronous {
                // Leaving (revocation, shutdown): everything written and acknowledged before the commit.
                drainDeliveries()
                releaseDeferredState(waitForEncoding: true)
                drainDeliveries()
            } else {
                releaseDeferredState()
            }
        }
        commitAcknowledged(synchronous: synchronous, only: partitions)
    }

    /// Commits, per partition, the offset up to which every output has been acknowledged.
    ///
    /// An interval's commit stores the offsets for librdkafka's committer, which sends them
    /// within `committerIntervalMs` while the group is settled (`KafkaConsumer.store`); it skips
    /// the partitions that made no progress since the last one.
    /// A synchronous one (leaving: a revocation, a shutdown) commits them all, rare and cheap:
    /// the refusal of the last asynchronous commit may not have been heard yet (`commitAnswered`),
    /// and skipped, the next owner would start from an older commit and process again what this
    /// instance finished.
    func commitAcknowledged(synchronous: Bool, only partitions: [TopicPartition]? = nil) {
        lastCommitWall = wallClock.milliseconds()
        var offsets: [TopicPartition: Int64] = [:]
        for (tp, task) in tasks where partitions?.contains(tp) ?? true {
            if let next = commitLimit(task), synchronous || next != task.lastCommitted { offsets[tp] = next }
        }
        guard !offsets.isEmpty else { return }
        guard synchronous else {
            let refused = consumer.store(offsets)
            for (tp, next) in offsets where refused[tp] == nil { tasks[tp]?.lastCommitted = next }
            if !refused.isEmpty { log(.warning, "offsets not handed to the committer; handing them over again at the next checkpoint", [("error", refused.values.map(\.description).sorted().joined(separator: "; "))]) }
            return
        }
        // Leaving: what librdkafka still holds for these partitions is older, and it would commit
        // it on their way out, over this commit, or its committer could send it while this commit
        // is under way (a stop comes in a settled generation); so it is forgotten first. If this
        // commit fails, the offsets are stored again, and the partitions' way out commits them.
        consumer.forgetStored(Array(offsets.keys))
        do {
            try consumer.commit(offsets, timeoutMs: leavingCommitTimeoutMs())
            for (tp, next) in offsets { tasks[tp]?.lastCommitted = next }
        } catch {
            consumer.store(offsets)
            log(.warning, "commit failed; librdkafka commits these offsets again as the partitions leave", [("error", "\(error)")])
        }
    }

    /// How long a commit of partitions on their way out (revoked, or all of them at the stop)
    /// waits for the group's coordinator (`boundedWaitMs`). Until 2026-12-07 it waited as long
    /// as librdkafka held the commit while the group had no coordinator: `session.timeout.ms`
    /// (45 s by default) and more, which held a revocation, or a stop past its grace period.
    /// (The consumer's close still waits for the commits librdkafka holds, as long as that.)
    func leavingCommitTimeoutMs() -> Int32 { boundedWaitMs(usual: Self.leavingCommitTimeoutMs) }
    static let leavingCommitTimeoutMs: Int64 = 30_000

    /// How long a call that waits for a broker may hold the pipeline thread: `usual`, or while
    /// stopping what is left of the stop's deadline when that is less (2 s at least, so that a
    /// drain that used it all still tries): systemd and Kubernetes kill a stop 30 s after the
    /// signal, and `shutdown_timeout` is the operator's word for how long it may take.
    func boundedWaitMs(usual: Int64) -> Int32 {
        guard let deadline = stopDeadlineWall else { return Int32(clamping: usual) }
        return Int32(clamping: min(usual, max(Self.stopCallFloorMs, deadline - wallClock.milliseconds())))
    }
    static let stopCallFloorMs: Int64 = 2_000

    /// Called on the pipeline thread from `consumer.poll` (or `close`) with the coordinator's
    /// answer to a commit, ours or librdkafka's committer's. What it accepted is what the status
    /// reports as committed (a stored offset is not committed yet). A refused offset (a
    /// rebalance under way, the coordinator moved, the generation ended) stays stored, and
    /// librdkafka's committer sends it again while it is above the committed one; `lastCommitted`
    /// is cleared as well, so the next checkpoint hands it over again, in case librdkafka let go
    /// of it. (Until 2026-12-05 the refusal went unheard: a partition that made no further
    /// progress kept its older commit, even through its revocation, and its next owner processed
    /// again what had been finished.) A refusal of an offset already superseded changes nothing.
    func commitAnswered(_ result: CommitResult) {
        // librdkafka's committer lists the partitions it had nothing new for with a logical offset.
        let accepted = result.offsets.filter { $0.value >= 0 && result.errors[$0.key] == nil }
        if !accepted.isEmpty {
            statusBox.update { status in
                status.commits += 1
                status.committed.merge(accepted) { _, new in new }
            }
            if logger.logLevel <= .debug {
                log(.debug, "offsets committed", [("offsets", accepted.sorted { $0.key.partition < $1.key.partition }.map { "\($0.key)@\($0.value)" }.joined(separator: ","))])
            }
        }
        guard !result.errors.isEmpty else { return }
        var refused: [String] = []
        for (tp, error) in result.errors.sorted(by: { $0.key < $1.key }) {
            guard let task = tasks[tp], let offset = result.offsets[tp], task.lastCommitted == offset else { continue }
            task.lastCommitted = nil
            refused.append("\(tp)@\(offset): \(error.name)")
        }
        guard !refused.isEmpty else { return }
        log(.warning, "commit refused; committing again", [("offsets", refused.joined(separator: ","))])
    }

    /// Graceful stop: no more input; every output acknowledged; offsets committed; group left.
    func shutdown() {
        // Before the consumer closes, which the probe uses; also on an unrecoverable error,
        // which ends the loop without `stop`, and which is as much a stop for those who watch
        // (`/readyz`, systemd's `STOPPING=1`): said only once the drain was over, until 2026-12-07.
        statusBox.update { $0.stopRequested = true }
        healthCheckPause.interrupt()
        // One deadline for the whole stop: each drain (this one, the checkpoint's two, and the
        // revocation's as the consumer closes) waited `drainTimeout` afresh, so a stop with a
        // partition out of reach took four to seven times `shutdown_timeout`, past every grace
        // period the deployment files give before a SIGKILL.
        stopDeadlineWall = wallClock.milliseconds() + configuration.drainTimeout.milliseconds
        log(.info, "stopping: draining outputs", [("in_flight", String(pending.count + retries.count))])
        drainDeliveries()
        do { try checkpoint(synchronous: true) } catch { log(.error, "final commit failed; the next owner reprocesses from the last commit", [("error", "\(error)")]) }
        if transactionEnding != nil {
            log(.error, "the transaction's commit or abort had not finished at the stop; the next instance with this transactional id finishes it (init_transactions), and redoes the work if it was aborted", [])
        }
        publishBatchCounts()   // what the drain acknowledged
        let final = progressFields()
        // Partitions the group hands over while this instance leaves (the close serves the
        // group's last events) are not taken (`leaving`): no restore, no commit of theirs after
        // the final one.
        consumer.close()
        try? producer.flush(timeoutMs: 1000)
        publishBatchCounts()   // what the revocation and the flush acknowledged
        if healthCheck != nil { _ = healthCheckDone.wait(timeout: .now() + 3) }
        statusBox.update { $0.brokerReachable = false }
        metrics.gauge("moments_ready", [], 0)
        // The clients are freed with the pipeline, the producer flushing what is still in flight
        // (its broker gone, say): their handlers hold the pipeline `unowned`, and one running
        // from that flush, with the pipeline being freed, would trap. What they would report
        // now changes nothing: the offsets are committed, the rest is reprocessed.
        producer.stopDeliveryReports()
        consumer.stopEvents()
        log(.info, "stopped", final)
    }

    func progressFields() -> [(String, String)] {
        let s = statusBox.read()
        return [
            ("events", String(s.eventsProcessed)), ("outputs", String(s.outputsDelivered)), ("dead_letters", String(s.deadLettered)),
            ("restored", String(s.restoredEvents)), ("partitions", String(tasks.count)),
            ("open_interactions", String(tasks.values.reduce(0) { $0 + $1.engine.openInteractions })),
        ]
    }

    /// Waits (bounded) until the broker acknowledged everything in flight.
    func drainDeliveries() {
        if configuration.exactlyOnce { return }   // the transaction commit flushes
        let deadline = min(wallClock.milliseconds() + configuration.drainTimeout.milliseconds, stopDeadlineWall ?? .max)
        while (!pending.isEmpty || !retries.isEmpty) && wallClock.milliseconds() < deadline {
            noteAlive()
            // flush, unlike poll, sends what is lingering at once, and serves the acknowledgements.
            // With only retries left, waiting for their pause, flush returns at once: poll waits.
            if pending.isEmpty { producer.poll(timeoutMs: 10) } else { try? producer.flush(timeoutMs: 10) }
            resendFailed()
        }
        if !pending.isEmpty || !retries.isEmpty {
            // Those of partitions leaving now are told apart by their task's generation when
            // acknowledged later, even if the partition is back by then (`task(for:generation:)`).
            log(.error, "outputs still unacknowledged at the drain deadline; the inputs of partitions leaving now stay uncommitted and are reprocessed by their next owner, and late acknowledgements of their outputs are ignored", [("count", String(pending.count + retries.count))])
        }
    }
}
