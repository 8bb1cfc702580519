import CoreMetrics
import Logging
import Kafka
import MomentsCore

/// A record's outputs, each with the record the producer is given for it. Optional so that
/// `send` moves each out (`take()`): iterated, each was copied and then destroyed with the
/// array, retaining and releasing every string of every output on the pipeline thread.
typealias RoutedOutputs = [(OutputRecord, OutputFacts)?]

/// What the pipeline thread needs of an output once it is encoded: the labels it is counted
/// under and its time (for the dead letter that replaces it if Kafka refuses it as too large,
/// `Pipeline+RefusedOutputs`), taken on the engine thread that made it. The output itself is
/// dropped there, where it is still in the cache, unless a hook wants it (`PipelineHooks.delivered`):
/// handed over, it was boxed, its labels read, and then freed on the pipeline thread, out of
/// every cache and into the engine thread's allocator — a tenth of that thread's share of an
/// output in `perf` (2026-12-06).
struct OutputFacts {
    var labels: PipelineMetrics.DeliveredLabels?
    var time: Timestamp?
    var output: Output?

    /// A dead letter's: no labels (dead letters have a counter of their own), no time, no output.
    init() {
        labels = nil
        time = nil
        output = nil
    }

    init(_ output: consuming Output, keeping: Bool) {
        labels = PipelineMetrics.DeliveredLabels(of: output)
        time = output.moment.time
        self.output = keeping ? consume output : nil
    }
}

/// An output handed to the producer and not yet acknowledged.
///
/// Once the producer has an output (which keeps its own copy of the bytes until the broker
/// answers), the pending entry lets go of its key, value, headers, id and output
/// (`releaseProduced`), unless a hook waits for them or it is a state record: held until the
/// acknowledgement, milliseconds and thousands of outputs later, they were out of every cache
/// by then, and freeing them there was the largest part of the pipeline thread's work for an
/// output. A failed delivery's report brings the bytes back (`restore(from:)`).
struct PendingOutput {
    var record: OutputRecord
    /// The output, only for a hook that wants it (`OutputFacts`). Boxed: an output is a large
    /// value (its moment alone is some 250 bytes), and a pending output moves into its slot, out
    /// again, and with every other one when the slots grow by thousands at a checkpoint; inline,
    /// those moves and the memory they faulted in were a seventh of the pipeline thread's time.
    private(set) var outputBox: OutputBox?
    /// A copy of the output (its strings retained); `outputBox` reads it in place.
    var output: Output? { outputBox?.output }
    /// The output's time (`OutputFacts.time`); nil for a state record or a dead letter.
    var time: Timestamp?
    var partition: TopicPartition
    /// The generation of the task that produced it: `sequence` counts in that task's tracker only.
    var generation: Int
    var sequence: UInt64
    /// Wall time the causing event arrived (or the timer fired), for the latency histogram.
    var arrivalWall: Int64
    /// Wall time it was first handed to the producer, for `DeliveryTiming`.
    var producedWall: Int64 = 0
    var attempts = 0
    /// The checkpoint epoch it was first produced in (see Pipeline+Checkpoint).
    var epoch = 0
    /// For a state record: the changelog batch it belongs to.
    var stateBatch: Int?
    /// The counters it adds to once acknowledged, found while it was at hand.
    var counters = PipelineMetrics.DeliveredCounters.none
    /// Whether its key, value, headers, id and output were let go (`releaseProduced`).
    private(set) var released = false
    /// The dead letter of an output Kafka refused as too large (`Pipeline+RefusedOutputs`):
    /// refused in turn, it stops the pipeline instead of being replaced again.
    var isStandIn = false

    /// - Parameters:
    ///   - facts: what the pipeline thread knows of its output (labels, time, and the output
    ///     itself only for a hook); none for a dead letter or a state record.
    ///   - metrics: where its counters are found (`counters`), unless it is a state record.
    init(
        record: OutputRecord, facts: consuming OutputFacts = OutputFacts(),
        partition: TopicPartition, generation: Int, sequence: UInt64, arrivalWall: Int64,
        producedWall: Int64 = 0, epoch: Int = 0, metrics: PipelineMetrics? = nil
    ) {
        self.record = record
        time = facts.time
        let labels = facts.labels
        // Moved into its box: `map` borrowed it and boxed a copy.
        if let output = facts.output.take() { outputBox = OutputBox(output) } else { outputBox = nil }
        self.partition = partition
        self.generation = generation
        self.sequence = sequence
        self.arrivalWall = arrivalWall
        self.producedWall = producedWall
        self.epoch = epoch
        // Found now, while the output's labels are in the cache (see `counters`).
        if let metrics { counters = metrics.counters(for: self.record, labels: labels) }
    }

    /// Lets go of what only producing it again would need, now that the producer has it.
    mutating func releaseProduced() {
        record.key = nil
        record.value = nil
        record.headers = []
        record.id = ""
        outputBox = nil
        released = true
    }

    /// Takes its bytes back from the report of its failed delivery, to produce it again. False
    /// when they were let go and the report has none (librdkafka's reports always do).
    mutating func restore(from report: DeliveryReport) -> Bool {
        guard released else { return true }
        guard let message = report.undelivered else { return false }
        record.key = message.key
        record.value = message.value
        record.headers = message.headers.map { ($0.name, $0.value ?? []) }
        released = false
        return true
    }

    /// What a log line about this output says: its topic and id (an output id begins with its
    /// interaction's), and the interaction and customer it concerns when a hook kept the output,
    /// or else its key (`OutputFacts`: the output itself stays on the engine thread).
    var logFields: [(String, String)] {
        var fields = [("topic", record.topic)]
        if !record.id.isEmpty { fields.append(("id", record.id)) }
        if let m = output?.moment {
            fields += [("interaction_id", m.interactionID), ("customer_id", m.customerID)]
        } else if let key = record.key, let text = String(validating: key, as: UTF8.self) {
            fields.append(("key", text))
        }
        return fields
    }
}

final class OutputBox: Sendable {
    let output: Output
    init(_ output: Output) { self.output = output }
}

extension Pipeline {
    /// The task that produced something of `generation` for `partition`, if it still runs.
    ///
    /// A partition revoked or lost leaves after a drain bounded by `drainTimeout`; what is still
    /// in flight then may be acknowledged later, even after the partition was assigned again to a
    /// new task whose sequence numbers and state batches restart at 0. Applied to that task, an old
    /// acknowledgement would complete another input's entry (and let its offset be committed before
    /// its own outputs land). So whatever names a task — an output, a changelog batch, deferred
    /// state — is applied only to that very task; for a task that is gone it settles nothing, and
    /// its inputs are reprocessed by the partition's next owner from the last commit.
    func task(for partition: TopicPartition, generation: Int) -> PartitionTask? {
        guard let task = tasks[partition], task.generation == generation else { return nil }
        return task
    }

    /// Hands outputs to the producer, accounted against `offset` of the task's partition.
    func send(_ records: consuming RoutedOutputs, from task: PartitionTask, offset: Int64, arrivalWall: Int64) {
        let sequence = task.tracker.record(offset: offset, outputs: records.count)
        // Most records have no output: the clock is only read for those that do.
        guard !records.isEmpty else { return }
        let now = wallClock.milliseconds()
        for i in records.indices {
            let (record, facts) = records[i].take()!
            let kind = record.kind
            if kind != .state { task.unacknowledgedByEpoch[epoch, default: 0] += 1 }
            produce(PendingOutput(
                record: consume record, facts: consume facts, partition: task.partition, generation: task.generation, sequence: sequence, arrivalWall: arrivalWall,
                producedWall: now, epoch: kind != .state ? epoch : 0, metrics: metrics))
        }
    }

    /// Hands state records (changelog batch `batch`, if any) to the producer, accounted against
    /// `offset`. Separate from `send`: state belongs to no epoch, and a checkpoint's records need not
    /// be paired with outputs first (a copy of every record, thousands at a time).
    func sendState(_ records: [OutputRecord], from task: PartitionTask, offset: Int64, batch: Int?) {
        let sequence = task.tracker.record(offset: offset, outputs: records.count)
        let wall = wallClock.milliseconds()
        for record in records {
            var p = PendingOutput(record: record, partition: task.partition, generation: task.generation, sequence: sequence, arrivalWall: wall)
            p.stateBatch = batch
            produce(p)
        }
    }

    /// `p` is consumed: it moves into its slot in `pending` rather than being copied there (a
    /// large value, copied for every output).
    func produce(_ p: consuming PendingOutput) {
        if configuration.exactlyOnce && !inTransaction {
            do {
                try producer.beginTransaction()
                inTransaction = true
            } catch {
                log(.error, "cannot begin a transaction", [("error", "\(error)")])
                transactionFailed = true
                return
            }
        }
        // Produced with the token of a slot reserved for it, then stored: read in place for the
        // producer (a copy of its record retained and released five references an output). No
        // report comes for the token before it is stored: reports come on this thread.
        let token = pending.reserve()
        let failure: KafkaError?
        do {
            // Once a wait for room has run out, the queue is taken to be full until a produce goes
            // through: each output of a batch waited five seconds for room, minutes for one
            // batch, during which nothing was polled and the group could drop the member. The
            // outputs refused meanwhile are produced again later, and input waits for them.
            try producer.produce(
                topic: p.record.topic, partition: p.record.partition, key: p.record.key, value: p.record.value, headers: p.record.headers, token: token,
                queueFullWaitMs: producerQueueFull ? 0 : KafkaProducer.defaultQueueFullWaitMs)
            failure = nil
            producerQueueFull = false
        } catch {
            failure = error
            if error.code == KafkaError.queueFull { producerQueueFull = true }
        }
        guard let failure else {
            if p.record.kind != .state && hooks.delivered == nil { p.releaseProduced() }
            pending.store(consume p, at: token)
            return
        }
        pending.cancel(token)
        // An output is retried later; a changelog record is not (below).
        statusBox.update { $0.produceErrors += 1 }
        metrics.count("moments_produce_errors_total", [("topic", p.record.topic)])
        // Refused by librdkafka's own size check: the same at every attempt (with exactly-once
        // too, the dead letter goes into the transaction in the output's place).
        if Self.isTooLarge(failure), replaceRefused(p, failure) { return }
        if failure.isFatal {
            // The producer refuses this and every later message: retried, it failed every 10 ms
            // for ever while commits stalled behind it. Its input stays uncommitted.
            producerFailed(failure)
            if configuration.exactlyOnce { transactionFailed = true }
            return
        }
        // A full queue empties as reports come: only the other refusals make the retries wait longer.
        if failure.code != KafkaError.queueFull { retryBackoffDue = true }
        p.attempts += 1
        if configuration.exactlyOnce {
            // As for a failed delivery (`delivered`): the transaction must not commit. Retried
            // later instead, it was left out of the transaction that committed its input's
            // offset, and lost if the partition left (or the pipeline stopped) before the retry
            // landed; an abort also dropped it, and rewound only to that commit.
            warnOfAFailedProduce("produce failed inside the transaction; it will be aborted and reprocessed", p, failure)
            transactionFailed = true
            return
        }
        // A changelog record is never retried later: a newer record of its customer may be
        // produced first, which the retry would then overwrite.
        if let batch = p.stateBatch, let owner = task(for: p.partition, generation: p.generation) {
            stateRecordFailed(p, batch: batch, of: owner, failure)
            return
        }
        warnOfAFailedProduce("produce failed; will retry", p, failure)
        retries.append(p)
    }

    /// Logs a produce refused on the spot: at once for the first, then at most once every ten
    /// seconds with how many failed since (the rest at debug level). A topic that does not
    /// exist, or that the instance may no longer write, fails every output at every retry (with
    /// exactly-once, every transaction): each was a warning, a hundred lines a second for one
    /// output (until 2026-12-07).
    func warnOfAFailedProduce(_ message: String, _ p: borrowing PendingOutput, _ failure: KafkaError) {
        retriesSinceWarning += 1
        let now = wallClock.milliseconds()
        if lastRetryWarningWall == .min || now - lastRetryWarningWall >= 10_000 {
            log(.warning, message, p.logFields + [("error", "\(failure)"), ("failed_since_last_warning", String(retriesSinceWarning))])
            lastRetryWarningWall = now
            retriesSinceWarning = 0
        } else if logger.logLevel <= .debug {
            log(.debug, message, p.logFields + [("error", "\(failure)")])
        }
    }

    /// Called on the pipeline thread from `producer.poll`.
    func delivered(_ report: DeliveryReport) {
        guard var p = pending.remove(token: report.token) else { return }
        // Failed once the producer failed fatally (librdkafka purges what it still queued):
        // produced again, it would be refused for ever. Its input stays uncommitted, and no state
        // is written past it (its epoch never settles).
        if report.error != nil, let fatal = producer?.fatalError {
            producerFailed(fatal)
            if configuration.exactlyOnce { transactionFailed = true }
            return
        }
        if let error = report.error, Self.isTooLarge(error) { warnOfABatchTooLarge(p, error) }
        if let error = report.error, configuration.exactlyOnce {
            // Inside a transaction a lost output means the transaction must not commit.
            warnOfAFailedProduce("output failed inside the transaction; it will be aborted and reprocessed", p, error)
            transactionFailed = true
            return
        }
        // The task that produced it; nil for a late report of a task that is gone (see
        // `task(for:generation:)`): then nothing of the partition's current task is acknowledged,
        // and a failed output is not produced again.
        let owner = task(for: p.partition, generation: p.generation)
        if owner == nil { batchCounts.stale += 1 }
        if let error = report.error {
            statusBox.update { $0.produceErrors += 1 }
            metrics.count("moments_produce_errors_total", [("topic", p.record.topic)])
            guard owner != nil else {
                log(.warning, "output of a partition that has left not acknowledged; its next owner reprocesses its input", p.logFields + [("error", "\(error)")])
                return
            }
            if let batch = p.stateBatch, let owner {
                stateRecordFailed(p, batch: batch, of: owner, error)
                return
            }
            // librdkafka already retried within message.timeout.ms; losing an output is not an
            // option, so it goes back to the producer and its input stays uncommitted.
            guard p.restore(from: report) else {
                // Never with librdkafka's reports. Left unacknowledged: its input is not
                // committed, and the next owner of its partition processes it again.
                log(.error, "output not acknowledged and its bytes are gone; its input stays uncommitted", p.logFields + [("error", "\(error)")])
                return
            }
            warnOfAFailedProduce("output not acknowledged; producing it again", p, error)
            retryBackoffDue = true
            p.attempts += 1
            retries.append(p)
            return
        }
        // An output produced again has landed: the cause has passed, retries go at the shortest
        // pause once more. (Any output's landing would not say so: one topic refused while the
        // others take outputs would keep the pause at its shortest.)
        if p.attempts > 0 { retryDelayMs = Self.retryDelayMs }
        if let owner {
            owner.tracker.acknowledge(p.sequence)
            if let batch = p.stateBatch {
                if p.record.isPartitionRecord {
                    owner.changelogBatches.partitionRecordAcknowledged(batch: batch)
                } else {
                    sendPartitionRecords(owner.changelogBatches.customerAcknowledged(batch: batch), from: owner)
                }
            }
        }
        // Counted as delivered even when its task is gone: it is on the output topic.
        if p.record.kind == .state {
            batchCounts.stateRecordsWritten += 1
            return
        }
        owner?.outputSettled(epoch: p.epoch)
        metrics.delivered(p.counters)
        if p.record.kind == .deadLetter { metrics.count("moments_dead_letters_total") }
        let now = wallClock.milliseconds()
        metrics.latency.recordNanoseconds(max(0, now - p.arrivalWall) * 1_000_000)
        // Published with the batch's other counts (publishBatchCounts), not under a lock per output.
        batchCounts.delivered += 1
        if p.record.kind != .deadLetter { batchCounts.deliveredByKind[p.record.kind, default: 0] += 1 }
        hooks.delivered?(p.record, p.output, DeliveryTiming(polledToProducedMs: p.producedWall - p.arrivalWall, producedToAcknowledgedMs: now - p.producedWall))
    }

    /// A changelog record failed for good. Not produced again: its bytes may be older than a
    /// record of the same customer produced since, which it would then overwrite. The customer
    /// is marked changed instead, so the next checkpoint writes its current state, and no
    /// partition record vouches for the batches taken before that (see ChangelogBatches).
    func stateRecordFailed(_ p: PendingOutput, batch: Int, of owner: PartitionTask, _ error: KafkaError) {
        owner.tracker.acknowledge(p.sequence)   // commits are held by the durable offset instead
        statusBox.update { $0.stateRecordsFailed += 1 }
        metrics.count("moments_state_records_failed_total")
        if p.record.isPartitionRecord {
            owner.changelogBatches.partitionRecordFailed(batch: batch, nextEpoch: epoch)
            owner.partitionRecordOwed = true
            log(.warning, "state partition record not acknowledged; the next checkpoint writes another, and commits wait for it", [
                ("partition", "\(owner.partition)"), ("error", "\(error)"),
            ])
            return
        }
        // Not marked in the engine now: an engine thread may be running it (see
        // `PartitionTask.unwrittenCustomers`); the next checkpoint marks it before taking state.
        let prefix = Array("\(owner.partition.topic)/".utf8)
        if let key = p.record.key, key.starts(with: prefix) {
            owner.unwrittenCustomers.append(String(decoding: key[prefix.count...], as: UTF8.self))
        }
        let (due, first) = owner.changelogBatches.customerFailed(batch: batch, nextEpoch: epoch)
        sendPartitionRecords(due, from: owner)
        // An outage fails a whole batch at once: one warning for it, the records at debug level.
        if first {
            log(.warning, "state records not acknowledged; their customers' current state goes into the next checkpoint, and commits wait for it", [
                ("partition", "\(owner.partition)"), ("error", "\(error)"),
            ])
        } else if logger.logLevel <= .debug {
            log(.debug, "state record not acknowledged", p.logFields + [("error", "\(error)")])
        }
    }

    /// The producer raised a fatal error (INTRODUCTION.md, "Fatal errors"): the idempotent
    /// producer can no longer keep its promise of order without duplicates, and refuses every
    /// later message; only a new instance can go on. The pipeline stops the way it does when it
    /// cannot resume a partition (`unrecoverable`): what was acknowledged is committed, never an
    /// offset past an output that was not, and `run()` throws the error, so the daemon exits
    /// non-zero for its supervisor to restart it. Until 2026-12-05 the error went unseen: failed
    /// outputs were produced again every 10 ms for ever, and commits stalled behind them.
    func producerFailed(_ error: KafkaError) {
        guard unrecoverable == nil else { return }
        unrecoverable = error
        log(.critical, "the producer failed fatally; stopping", [("error", "\(error)")])
    }

    /// Produces the outputs that failed again, once their pause is over: 10 ms after a failure,
    /// twice as long after each pass in which one is refused again (by librdkafka at once, or by
    /// the broker in its delivery report), up to a second, and 10 ms again once the broker
    /// acknowledges an output (every pass of the loop, a thousand a second under load, produced
    /// them again until 2026-12-07). A full local queue does not lengthen the pause: it empties
    /// as reports come.
    func resendFailed() {
        guard !retries.isEmpty, !configuration.exactlyOnce || !transactionFailed else { return }
        let now = wallClock.milliseconds()
        guard now >= nextRetryWall else { return }
        let batch = retries
        retries.removeAll()
        for p in batch {
            // Only for the task that produced it: a task that is gone (even if its partition came
            // back, to a new task) has its inputs reprocessed by the partition's next owner.
            if task(for: p.partition, generation: p.generation) != nil { produce(p) }
        }
        // Refused since the last pass, by librdkafka now or by the broker in a report.
        if retryBackoffDue { retryDelayMs = min(retryDelayMs * 2, Self.longestRetryDelayMs) }
        retryBackoffDue = false
        nextRetryWall = now + retryDelayMs
    }
}
