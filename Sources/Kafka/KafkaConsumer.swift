internal import CRdKafka
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A consumer in a consumer group with manual offset commits.
///
/// Thread confinement: every method must be called from one thread (the daemon's pipeline
/// thread). The rebalance handler runs on that thread, inside `poll` or `close`, after
/// partitions are assigned and before they are taken away, so the owner can restore state on
/// assignment and commit on revocation.
public final class KafkaConsumer: @unchecked Sendable {
    private let rk: OpaquePointer
    private let context: CallbackContext
    /// The librdkafka handle, for this module's other files only.
    var handle: OpaquePointer { rk }
    /// The queue `poll` serves (the main queue is routed into it), held to watch and measure it.
    private let queue: OpaquePointer
    /// A queue of this client's that nothing is ever put on: polling it tells librdkafka the
    /// application is alive without serving anything (`markAlive`).
    private let idleQueue: OpaquePointer
    /// Kept as long as the client lives: librdkafka's threads write to its pipe.
    private var wakeup: KafkaWakeup?
    private var closed = false
    /// The name of the topic of the last record polled: records come in runs of one topic, and
    /// making a String of the name for each was a measurable part of a poll. Polls happen on
    /// one thread at a time, as librdkafka's consumer requires.
    private var lastTopicName = ""

    /// - Parameters:
    ///   - configuration: librdkafka properties; needs `group.id`. Auto commit and offset store
    ///     are off unless set, since the owner commits what it has finished.
    ///   - onRebalance: told of assignments and revocations; for an assignment it may return
    ///     start offsets for some partitions (to rewind and rebuild state), otherwise the
    ///     committed offsets (or `auto.offset.reset`) apply.
    ///   - onCommit: told of the coordinator's answer to each commit, from `poll`: an
    ///     asynchronous commit's failure (a rebalance under way, the coordinator moved, the
    ///     generation ended) is known only from it. Without it, failures are logged.
    public init(
        configuration: KafkaConfiguration, log: @escaping @Sendable (Int32, String, String) -> Void = defaultKafkaLog,
        onRebalance: @escaping (RebalanceEvent) -> [TopicPartition: Int64] = { _ in [:] },
        onCommit: ((CommitResult) -> Void)? = nil
    ) throws(KafkaError) {
        var config = configuration
        guard config["group.id"] != nil else { throw KafkaError.client("a consumer needs group.id") }
        if config["enable.auto.commit"] == nil { config["enable.auto.commit"] = "false" }
        if config["enable.auto.offset.store"] == nil { config["enable.auto.offset.store"] = "false" }
        let conf = try NativeConfiguration.make(config)
        context = CallbackContext(logLevel: configuration.reportedLogLevel, log: log)
        context.onRebalance = onRebalance
        context.onCommit = onCommit
        context.cooperative = Self.isCooperative(strategy: config["partition.assignment.strategy"])
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        installLogCallback(conf)
        rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
            guard let rk, let partitions, let opaque else { return }
            let context = Unmanaged<CallbackContext>.fromOpaque(opaque).takeUnretainedValue()
            KafkaConsumer.rebalance(rk, err, partitions, context)
        }
        // Served by `poll`, like the rebalance callback (the main queue is routed to the consumer's).
        rd_kafka_conf_set_offset_commit_cb(conf) { _, err, list, opaque in
            guard let opaque else { return }
            let context = Unmanaged<CallbackContext>.fromOpaque(opaque).takeUnretainedValue()
            KafkaConsumer.committed(err, list, context)
        }
        rk = try NativeConfiguration.client(RD_KAFKA_CONSUMER, conf)
        // Route the main queue to the consumer queue so one poll serves everything.
        rd_kafka_poll_set_consumer(rk)
        queue = rd_kafka_queue_get_consumer(rk)
        idleQueue = rd_kafka_queue_new(rk)
    }

    /// Stops telling `onRebalance` of assignments and revocations, and `onCommit` of commit
    /// results, for good (the assignment itself still follows the group): for an owner about to
    /// go, whose handlers must not run from `deinit`'s close. Call it on the thread that polls.
    public func stopEvents() {
        context.onRebalance = nil
        context.onCommit = nil
    }

    deinit {
        close()
        // A queue reference left over would keep the client from being destroyed.
        rd_kafka_queue_destroy(queue)
        rd_kafka_queue_destroy(idleQueue)
        rd_kafka_destroy(rk)
    }

    /// Wakes `wakeup` whenever something arrives for `poll` after it last ran: a record, a
    /// rebalance, a commit result.
    public func notify(_ wakeup: KafkaWakeup) {
        self.wakeup = wakeup
        wakeup.watch(queue)
    }

    /// Tells librdkafka that this member is still at work, as a `poll` does, without serving
    /// anything: for long work inside the rebalance handler (restoring a partition's state).
    /// The handler runs inside a `poll(timeoutMs: 0)`, and librdkafka counts such a call's
    /// time against `max.poll.interval.ms` (only a poll that may wait is exempt while it
    /// lasts); a restore longer than that (300 s by default) made the member leave the group
    /// and lose its partitions, and the next assignment restored them again. Polling an empty
    /// queue of the same client restarts that clock. Call it from the thread that polls. (Inside
    /// a poll that may wait, whose time does not count while it lasts, it makes that time count
    /// from now on: the pipeline's polls do not wait.) It keeps the member from leaving on its
    /// own, not the group from moving on: a rebalance another member starts meanwhile waits for
    /// the handler to return, and the coordinator removes a member that has not rejoined
    /// within `max.poll.interval.ms` (librdkafka's rebalance timeout).
    public func markAlive() {
        if let event = rd_kafka_queue_poll(idleQueue, 0) { rd_kafka_event_destroy(event) }
    }

    /// Whether records or events are waiting for `poll` (a batch may stop before the queue is empty).
    public var hasQueued: Bool { queuedCount > 0 }

    /// How many records (and events: rebalances, commit results) wait for `poll`: what
    /// librdkafka prefetched and was not read yet. Once it reaches `queued.min.messages`,
    /// librdkafka stops fetching (see `Pipeline.consumerProperties`).
    public var queuedCount: Int { Int(rd_kafka_queue_length(queue)) }

    /// Assigns or revokes as librdkafka requires, telling the owner at the right moment: after
    /// an assignment is decided (with a chance to choose start offsets), before a revocation
    /// (reported as a loss when librdkafka says the assignment was lost rather than handed over).
    /// With `cooperative-sticky` only the partitions that move are reported (incremental
    /// assign/unassign); with the eager protocols every rebalance revokes all, then assigns anew.
    private static func rebalance(_ rk: OpaquePointer, _ err: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, _ context: CallbackContext) {
        // The protocol as configured, not `rd_kafka_rebalance_protocol`: called from the
        // rebalance that `rd_kafka_consumer_close` serves, that call can wait for ever on the
        // group's thread (librdkafka #4041, a hang at close seen in this project's tests).
        let cooperative = context.cooperative
        let partitions = TopicPartitionList.partitions(list)
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            // Cooperative rounds often add nothing; the owner hears only of real changes.
            let starts = partitions.isEmpty ? [:] : context.onRebalance?(.assigned(partitions)) ?? [:]
            for i in 0..<Int(list.pointee.cnt) {
                let tp = TopicPartition(topic: String(cString: list.pointee.elems[i].topic), partition: list.pointee.elems[i].partition)
                if let start = starts[tp] { list.pointee.elems[i].offset = start }
            }
            let failure: KafkaError?
            if cooperative {
                failure = rd_kafka_incremental_assign(rk, list).map { KafkaError(consuming: $0) }
            } else {
                let e = rd_kafka_assign(rk, list)
                failure = e == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(e, "assign")
            }
            if let failure {
                // Not fetched, and never revoked either (librdkafka revokes what it assigned),
                // and librdkafka's group state waits for an assign call that succeeds: the
                // partitions it held already stay paused, and it joins no later rebalance.
                // Only logged (until 2026-12-07), the owner kept them as its own, unread.
                context.log(3, "REBALANCE", "\(failure.description); these partitions are not consumed")
                if !partitions.isEmpty { _ = context.onRebalance?(.refused(partitions, reason: failure.description)) }
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            if !partitions.isEmpty {
                let lost = rd_kafka_assignment_lost(rk) != 0
                _ = context.onRebalance?(lost ? .lost(partitions) : .revoked(partitions))
                // librdkafka commits what was stored for partitions on their way out, lost ones
                // too, over what their new owner may have committed since; so what was stored for
                // them is forgotten here, whether or not an owner still listens (`stopEvents`).
                if lost { forgetStored(rk, partitions) }
            }
            if cooperative {
                if let e = rd_kafka_incremental_unassign(rk, list) { context.log(3, "REBALANCE", KafkaError(consuming: e).description) }
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
        default:
            context.log(3, "REBALANCE", KafkaError(err, "rebalance").description)
            _ = rd_kafka_assign(rk, nil)
        }
    }

    /// Hands a commit's result to `onCommit`, or logs its failures without one: installing the
    /// callback stops librdkafka's own warning (`COMMITFAIL`). "Nothing to commit" is no failure.
    private static func committed(_ err: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, _ context: CallbackContext) {
        if err == RD_KAFKA_RESP_ERR__NO_OFFSET { return }
        var offsets: [TopicPartition: Int64] = [:]
        var errors: [TopicPartition: KafkaError] = [:]
        for (tp, offset, partitionError) in list.map({ TopicPartitionList.elements($0) }) ?? [] {
            offsets[tp] = offset
            // A request-level error (the coordinator did not answer) fails every partition.
            let e = partitionError != RD_KAFKA_RESP_ERR_NO_ERROR ? partitionError : err
            if e != RD_KAFKA_RESP_ERR_NO_ERROR { errors[tp] = KafkaError(e, "commit of \(tp) at \(offset)") }
        }
        if offsets.isEmpty, err != RD_KAFKA_RESP_ERR_NO_ERROR {
            context.log(4, "COMMITFAIL", KafkaError(err, "commit").description)
            return
        }
        if let onCommit = context.onCommit {
            onCommit(CommitResult(offsets: offsets, errors: errors))
        } else if !errors.isEmpty {
            context.log(4, "COMMITFAIL", errors.values.map(\.description).sorted().joined(separator: "; "))
        }
    }

    public func subscribe(topics: [String]) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for t in topics { rd_kafka_topic_partition_list_add(list, t, RD_KAFKA_PARTITION_UA) }
        let err = rd_kafka_subscribe(rk, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "subscribe") }
        subscribed = true
    }

    /// Whether `subscribe` was called (the group assigns the partitions; `close` leaves it first).
    private var subscribed = false

    /// Whether a `partition.assignment.strategy` value names the cooperative protocol
    /// (librdkafka refuses a list that mixes it with eager ones; unset is `range,roundrobin`).
    static func isCooperative(strategy: String?) -> Bool {
        (strategy ?? "").split(separator: ",").contains { $0.filter { !$0.isWhitespace } == "cooperative-sticky" }
    }

    /// The next record, or nil if none arrived within `timeoutMs`. Rebalances are handled
    /// inside. Partition ends and transient errors are logged, not thrown; a fatal error is thrown.
    public func poll(timeoutMs: Int32) throws(KafkaError) -> ConsumerRecord? {
        guard let message = try nextMessage(timeoutMs: timeoutMs) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        return record(from: message)
    }

    /// Like `poll`, for a reader that takes many records at once: the record's key and value
    /// are appended to `bytes`, which the caller shares among them, and the record says where
    /// they are; headers are not read. Two arrays allocated for each record, and freed for each
    /// on whichever thread let go of it last, were a tenth of the pipeline thread's work.
    public func poll(timeoutMs: Int32, appendingTo bytes: inout [UInt8]) throws(KafkaError) -> BufferedRecord? {
        guard let message = try nextMessage(timeoutMs: timeoutMs) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        let m = message.pointee
        func append(_ start: UnsafeMutableRawPointer?, _ count: Int) -> Range<Int>? {
            guard let start else { return nil }
            let from = bytes.count
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: start, count: count))
            return from..<bytes.count
        }
        return BufferedRecord(
            topic: topicName(rd_kafka_topic_name(m.rkt)), partition: m.partition, offset: m.offset,
            key: append(m.key, m.key_len), value: append(m.payload, m.len), timestampMs: timestampMs(of: message))
    }

    /// The message's timestamp in milliseconds, nil when it has none.
    private func timestampMs(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ms = rd_kafka_message_timestamp(message, &type)
        return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : ms
    }

    /// The next message without an error, to be destroyed by the caller; nil if none arrived
    /// within `timeoutMs`. Partition ends and transient errors are logged; a fatal one is thrown.
    private func nextMessage(timeoutMs: Int32) throws(KafkaError) -> UnsafeMutablePointer<rd_kafka_message_t>? {
        guard !closed, let message = rd_kafka_consumer_poll(rk, timeoutMs) else { return nil }
        let m = message.pointee
        if m.err == RD_KAFKA_RESP_ERR_NO_ERROR { return message }
        defer { rd_kafka_message_destroy(message) }
        if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return nil }
        if m.err == RD_KAFKA_RESP_ERR__FATAL {
            var errstr = [CChar](repeating: 0, count: 512)
            let code = rd_kafka_fatal_error(rk, &errstr, errstr.count)
            throw KafkaError(code: code.rawValue, message: errorText(errstr), isFatal: true)
        }
        logConsumeError(message)
        return nil
    }

    /// A message that carries an error rather than a record (not a partition's end), logged.
    private func logConsumeError(_ message: UnsafeMutablePointer<rd_kafka_message_t>) {
        context.log(4, "CONSUME", KafkaError(message.pointee.err, String(cString: rd_kafka_message_errstr(message))).description)
    }

    private func record(from message: UnsafeMutablePointer<rd_kafka_message_t>) -> ConsumerRecord {
        let m = message.pointee
        let (key, value) = keyAndValue(of: m)
        return ConsumerRecord(
            topic: topicName(rd_kafka_topic_name(m.rkt)), partition: m.partition, offset: m.offset,
            key: key, value: value, timestampMs: timestampMs(of: message), headers: headers(of: message))
    }

    /// `name` as a String: the last one made when the bytes are the same (compared, not assumed
    /// from the topic handle, whose memory a later topic may reuse).
    private func topicName(_ name: UnsafePointer<CChar>) -> String {
        let same = lastTopicName.utf8.withContiguousStorageIfAvailable { known in
            // strncmp stops at the name's end, so a shorter name is never read past.
            known.withMemoryRebound(to: CChar.self) { known in
                strncmp(name, known.baseAddress ?? name, known.count) == 0 && name[known.count] == 0
            }
        } ?? false
        if !same { lastTopicName = String(cString: name) }
        return lastTopicName
    }

    /// Commits `offsets` (each the next offset to read, as Kafka counts).
    public func commit(_ offsets: [TopicPartition: Int64], synchronous: Bool) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = TopicPartitionList.make(Array(offsets.keys), offsets: offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_commit(rk, list, synchronous ? 0 : 1)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "commit") }
    }

    /// Commits `offsets` and waits for the coordinator's answer, `timeoutMs` at most; throws
    /// `KafkaError.timedOut` past it. librdkafka's synchronous commit waits for as long as the
    /// group has no coordinator (it holds the commit until one answers or `session.timeout.ms`
    /// has passed), which held the pipeline thread that long in a revocation or a stop. Past
    /// the bound the commit is still under way: it lands when the coordinator is back, or fails
    /// (held too long, or refused once the generation has moved on); either way the next owner
    /// starts at or before what it names, and `close` waits for it as for any commit held.
    /// The answer also reaches the `offset_commit_cb`, as a synchronous commit's does. A
    /// partition the coordinator refused fails the call, naming the first such partition.
    ///
    /// librdkafka holds a commit for the coordinator only once: served again when a coordinator
    /// is found but before the group is up with it, the commit fails with `_WAIT_COORD`. Within
    /// the bound it is sent again then (a new consumer's first commit on a loaded machine met
    /// that, and so can a revocation's just after an outage).
    public func commit(_ offsets: [TopicPartition: Int64], timeoutMs: Int32) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = TopicPartitionList.make(Array(offsets.keys), offsets: offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(max(timeoutMs, 0)))
        func left() -> Int32 {
            let (seconds, attoseconds) = (deadline - clock.now).components
            return Int32(clamping: max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
        }
        while true {
            let answer = try commitOnce(list, timeoutMs: left(), bound: timeoutMs)
            // Sent again only with time left for an answer (a tenth of a second at least).
            guard answer == RD_KAFKA_RESP_ERR__WAIT_COORD, left() > 150 else {
                if answer != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(answer, "commit") }
                return
            }
            usleep(50_000)
        }
    }

    /// One commit and its answer: the error of the whole commit (none, or `_WAIT_COORD` to send
    /// it again); a partition refused, or no answer within `timeoutMs`, throws.
    private func commitOnce(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, timeoutMs: Int32, bound: Int32) throws(KafkaError) -> rd_kafka_resp_err_t {
        // A queue of this call's own: an answer that comes after the bound finds it destroyed
        // and is dropped (librdkafka keeps the queue alive until then).
        let queue = rd_kafka_queue_new(rk)
        defer { rd_kafka_queue_destroy(queue) }
        let err = rd_kafka_commit_queue(rk, list, queue, nil, nil)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "commit") }
        guard let event = rd_kafka_queue_poll(queue, timeoutMs) else {
            throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, "commit: the group's coordinator did not answer within \(bound) ms")
        }
        defer { rd_kafka_event_destroy(event) }
        let answer = rd_kafka_event_error(event)
        if answer != RD_KAFKA_RESP_ERR_NO_ERROR { return answer }
        if let committed = rd_kafka_event_topic_partition_list(event),
           let (tp, offset, refused) = TopicPartitionList.elements(committed).first(where: { $0.2 != RD_KAFKA_RESP_ERR_NO_ERROR }) {
            throw KafkaError(refused, "commit offset \(offset) of \(tp)")
        }
        return RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// Hands `offsets` (each the next offset to read) to librdkafka's own committer: with
    /// `enable.auto.commit` on and `enable.auto.offset.store` off, it commits what was stored
    /// every `auto.commit.interval.ms`, and starts a commit only while this member is settled in
    /// its generation, never while it is joining the next. (A commit sent then carries the old
    /// generation; refused as ILLEGAL_GENERATION, it makes librdkafka before 2.10 drop the whole
    /// assignment and join again, which starts another rebalance: librdkafka issue #4059. A
    /// commit librdkafka retries after a coordinator error, or holds until the coordinator is
    /// back, goes out whatever the join state, so that can still happen, rarely.) A partition
    /// that leaves the assignment has what was stored for it committed on its way out, even if
    /// older than what was committed since, unless `forgetStored` came first (a lost one's is
    /// always forgotten, by the rebalance handler). Returns why each
    /// partition's offset was not stored (one no longer assigned, say).
    @discardableResult
    public func store(_ offsets: [TopicPartition: Int64]) -> [TopicPartition: KafkaError] {
        guard !offsets.isEmpty else { return [:] }
        let list = TopicPartitionList.make(Array(offsets.keys), offsets: offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        // The call itself fails only when every partition did; each one's own error says more.
        _ = rd_kafka_offsets_store(rk, list)
        var refused: [TopicPartition: KafkaError] = [:]
        for (tp, offset, err) in TopicPartitionList.elements(list) where err != RD_KAFKA_RESP_ERR_NO_ERROR {
            refused[tp] = KafkaError(err, "store offset \(offset) of \(tp)")
        }
        return refused
    }

    /// Forgets what `store` left for `partitions`, so that librdkafka commits nothing for them
    /// when they leave the assignment: for partitions committed on their way out by the owner
    /// itself. (Lost partitions' are forgotten by the rebalance handler, owner or not.)
    public func forgetStored(_ partitions: [TopicPartition]) {
        Self.forgetStored(rk, partitions)
    }

    private static func forgetStored(_ rk: OpaquePointer, _ partitions: [TopicPartition]) {
        guard !partitions.isEmpty else { return }
        let list = TopicPartitionList.make(partitions)   // every offset RD_KAFKA_OFFSET_INVALID
        defer { rd_kafka_topic_partition_list_destroy(list) }
        _ = rd_kafka_offsets_store(rk, list)
    }

    /// The group's committed offsets; partitions without one are absent.
    public func committed(_ partitions: [TopicPartition], timeoutMs: Int32) throws(KafkaError) -> [TopicPartition: Int64] {
        let list = TopicPartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_committed(rk, list, timeoutMs)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "committed offsets") }
        var out: [TopicPartition: Int64] = [:]
        for (tp, offset, err) in TopicPartitionList.elements(list) {
            // A partition the coordinator could not answer for is an error, not "never committed":
            // taken for the latter, it would start from auto.offset.reset, or without its state.
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "committed offset of \(tp)") }
            if offset >= 0 { out[tp] = offset }
        }
        return out
    }

    /// The oldest and the next offset of a partition, as the broker reports them.
    public func watermarks(_ tp: TopicPartition, timeoutMs: Int32) throws(KafkaError) -> (low: Int64, high: Int64) {
        var low: Int64 = -1, high: Int64 = -1
        let err = rd_kafka_query_watermark_offsets(rk, tp.topic, tp.partition, &low, &high, timeoutMs)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "watermarks of \(tp)") }
        return (low, high)
    }

    /// For each partition, the earliest offset whose record timestamp is at or after
    /// `timestampMs`; partitions the broker cannot answer for (or with no such record) are absent.
    public func offsets(at timestampMs: Int64, for partitions: [TopicPartition], timeoutMs: Int32) -> [TopicPartition: Int64] {
        let list = TopicPartitionList.make(partitions, offsets: Dictionary(uniqueKeysWithValues: partitions.map { ($0, timestampMs) }))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard rd_kafka_offsets_for_times(rk, list, timeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR else { return [:] }
        var out: [TopicPartition: Int64] = [:]
        for (tp, offset, err) in TopicPartitionList.elements(list) where err == RD_KAFKA_RESP_ERR_NO_ERROR && offset >= 0 { out[tp] = offset }
        return out
    }

    /// Moves the fetch position of an assigned partition, waiting up to `timeoutMs` for it.
    public func seek(_ tp: TopicPartition, to offset: Int64, timeoutMs: Int32 = 5000) throws(KafkaError) {
        let list = TopicPartitionList.make([tp], offsets: [tp: offset])
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let timeout = Self.seekTimeoutArgument(timeoutMs: timeoutMs, version: rd_kafka_version())
        if let e = rd_kafka_seek_partitions(rk, list, timeout) { throw KafkaError(consuming: e, "seek \(tp)") }
        if let (_, _, err) = TopicPartitionList.elements(list).first, err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "seek \(tp)") }
    }

    /// What to pass `rd_kafka_seek_partitions` for a wait of `timeoutMs`. Before 2.1.0
    /// (librdkafka #4230) it waited for the answer with the milliseconds left read as
    /// microseconds, so 5,000 ms was 5 ms: a seek that librdkafka's main thread served a little
    /// late (a rebalance, a busy machine) failed with a time-out, and the rewind after an
    /// aborted transaction took that for a partition it could not resume, and stopped the
    /// daemon. A thousand times the wait makes the microseconds right there.
    static func seekTimeoutArgument(timeoutMs: Int32, version: Int32) -> Int32 {
        timeoutMs > 0 && version < 0x0201_00ff ? Int32(clamping: Int64(timeoutMs) * 1000) : timeoutMs
    }

    public func pause(_ partitions: [TopicPartition]) {
        let list = TopicPartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        _ = rd_kafka_pause_partitions(rk, list)
    }

    public func resume(_ partitions: [TopicPartition]) {
        let list = TopicPartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        _ = rd_kafka_resume_partitions(rk, list)
    }

    /// The next offset this consumer will fetch for each partition (one past the last record
    /// returned by `poll`); partitions without a position yet are absent.
    public func position(_ partitions: [TopicPartition]) throws(KafkaError) -> [TopicPartition: Int64] {
        let list = TopicPartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_position(rk, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "position") }
        var out: [TopicPartition: Int64] = [:]
        for (tp, offset, _) in TopicPartitionList.elements(list) where offset >= 0 { out[tp] = offset }
        return out
    }

    /// The high watermark librdkafka last saw for a partition, without asking the broker.
    public func cachedHighWatermark(_ tp: TopicPartition) -> Int64? {
        var low: Int64 = -1, high: Int64 = -1
        guard rd_kafka_get_watermark_offsets(rk, tp.topic, tp.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return high
    }

    /// Asks the cluster for its metadata: true when a broker answered within `timeoutMs`.
    /// Unlike the other methods, safe to call from any thread (librdkafka serialises it), so a
    /// health check can run beside the polling thread.
    public func brokerReachable(timeoutMs: Int32) -> Bool { brokerAnswers(rk, timeoutMs: timeoutMs) }

    /// Reads these partitions from these offsets, outside any group (no subscription); for
    /// reading a changelog. An empty dictionary stops all fetching.
    public func assign(_ offsets: [TopicPartition: Int64]) throws(KafkaError) {
        if offsets.isEmpty {
            let err = rd_kafka_assign(rk, nil)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "unassign") }
            return
        }
        let list = TopicPartitionList.make(Array(offsets.keys), offsets: offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_assign(rk, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "assign") }
    }

    /// The partition count of every topic the brokers have, from one answer, or thrown when
    /// they did not answer within `timeoutMs`: a topic they do not have and brokers that did not
    /// answer call for different things at a start (`Pipeline.prepareChangelog`).
    public func partitionCountsIfAnswered(timeoutMs: Int32) throws(KafkaError) -> [String: Int] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(rk, 1, nil, &metadata, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw KafkaError(err, "metadata") }
        defer { rd_kafka_metadata_destroy(metadata) }
        var counts: [String: Int] = [:]
        for i in 0..<Int(metadata.pointee.topic_cnt) {
            let t = metadata.pointee.topics[i]
            if t.err == RD_KAFKA_RESP_ERR_NO_ERROR { counts[String(cString: t.topic)] = Int(t.partition_cnt) }
        }
        return counts
    }

    /// The partitions currently assigned to this consumer.
    public var assignment: [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(rk, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return TopicPartitionList.partitions(list)
    }

    /// Leaves the group (the rebalance handler sees the revocation first). Idempotent.
    ///
    /// A cooperative member first unsubscribes and serves its rebalance events until nothing is
    /// assigned (for at most `leaveTimeoutMs`): librdkafka before 2.4.0 hangs in
    /// `rd_kafka_consumer_close` when an incremental assignment arrives while it closes (#4527,
    /// fixed by #4528), as when two instances stop together in a rolling restart, the second
    /// receiving the first one's partitions. Its revocation is then told from this poll, on the
    /// same thread, as before from the close. A mitigation, not a cure: an unsubscribe made
    /// during a group round waits for the round's end, which may come after the close began.
    public func close(leaveTimeoutMs: Int64 = 5_000) {
        guard !closed else { return }
        if subscribed, context.cooperative { leaveGroup(timeoutMs: leaveTimeoutMs) }
        closed = true
        _ = rd_kafka_consumer_close(rk)
    }

    /// Unsubscribes and polls until nothing is assigned. The partitions are paused first, so the
    /// records already fetched are dropped rather than read ahead of the revocation (behind a
    /// full prefetch it came too late for the wait); any still polled are let go uncommitted.
    private func leaveGroup(timeoutMs: Int64) {
        pause(assignment)
        guard rd_kafka_unsubscribe(rk) == RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        var polled = 0
        while ContinuousClock.now < deadline {
            if let message = rd_kafka_consumer_poll(rk, 50) {
                let err = message.pointee.err
                if err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR__PARTITION_EOF { logConsumeError(message) }
                rd_kafka_message_destroy(message)
                polled += 1
                // The assignment asks librdkafka's main thread: not after every record.
                if polled % 64 != 0 { continue }
            }
            if assignment.isEmpty { return }
        }
    }
}
