internal import CRdKafka
#if canImport(Glibc)
import Glibc
#endif

/// Builds an `rd_kafka_conf_t` from properties; every refused property is an error naming it.
enum NativeConfiguration {
    /// Returns a new conf the caller owns (rd_kafka_new takes it over on success).
    static func make(_ configuration: KafkaConfiguration) throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var errstr = [CChar](repeating: 0, count: 512)
        for (key, value) in configuration.properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError.client("property \(key): \(errorText(errstr))")
            }
        }
        return conf
    }

    /// Why librdkafka refuses `value` for the property `key` (an unknown name, a bad value, a
    /// feature this build lacks), or nil when it takes it: what `make` would throw for it, found
    /// while the configuration file is read, so the refusal can name the file, line and column.
    static func refusal(ofProperty key: String, value: String) -> String? {
        let conf = rd_kafka_conf_new()!
        defer { rd_kafka_conf_destroy(conf) }
        var errstr = [CChar](repeating: 0, count: 512)
        return rd_kafka_conf_set(conf, key, value, &errstr, errstr.count) == RD_KAFKA_CONF_OK ? nil : naming(key, in: errorText(errstr))
    }

    /// librdkafka names an alias's property by its own name (`linger.ms` is
    /// "queue.buffering.max.ms"), which appears nowhere in the file: the key as written is
    /// named, with librdkafka's beside it (until 2026-12-08 only librdkafka's).
    static func naming(_ key: String, in message: String) -> String {
        let parts = message.split(separator: "\"", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1] != key, !parts[1].isEmpty else { return message }
        return "\(parts[0])\"\(key)\" (librdkafka's \(parts[1]))\(parts[2])"
    }

    /// Creates the client; on failure the conf is destroyed too.
    static func client(_ type: rd_kafka_type_t, _ conf: OpaquePointer) throws(KafkaError) -> OpaquePointer {
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.client("cannot create the Kafka client: \(errorText(errstr))")
        }
        return rk
    }
}

/// librdkafka log lines, routed to the owner's handler instead of raw stderr.
func installLogCallback(_ conf: OpaquePointer) {
    rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
        guard let rk, let opaque = rd_kafka_opaque(rk) else { return }
        let owner = Unmanaged<CallbackContext>.fromOpaque(opaque).takeUnretainedValue()
        guard level <= owner.logLevel else { return }
        owner.log(level, facility.map { String(cString: $0) } ?? "", message.map { String(cString: $0) } ?? "")
    }
}

/// State reachable from librdkafka's C callbacks through the client's opaque pointer.
/// Callbacks run on the thread that polls, so the closures need no locking of their own.
final class CallbackContext: @unchecked Sendable {
    let logLevel: Int32
    let log: @Sendable (Int32, String, String) -> Void
    var onDelivery: ((DeliveryReport) -> Void)?
    var onRebalance: ((RebalanceEvent) -> [TopicPartition: Int64])?
    var onCommit: ((CommitResult) -> Void)?
    /// Whether a consumer's group uses the cooperative protocol (incremental assign and unassign),
    /// as its `partition.assignment.strategy` says.
    var cooperative = false

    init(logLevel: Int32, log: @escaping @Sendable (Int32, String, String) -> Void) {
        self.logLevel = logLevel
        self.log = log
    }
}

/// The default sink for librdkafka log lines: one line on stderr.
public let defaultKafkaLog: @Sendable (Int32, String, String) -> Void = { level, facility, message in
    let line = Array("librdkafka[\(level)] \(facility): \(message)\n".utf8)
    line.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
}

/// Whether a broker of `rk`'s cluster answered a metadata request within `timeoutMs` (the
/// consumer's and the producer's `brokerReachable`).
func brokerAnswers(_ rk: OpaquePointer, timeoutMs: Int32) -> Bool {
    var metadata: UnsafePointer<rd_kafka_metadata>?
    let err = rd_kafka_metadata(rk, 0, nil, &metadata, timeoutMs)
    let brokers = metadata?.pointee.broker_cnt ?? 0
    if let metadata { rd_kafka_metadata_destroy(metadata) }
    return err == RD_KAFKA_RESP_ERR_NO_ERROR && brokers > 0
}

/// The text librdkafka wrote into an error buffer (NUL-terminated).
public func errorText(_ buffer: [CChar]) -> String {
    // Some of librdkafka's messages end in a line break ("… outside allowed range 0..900000\n"),
    // which was printed escaped (`\u{A}`) in the middle of an error line until 2026-12-08.
    var text = Substring(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    while text.last?.isNewline == true || text.last == " " { text.removeLast() }
    return String(text)
}
