internal import CRdKafka

/// An idempotent producer with delivery reports.
///
/// Call `produce` from the thread that calls `poll` and `flush`: delivery reports are handed to
/// `onDelivery` on that thread, and `produce` itself serves them while librdkafka's queue is
/// full (so that it never blocks for long), which from another thread would run `onDelivery`
/// there too, unsynchronized with the polling thread.
public final class KafkaProducer: @unchecked Sendable {
    private let rk: OpaquePointer
    private let context: CallbackContext
    /// The librdkafka handle, for this module's other files only.
    var handle: OpaquePointer { rk }
    /// Kept as long as the client lives: librdkafka's threads write to its pipe.
    private var wakeup: KafkaWakeup?
    /// Topics given settings of their own (`configure(topic:_:)`), held while the client lives.
    private var configuredTopics: [OpaquePointer] = []

    /// - Parameters:
    ///   - configuration: librdkafka properties; `enable.idempotence` defaults to true.
    ///   - log: where librdkafka's own log lines go.
    ///   - onDelivery: called once per produced message, from `poll`/`flush`.
    public init(
        configuration: KafkaConfiguration, log: @escaping @Sendable (Int32, String, String) -> Void = defaultKafkaLog,
        onDelivery: @escaping (DeliveryReport) -> Void
    ) throws(KafkaError) {
        var config = configuration
        if config["enable.idempotence"] == nil { config["enable.idempotence"] = "true" }
        let conf = try NativeConfiguration.make(config)
        context = CallbackContext(logLevel: configuration.reportedLogLevel, log: log)
        context.onDelivery = onDelivery
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        installLogCallback(conf)
        rd_kafka_conf_set_dr_msg_cb(conf) { rk, message, opaque in
            guard let message, let opaque else { return }
            let context = Unmanaged<CallbackContext>.fromOpaque(opaque).takeUnretainedValue()
            let m = message.pointee
            var report = DeliveryReport(
                token: UInt64(UInt(bitPattern: m._private)),
                topic: m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "",
                partition: m.partition, offset: m.offset,
                error: m.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(m.err, "delivery failed"))
            // Copied only for a failure: librdkafka frees the message after this callback.
            if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let (key, value) = keyAndValue(of: m)
                report.undelivered = UndeliveredMessage(key: key, value: value, headers: headers(of: UnsafeMutablePointer(mutating: message)))
            }
            context.onDelivery?(report)
        }
        rk = try NativeConfiguration.client(RD_KAFKA_PRODUCER, conf)
    }

    /// Stops handing delivery reports to `onDelivery`, for good: for an owner about to go
    /// while outputs may still be in flight, whose handler must not run from `deinit`'s flush
    /// (a handler holding its owner `unowned` would trap there). Call it on the thread that
    /// polls, as the reports come on that thread.
    public func stopDeliveryReports() { context.onDelivery = nil }

    deinit {
        rd_kafka_flush(rk, 2000)
        for topic in configuredTopics { rd_kafka_topic_destroy(topic) }
        rd_kafka_destroy(rk)
    }

    /// Gives the messages of topic `name` these topic-level settings (over the producer's own,
    /// `message.timeout.ms` say) for as long as the producer lives. librdkafka keeps a topic's
    /// settings from its first handle, which a produce by name then finds: call this before
    /// anything else names the topic (a produce, `prepare`).
    public func configure(topic name: String, _ properties: [String: String]) throws(KafkaError) {
        guard let conf = rd_kafka_default_topic_conf_dup(rk) else { throw KafkaError.client("cannot copy the topic settings") }
        var errstr = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) where rd_kafka_topic_conf_set(conf, key, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
            rd_kafka_topic_conf_destroy(conf)
            throw KafkaError.client("topic \(name): \(key): \(errorText(errstr))")
        }
        // The settings are the handle's from here on, taken or not.
        guard let topic = rd_kafka_topic_new(rk, name, conf) else { throw KafkaError(rd_kafka_last_error(), "topic \(name)") }
        configuredTopics.append(topic)
    }

    /// How long `produce` waits, by default, for room in a full local queue.
    public static let defaultQueueFullWaitMs = 5000

    /// Queues a message. `token` comes back in its delivery report. The partition is chosen by
    /// the configured partitioner from the key unless given. When the local queue is full it
    /// serves delivery reports for up to `queueFullWaitMs` to make room, then throws.
    public func produce(
        topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?, headers: [(String, [UInt8])] = [], token: UInt64,
        queueFullWaitMs: Int = KafkaProducer.defaultQueueFullWaitMs
    ) throws(KafkaError) {
        // A deadline rather than a count of polls: poll returns early whenever it served a report.
        // Taken at the first full queue only: reading the clock for every message was measurable.
        var deadline: ContinuousClock.Instant?
        while true {
            let error: OpaquePointer? = key.withOptionalBytes { keyPtr, keyLen in
                value.withOptionalBytes { valuePtr, valueLen in
                    var h: OpaquePointer?
                    if !headers.isEmpty {
                        h = rd_kafka_headers_new(headers.count)
                        for (name, v) in headers { v.withUnsafeBytes { _ = rd_kafka_header_add(h, name, -1, $0.baseAddress, $0.count) } }
                    }
                    let err = moments_produce(rk, topic, partition ?? RD_KAFKA_PARTITION_UA, keyPtr, keyLen, valuePtr, valueLen, h,
                                              UnsafeMutableRawPointer(bitPattern: UInt(token)))
                    if err != nil, let h { rd_kafka_headers_destroy(h) }
                    return err
                }
            }
            guard let error else { return }
            let code = rd_kafka_error_code(error)
            if code == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                let waitUntil = deadline ?? ContinuousClock.now + .milliseconds(queueFullWaitMs)
                deadline = waitUntil
                if ContinuousClock.now < waitUntil {
                    rd_kafka_error_destroy(error)
                    rd_kafka_poll(rk, 10)   // serves delivery reports, which frees queue room
                    continue
                }
            }
            throw KafkaError(consuming: error, "produce to \(topic)")
        }
    }

    /// Creates a topic through the Admin API (CreateTopics); an existing topic is not an error.
    /// Brokers without that API (the mock cluster) answer with an error.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int, config: [String: String] = [:], timeoutMs: Int32 = 10_000) throws(KafkaError) {
        var errstr = [CChar](repeating: 0, count: 512)
        guard let topic = rd_kafka_NewTopic_new(name, Int32(partitions), Int32(replicationFactor), &errstr, errstr.count) else {
            throw KafkaError.client("new topic \(name): \(errorText(errstr))")
        }
        defer { rd_kafka_NewTopic_destroy(topic) }
        for (k, v) in config { _ = rd_kafka_NewTopic_set_config(topic, k, v) }
        let queue = rd_kafka_queue_new(rk)
        defer { rd_kafka_queue_destroy(queue) }
        var topics: [OpaquePointer?] = [topic]
        rd_kafka_CreateTopics(rk, &topics, 1, nil, queue)
        guard let event = rd_kafka_queue_poll(queue, timeoutMs) else { throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, "create topic \(name)") }
        defer { rd_kafka_event_destroy(event) }
        if rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(code: rd_kafka_event_error(event).rawValue, message: "create topic \(name): \(String(cString: rd_kafka_event_error_string(event)))")
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else { return }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count), count > 0, let first = results[0] else { return }
        let err = rd_kafka_topic_result_error(first)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
            throw KafkaError(code: err.rawValue, message: "create topic \(name): \(String(cString: rd_kafka_topic_result_error_string(first)))")
        }
    }

    /// Looks up the leaders of `topics` before the first message: otherwise the first outputs
    /// wait in librdkafka's unassigned queue for a metadata refresh, up to a second at start-up.
    /// Returns the topics whose metadata could not be had (they are tried again on produce). The
    /// timeout is per topic and short: start-up should not hang on a topic that does not exist.
    @discardableResult
    public func prepare(topics: [String], timeoutMs: Int32 = 1000) -> [String] {
        var missing: [String] = []
        for name in topics {
            guard let topic = rd_kafka_topic_new(rk, name, nil) else { missing.append(name); continue }
            defer { rd_kafka_topic_destroy(topic) }
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(rk, 0, topic, &metadata, timeoutMs)
            if let metadata { rd_kafka_metadata_destroy(metadata) }
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { missing.append(name) }
        }
        return missing
    }

    /// Asks the cluster for its metadata: true when a broker answered within `timeoutMs` (as
    /// `KafkaConsumer.brokerReachable`). A producer alone never says a broker is out of reach:
    /// it queues messages and librdkafka tries to connect again and again.
    public func brokerReachable(timeoutMs: Int32) -> Bool { brokerAnswers(rk, timeoutMs: timeoutMs) }

    /// Wakes `wakeup` whenever a delivery report (or another callback) waits for `poll` after it last ran.
    public func notify(_ wakeup: KafkaWakeup) {
        self.wakeup = wakeup
        let main = rd_kafka_queue_get_main(rk)!
        wakeup.watch(main)
        rd_kafka_queue_destroy(main)   // the setting stays with the queue; the reference need not
    }

    /// Serves delivery reports (and other callbacks) for up to `timeoutMs`.
    @discardableResult
    public func poll(timeoutMs: Int32) -> Int32 { rd_kafka_poll(rk, timeoutMs) }

    /// Waits until every queued message is delivered or failed, serving delivery reports.
    public func flush(timeoutMs: Int32) throws(KafkaError) {
        let err = rd_kafka_flush(rk, timeoutMs)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "flush") }
    }

    /// Messages queued or in flight, not yet reported.
    public var outstanding: Int { Int(rd_kafka_outq_len(rk)) }

    /// Raises a fabricated fatal error, as librdkafka's idempotence or transactions would raise a
    /// real one (which cannot be provoked at will, not even on the mock cluster), so that tests
    /// can check how the owner handles it: later produce calls fail with it, `fatalError` holds
    /// it, and queued messages are purged. For tests only (`@testable import Kafka`).
    func raiseFatalErrorForTesting(code: Int32, reason: String) {
        _ = rd_kafka_test_fatal_error(rk, rd_kafka_resp_err_t(code), reason)
    }

    /// The fatal error that stopped the producer (idempotence guarantees broken), if any.
    public var fatalError: KafkaError? {
        var errstr = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(rk, &errstr, errstr.count)
        return err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code: err.rawValue, message: errorText(errstr), isFatal: true)
    }
}

extension Optional where Wrapped == [UInt8] {
    func withOptionalBytes<R>(_ body: (UnsafeRawPointer?, Int) -> R) -> R {
        switch self {
        case .none: return body(nil, 0)
        case .some(let bytes):
            return bytes.withUnsafeBytes { body($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), $0.count) }
        }
    }
}
