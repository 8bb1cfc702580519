import Kafka
import MomentsCore

/// The state changelog (the Kafka Streams model): a compacted topic with one record per
/// customer of each input partition — key `<input topic>/<customer id>`, value the customer's
/// state, a tombstone once forgotten — and one partition record (clock, budgets) marked by a
/// header. Changelog partition n holds input partition n's state, so a new owner of a
/// partition reads exactly one changelog partition.
///
/// A customer record also says, in a header, the last input offset its state reflects: a
/// batch's customer records land before its partition record (`ChangelogBatches`), so after a
/// crash in between, or a batch whose partition record never came, the newest record of a
/// customer can be ahead of the partition record a restore resumes after. Those customers'
/// events up to their own offset are then passed over (`CustomersAhead`), not applied twice.
struct Changelog {
    let topic: String
    static let partitionHeader = ("moments.state", Array("partition".utf8))
    static let offsetHeader = "moments.offset"
    /// On a customer record: the partition record of its batch (the partition's clock and daily
    /// budgets when it was taken). A batch's customer records can land without its partition
    /// record; a restore takes the clock and budgets of such customers from here.
    static let batchStateHeader = "moments.batch-state"

    func key(_ input: TopicPartition, _ customer: String) -> [UInt8] { Array("\(input.topic)/\(customer)".utf8) }

    /// Records for what changed in `task` since the last call: changed customers and the partition record.
    func records(for task: PartitionTask) -> [OutputRecord] {
        take(task)?.finish() ?? []
    }

    /// What changed in `task` since the last call, taken now and encoded later (`finish`, by
    /// `StateEncodingJob` off the pipeline thread): the customers' states are copies, the
    /// partition record is written now, as it is small and must describe the partition at this
    /// instant. Nil when nothing changed and no partition record is owed. Only where no engine
    /// job of the task is in flight (a checkpoint: between passes, or in a rebalance).
    func take(_ task: PartitionTask) -> PendingRecords? {
        // Customers whose record failed for good go in with their current state.
        for customer in task.unwrittenCustomers { task.engine.markUnwritten(customer) }
        task.unwrittenCustomers.removeAll()
        let states = task.engine.takeChangedStates()
        let reflecting = task.reflectedOffset
        // Records that changed no customer (duplicates, types the rules ignore, dead letters)
        // still move the partition record on, so that it keeps up with the commit. Without
        // one, the commit went on past the changelog's partition record, and a restore could
        // not tell that from state an owner without the changelog left behind: it replayed
        // those records, and a duplicate among them, no longer in the restored duplicate
        // window, was applied twice.
        let moved = reflecting != (task.partitionRecordReflects ?? task.restoredOffset)
        guard !states.isEmpty || task.partitionRecordOwed || moved else { return nil }
        task.partitionRecordOwed = false
        task.partitionRecordReflects = reflecting
        let partitionRecord = OutputRecord(
            topic: topic, key: key(task.partition, ""), value: task.engine.partitionState(inputOffset: reflecting), headers: [Self.partitionHeader],
            partition: task.partition.partition, id: "state:partition", kind: .state)
        // A customer still ahead of the task (restored from a later batch than the partition
        // record, its input not reached yet) keeps the offset and batch state it was restored
        // with: written with the task's, it was no longer ahead at the next restore, and its
        // events up to its own offset were applied twice.
        var stillAhead: [String: (offset: Int64, batchState: [UInt8]?)] = [:]
        if let ahead = task.customersAhead {
            for state in states {
                guard let offset = ahead.offset(of: state.customer), offset > (reflecting ?? .min) else { continue }
                stillAhead[state.customer] = (offset, task.aheadBatchStates[state.customer])
            }
        }
        return PendingRecords(
            changelog: self, input: task.partition, states: states, partitionRecord: partitionRecord, reflecting: reflecting, stillAhead: stillAhead)
    }

    /// One partition's changed state, taken at a checkpoint and encoded later.
    struct PendingRecords {
        let changelog: Changelog
        let input: TopicPartition
        let states: [ChangedState]
        let partitionRecord: OutputRecord
        /// The last input offset the states reflect (the partition record's); nil before any.
        let reflecting: Int64?
        /// Customers whose state reflects more than `reflecting` (`take`).
        var stillAhead: [String: (offset: Int64, batchState: [UInt8]?)] = [:]

        /// Every record, the partition record last. The pipeline holds the partition record back
        /// until the customer records are acknowledged (`ChangelogBatches`), so a partition record
        /// on the changelog means all of its customers are there too.
        func finish() -> [OutputRecord] {
            var records: [OutputRecord] = []
            records.reserveCapacity(states.count + 1)
            var headers = reflecting.map { [(Changelog.offsetHeader, Array(String($0).utf8))] } ?? []
            if let batchState = partitionRecord.value { headers.append((Changelog.batchStateHeader, batchState)) }
            for state in states {
                var own = headers
                if let ahead = stillAhead[state.customer] {
                    own = [(Changelog.offsetHeader, Array(String(ahead.offset).utf8))]
                    if let batchState = ahead.batchState ?? partitionRecord.value { own.append((Changelog.batchStateHeader, batchState)) }
                }
                records.append(OutputRecord(
                    topic: changelog.topic, key: changelog.key(input, state.customer), value: state.encoded(), headers: own,
                    partition: input.partition, id: "state:\(state.customer)", kind: .state))
            }
            records.append(partitionRecord)
            return records
        }
    }

    /// What a read found: the partition record, the customers' states, and the input offset
    /// each customer's latest record (tombstones included) reflects, where it says.
    struct Contents {
        var partition: [UInt8]?
        var customers: [String: [UInt8]] = [:]
        var customerOffsets: [String: Int64] = [:]
        /// The partition record of the batch of each customer's latest record, where it says
        /// (`batchStateHeader`).
        var customerBatchStates: [String: [UInt8]] = [:]
    }

    /// Reads the changelog partition of `input` to its end: the latest record per key wins.
    /// `alive` is called every few hundred records and at every wait, so that a long read keeps
    /// the member that reads for in its group (`KafkaConsumer.markAlive`).
    func read(_ input: TopicPartition, with reader: KafkaConsumer, timeoutMs: Int64 = 60_000, stopping: () -> Bool = { false }, alive: () -> Void = {}) throws -> Contents {
        let tp = TopicPartition(topic: topic, partition: input.partition)
        let (low, high) = try reader.watermarks(tp, timeoutMs: 5000)
        guard high > low else { return Contents() }
        try reader.assign([tp: low])
        defer { try? reader.assign([:]) }
        let prefix = Array("\(input.topic)/".utf8)
        var contents = Contents()
        var position = low
        var received = false
        var waited: Int64 = 0
        var polls = 0
        while position < high {
            polls &+= 1
            if polls % 256 == 0 { alive() }
            guard let r = try reader.poll(timeoutMs: 100) else {
                alive()
                // Written in transactions (exactly-once), the log ends with a commit marker, and
                // aborted records end with an abort marker: offsets that librdkafka never hands
                // over as records, but moves the reader's position past. Counted from records
                // alone, the read never reached `high` and ran into the timeout, and the state
                // was rebuilt by replaying the input instead. The position is asked only once a
                // record of this read came: until then it may still be the one an earlier read
                // of this partition left (librdkafka resets it when that read's fetch stops,
                // on its own thread), which would end this read before it began.
                if received, let reached = try? reader.position([tp])[tp], reached > position {
                    position = reached
                    continue
                }
                waited += 100
                if stopping() { throw StoppedBeforeResuming() }
                if waited > timeoutMs { throw KafkaError(code: KafkaError.timedOut, message: "reading \(tp) stopped at \(position) of \(high)") }
                continue
            }
            // Only this partition's records move the position: one of another partition (read
            // before, still queued) would end the read early, without the latest state.
            guard r.topic == topic, r.partition == tp.partition else { continue }
            received = true
            position = r.offset + 1
            guard let key = r.key, key.starts(with: prefix) else { continue }
            if r.header("moments.state") == Self.partitionHeader.1 {
                contents.partition = r.value
                continue
            }
            let customer = String(decoding: key[prefix.count...], as: UTF8.self)
            contents.customers[customer] = r.value   // nil: a tombstone removes it
            // Written before the header existed: taken to reflect no more than the partition record.
            contents.customerOffsets[customer] = r.header(Self.offsetHeader).flatMap { Int64(String(decoding: $0, as: UTF8.self)) }
            contents.customerBatchStates[customer] = r.value == nil ? nil : r.header(Self.batchStateHeader)
        }
        return contents
    }
}
