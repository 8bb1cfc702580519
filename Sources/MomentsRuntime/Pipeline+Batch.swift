import Dispatch
import Kafka
import Logging
import MomentsCore

/// A polled input record: where its key and value are in its batch's bytes (`PolledBatch`),
/// and the task of its partition at the time it was polled. Its topic and partition are its
/// task's: a String of its own was retained and released with every copy of the record.
struct PolledRecord {
    let offset: Int64
    let key: Range<Int>?
    let value: Range<Int>?
    let timestampMs: Int64?
    /// Its task, not counted: its batch holds the task (`PolledBatch.tasks`, then
    /// `BatchInFlight`), and a record is used only while its batch lives. Counted, every record
    /// retained and released its task, atomically, on the pipeline thread and again on an
    /// engine thread, while that engine thread wrote the task's engine in the same cache lines:
    /// 5–7 % of both threads' `perf` samples (eighteenth round).
    private let taskReference: Unmanaged<PartitionTask>

    /// Made by `PolledBatch.append`, which holds `task`; whoever makes one otherwise (a test)
    /// must keep `task` alive for as long as the record is used.
    init(offset: Int64, key: Range<Int>?, value: Range<Int>?, timestampMs: Int64?, task: PartitionTask) {
        self.offset = offset
        self.key = key
        self.value = value
        self.timestampMs = timestampMs
        self.taskReference = .passUnretained(task)
    }

    /// Its task, as a counted reference: for what is not done at every record.
    var task: PartitionTask { taskReference.takeUnretainedValue() }
    /// Tells the records of one task from another's without touching the task.
    var taskIdentity: UnsafeMutableRawPointer { taskReference.toOpaque() }

    /// Lends `body` its task without counting a reference (see `taskReference`).
    func withTask<T>(_ body: (PartitionTask) throws -> T) rethrows -> T {
        try taskReference._withUnsafeGuaranteedRef(body)
    }

    var topic: String { task.partition.topic }
    var partition: Int32 { task.partition.partition }

    /// Its key and value copied out of its batch's `bytes`, for what keeps them (a dead letter,
    /// a vendor dialect's decoder).
    func keyBytes(in bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? { key.map { Array(bytes[$0]) } }
    func valueBytes(in bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? { value.map { Array(bytes[$0]) } }
}

/// The records of one poll, their keys and values one after another in one buffer: one
/// allocation for the batch rather than two for each record (see `KafkaConsumer.poll(timeoutMs:appendingTo:)`).
struct PolledBatch {
    /// Optional only so that applying a record can move it out of its batch (`BatchInFlight`).
    private(set) var records: [PolledRecord?] = []
    var bytes: [UInt8] = []

    /// What a batch fills — its bytes, its records and, once handed over, its outcomes
    /// (`OutcomeStorage`) — emptied with their room kept, for the next batch
    /// (`Pipeline.spareBatchBuffers`). The records' array too: grown from empty in every batch,
    /// it was copied into a larger allocation a dozen times on the way to a batch's 4,096
    /// records (some 330 KB, most of it in allocations large enough to come from the kernel),
    /// and the pages the allocator returned meanwhile were faulted in again by the next batch.
    struct Buffers {
        var bytes: [UInt8]
        var records: [PolledRecord?]
        /// Nothing initialized in it (`BatchInFlight.takeBuffers`).
        var outcomes: OutcomeStorage?

        /// Both arrays emptied, their storage kept.
        mutating func empty() {
            bytes.removeAll(keepingCapacity: true)
            records.removeAll(keepingCapacity: true)
        }
    }

    /// Where its outcomes will be computed, if an earlier batch's storage came with its arrays.
    private(set) var outcomes: OutcomeStorage?

    init() {}

    /// A batch that fills `spare`'s arrays (empty) rather than new ones.
    init(reusing spare: consuming Buffers) {
        bytes = spare.bytes
        records = spare.records
        outcomes = spare.outcomes
    }

    /// Its arrays, emptied, for another batch; the records' tasks are let go.
    consuming func buffers() -> Buffers {
        var spare = Buffers(bytes: bytes, records: records, outcomes: outcomes)
        spare.empty()
        return spare
    }

    /// Every task a record refers to (in runs: a task again after another is listed again),
    /// which keeps them alive while the records are (`PolledRecord.task` does not).
    private(set) var tasks: [PartitionTask] = []
    private var lastTask: ObjectIdentifier?

    mutating func append(offset: Int64, key: Range<Int>?, value: Range<Int>?, timestampMs: Int64?, task: PartitionTask) {
        if ObjectIdentifier(task) != lastTask {
            tasks.append(task)
            lastTask = ObjectIdentifier(task)
        }
        records.append(PolledRecord(offset: offset, key: key, value: value, timestampMs: timestampMs, task: task))
    }

    /// Room for `count` records at once (as many as the last batch held, as for its bytes).
    mutating func reserveRecords(_ count: Int) { records.reserveCapacity(count) }

    /// Drops the records `isDropped` picks; their tasks stay held with the others.
    mutating func removeRecords(where isDropped: (PolledRecord) -> Bool) {
        records.removeAll { isDropped($0!) }
    }
}

/// What a record gave its partition's engine. Computed apart from the pipeline's bookkeeping
/// (producer, offset trackers, counters, logs), which only the pipeline thread touches, so that
/// the partitions of a batch can be computed on several threads at once.
struct RecordOutcome {
    enum Kind {
        /// Already reflected in state restored from the changelog: passed over.
        case skipped
        /// Replayed to rebuild state, its outputs suppressed (they were sent when it was first processed).
        case restored
        case processed(RoutedOutputs, logFields: [(String, String)])
        case deadLettered(OutputRecord, DecodeError)
    }
    var kind: Kind
    /// The engine's clock once the record was applied.
    var engineClock: Timestamp
}

extension Pipeline {
    /// Batches handled in one pass at most, before the loop serves deliveries, commits and the
    /// rest: up to this many batches' computing overlaps with the pipeline thread's own work.
    static let batchesPerPass = 8

    /// Handles the records already there, up to `batchesPerPass` batches, without waiting: the
    /// loop sleeps in `sleepUntilWork`, which a record or a delivery report ends at once.
    ///
    /// Each batch goes through three steps: polled; each record's outcome computed, each
    /// partition's records in order as one job on the engine threads (`SerialJobs`: after that
    /// partition's jobs of earlier batches, beside other partitions'); then the outcomes applied
    /// on this thread in the order the records were polled, so outputs are produced in the same
    /// order as if each record were handled as it arrived.
    ///
    /// The steps of consecutive batches overlap: while the engine threads compute batches *n*
    /// and *n + 1*, this thread applies *n − 1* and then *n*, polling in between. That serial
    /// work is about 2 µs an event, as much as the engine's own, and the engine threads waited
    /// for it; and with two batches given, an engine thread that finishes its partitions of one
    /// takes the next one's instead of waiting for the slowest. Nothing else touches an engine
    /// meanwhile: the pass ends with every batch applied (`settleBatchesInFlight`), and a
    /// rebalance in a poll settles first (`rebalanced`).
    func pollInputs() throws {
        defer { settleBatchesInFlight() }
        for _ in 0..<Self.batchesPerPass {
            guard let records = try pollBatch() else { return }
            batchesInFlight.append(startComputing(records))
            if batchesInFlight.count > 1 { applyAll(batchesInFlight.removeFirst()) }
        }
    }

    /// Up to a batch of the records already there, with their tasks; nil when there are none.
    private func pollBatch() throws -> PolledBatch? {
        var batch = spareBatchBuffers.popLast().map { PolledBatch(reusing: $0) } ?? PolledBatch()
        // As much as the last batch held: a backlog's batches are alike, and a light load's small.
        // Capped, so that one batch of huge messages does not set the size of every later one.
        batch.bytes.reserveCapacity(min(lastPolledBytes, Self.polledBytesReservedAtMost))
        batch.reserveRecords(min(lastPolledRecords, configuration.batchSize))
        let rebalancesBefore = rebalances
        // Records come in runs of one partition: the last record's task serves the next one of
        // its partition without hashing its topic (while no rebalance has happened meanwhile).
        // Not counted, as in a record (`PolledRecord.taskReference`): the batch holds it from
        // its first record on.
        var lastTask: Unmanaged<PartitionTask>?
        var lastRebalances = rebalances
        while batch.records.count < configuration.batchSize, unrecoverable == nil,
            let record = try consumer.poll(timeoutMs: 0, appendingTo: &batch.bytes) {
            if let last = lastTask, lastRebalances == rebalances,
               last._withUnsafeGuaranteedRef({ $0.partition.partition == record.partition && $0.partition.topic == record.topic }) {
                last._withUnsafeGuaranteedRef {
                    batch.append(offset: record.offset, key: record.key, value: record.value, timestampMs: record.timestampMs, task: $0)
                }
            } else {
                // Revoked meanwhile: its bytes stay in the buffer, unread.
                guard let known = tasks[TopicPartition(topic: record.topic, partition: record.partition)] else { continue }
                lastTask = .passUnretained(known)
                lastRebalances = rebalances
                batch.append(offset: record.offset, key: record.key, value: record.value, timestampMs: record.timestampMs, task: known)
            }
        }
        if rebalances != rebalancesBefore {
            // A rebalance in a poll may have revoked a task or replaced it (an exactly-once
            // rewind): what it had polled is left to the partition's next task, which starts
            // from the last commit, which those records are not part of.
            batch.removeRecords { tasks[$0.task.partition] !== $0.task }
        }
        lastPolledBytes = batch.bytes.count
        lastPolledRecords = batch.records.count
        guard batch.records.isEmpty else { return batch }
        // Kept for the next poll: an idle loop polls nothing many times a second.
        spareBatchBuffers.append(batch.buffers())
        return nil
    }

    /// Hands a batch to the engine threads. A small batch, which is what a lightly loaded
    /// pipeline sees and where latency matters more than throughput, is computed here at once,
    /// once the batches before it are (they may hold its partitions): handing it over costs
    /// more than it saves.
    private func startComputing(_ polled: consuming PolledBatch) -> BatchInFlight {
        let runs = Self.partitionRuns(of: polled.records)
        let handedOver = polled.records.count >= Self.minimumHandedOverBatch ? engineThreads : nil
        if runs.count > 1 && handedOver != nil && configuration.engineThreads > 1 { batchCounts.sharedBatches += 1 }
        if handedOver == nil { for batch in batchesInFlight { batch.waitUntilComputed() } }
        let batch = BatchInFlight(polled, wall: wallClock.milliseconds())
        // Read once a batch: `logLevel` copies the log handler (an existential) at every read.
        let logsOutputs = logger.logLevel <= .debug
        // The host's clock read once a batch too (a batch is milliseconds of work, the bound
        // minutes wide): for records without a Kafka timestamp, or stamped later than it.
        let aheadBound = configuration.maxEventAhead.map { EventTimeBound(bound: $0, realTime: configuration.realTime()) }
        // Held strongly, for as long as the batch's jobs: `unowned` made a strong reference at
        // each record, an atomic on the pipeline's count that every engine thread shared.
        batch.compute(runs: runs, on: handedOver) { [self] polled, task, bytes in outcome(of: polled, task: task, bytes: bytes, logsOutputs: logsOutputs, aheadBound: aheadBound) }
        return batch
    }

    /// Waits for the batches the engine threads are computing, if any, and applies them in order.
    func settleBatchesInFlight() {
        while !batchesInFlight.isEmpty { applyAll(batchesInFlight.removeFirst()) }
    }

    private func applyAll(_ batch: BatchInFlight) {
        batch.waitUntilComputed()
        let wall = batch.wall
        batch.forEachInOrder { polled, task, outcome, bytes in apply(outcome, of: polled, task: task, bytes: bytes, wall: wall) }
        // Kept for a later poll unless grown past what a batch reserves (a batch of huge messages).
        let buffers = batch.takeBuffers()
        if spareBatchBuffers.count < Self.spareBatchBuffersKept && buffers.bytes.capacity <= Self.polledBytesReservedAtMost { spareBatchBuffers.append(buffers) }
        // Published per batch, not per pass: a pass may take several batches of a backlog.
        publishBatchCounts()
    }

    /// What a batch's buffer reserves at most; a larger batch grows it as it goes.
    static let polledBytesReservedAtMost = 8 << 20

    /// As many as the batches whose buffers are in use at once: one polled, two computed.
    static let spareBatchBuffersKept = 2

    /// Smaller batches stay on the pipeline thread, computed at once (see `startComputing`).
    static let minimumHandedOverBatch = 64

    /// A batch's record indices by partition, each partition's in poll order (the order its
    /// engine must see them), the largest partition first, so that it starts first.
    static func partitionRuns(of batch: [PolledRecord?]) -> [[Int]] {
        var runs: [[Int]] = []
        var runOfTask: [UnsafeMutableRawPointer: Int] = [:]
        // Records come in stretches of one partition: the last one's run is checked first.
        var last: (task: UnsafeMutableRawPointer, run: Int)?
        for i in batch.indices {
            let id = batch[i]!.taskIdentity
            if let l = last, l.task == id { runs[l.run].append(i); continue }
            let run: Int
            if let known = runOfTask[id] {
                run = known
            } else {
                run = runs.count
                runOfTask[id] = run
                runs.append([])
            }
            runs[run].append(i)
            last = (id, run)
        }
        return runs.count > 1 ? runs.sorted { $0.count > $1.count } : runs
    }

    /// Runs one record through its task: restore and skip bookkeeping, decoding, the engine, and
    /// encoding its outputs. Writes nothing but `task`, the record's (`bytes` are only read), so
    /// records of different partitions may be computed at the same time. `bytes`: its batch's (`PolledBatch`).
    /// `logsOutputs`: whether debug logging wants each event's ids. `aheadBound`: how far ahead
    /// an event may be dated (`PipelineConfiguration.maxEventAhead`), nil for any.
    func outcome(of record: PolledRecord, task: PartitionTask, bytes: UnsafeBufferPointer<UInt8>, logsOutputs: Bool, aheadBound: EventTimeBound? = nil) -> RecordOutcome {
        // Never suppress the output of a record at or past the committed offset.
        if let until = task.restoreUntil, record.offset >= until { task.endRestore() }
        if let skip = task.skipUntil {
            if record.offset < skip {
                task.noteProcessed(offset: record.offset)
                return RecordOutcome(kind: .skipped, engineClock: task.engine.clock)
            }
            task.skipUntil = nil
        }
        if let ahead = task.customersAhead, record.offset > ahead.until { task.customersAhead = nil }
        if hooks.leaveOut == .engine {
            task.noteProcessed(offset: record.offset)
            return RecordOutcome(kind: .processed([], logFields: []), engineClock: task.engine.clock)
        }
        var decoded: DecodedRecord
        if let value = record.value, !value.isEmpty {
            decoded = decode(value, of: record, in: bytes, cache: task.attributeCache)
        } else {
            // A value of no bytes is as empty as a null one (it was counted as invalid JSON,
            // under `invalid_json`, until 2026-12-07).
            decoded = .failure(DecodeError(field: nil, reason: record.value == nil ? "empty message (null value)" : "empty message (no bytes)"))
        }
        if let aheadBound, let ahead = aheadBound.refusal(of: decoded, recordTimestampMs: record.timestampMs) { decoded = .failure(ahead) }
        let kind: RecordOutcome.Kind
        if task.isRestoring {
            // Customers restored from a later batch than the partition record (`CustomersAhead`)
            // already hold their events up to their own offset, in a replay of the records
            // between restored state and the commit as after it.
            func restore(_ event: Event) {
                if task.customersAhead?.reflect(event.customerID, at: record.offset) == true {
                    _ = task.engine.advance(to: event.occurredAt)
                } else {
                    _ = task.engine.process(event)
                }
            }
            switch decoded {
            case .event(let event): restore(event)
            case .events(let events): for event in events { restore(event) }
            case .failure: break
            }
            kind = .restored
        } else if case .failure(let error) = decoded {
            let (origin, key) = Origin.kafka(
                topic: task.partition.topic, partition: task.partition.partition, offset: record.offset, keyBytes: record.keyBytes(in: bytes))
            // The partition's clock; before its first event (which leaves it at the epoch, a
            // 1970 time no event may have), the record's own Kafka timestamp.
            let clock = task.engine.clock
            let time = clock.milliseconds > 0 ? clock : record.timestampMs.map { Timestamp(milliseconds: $0) } ?? clock
            let letter = DeadLetter(original: record.valueBytes(in: bytes) ?? [], error: error, origin: origin, time: time)
            var out = configuration.routing.record(for: letter, originalKey: key)
            if let ts = record.timestampMs { out.sourceTimestampMs = ts }
            kind = .deadLettered(out, error)
        } else {
            var records: RoutedOutputs = []
            // Only gathered for debug logging: an array per event otherwise built for nothing.
            var logFields: [(String, String)] = []
            func process(_ event: Event) {
                // Already in its customer's restored state: time moves on as the event moved it
                // the first time, but the event is not applied again.
                let outputs = task.customersAhead?.reflect(event.customerID, at: record.offset) == true
                    ? task.engine.advance(to: event.occurredAt) : task.engine.process(event)
                for output in outputs {
                    let record = configuration.routing.record(for: output)
                    records.append((record, OutputFacts(output, keeping: keepsOutputs)))
                }
                if logsOutputs { logFields = [("interaction_id", event.interactionID), ("customer_id", event.customerID)] }
            }
            switch decoded {
            case .event(let event): process(event)
            // A vendor message may stand for several canonical events, or none.
            case .events(let events): for event in events { process(event) }
            case .failure: break   // dead-lettered above
            }
            if hooks.leaveOut == .outputs { records.removeAll() }
            if let ts = record.timestampMs { for i in records.indices { records[i]!.0.sourceTimestampMs = ts } }
            kind = .processed(records, logFields: logFields)
        }
        let clock = task.engine.clock
        task.noteProcessed(offset: record.offset)
        return RecordOutcome(kind: kind, engineClock: clock)
    }

    /// What a record's outcome means for the pipeline: offsets, clocks, counters, logs, and its
    /// outputs handed to the producer. On the pipeline thread, in poll order.
    /// The outcome is consumed: bound by the `switch`, a borrowed one's outputs were copied.
    /// `task`: the record's, lent (`PolledRecord.withTask`).
    func apply(_ outcome: consuming RecordOutcome, of polled: PolledRecord, task: PartitionTask, bytes: UnsafeBufferPointer<UInt8>, wall: Int64) {
        if case .skipped = outcome.kind {
            _ = task.tracker.record(offset: polled.offset, outputs: 0)
            batchCounts.passedOver += 1
            return
        }
        task.clock.observed(engineClock: outcome.engineClock, wallMs: wall)
        let kind = (consume outcome).kind
        // Replayed records (a restore) are not counted as consumed: read again after every
        // rebalance, they made "events consumed per second" spike with no new traffic.
        switch consume kind {
        case .skipped:
            return
        case .restored:
            batchCounts.restored += 1
        case .processed(let records, let logFields):
            batchCounts.countConsumed(topic: task.partition.topic)
            batchCounts.processed += 1
            if !records.isEmpty && logger.logLevel <= .debug {
                log(.debug, "event produced outputs", logFields + [("offset", String(polled.offset)), ("outputs", records.map { $0!.0.id }.joined(separator: ","))])
            }
            send(records, from: task, offset: polled.offset, arrivalWall: wall)
        case .deadLettered(let letter, let error):
            batchCounts.countConsumed(topic: task.partition.topic)
            statusBox.update { $0.deadLettered += 1 }
            metrics.count("moments_decode_failures_total", [("reason", error.category)])
            var fields = [
                ("topic", task.partition.topic), ("partition", String(task.partition.partition)), ("offset", String(polled.offset)),
                ("reason", error.description),
            ]
            // The original bytes may hold chat text: only logged where the configuration allows personal data.
            if configuration.logPersonalData, let value = polled.value { fields.append(("original", String(decoding: bytes[value].prefix(2048), as: UTF8.self))) }
            log(.warning, "dead-lettered a malformed event", fields)
            send([(letter, OutputFacts())], from: task, offset: polled.offset, arrivalWall: wall)
        }
    }
}
