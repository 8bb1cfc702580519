internal import CRdKafka

/// An error from librdkafka (or from this wrapper), with what the caller needs to decide:
/// retry, give up, or abort a transaction.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// librdkafka's error code (`rd_kafka_resp_err_t`); negative codes are client-side.
    public let code: Int32
    /// The code's symbolic name, e.g. `_TRANSPORT`, `UNKNOWN_TOPIC_OR_PART`.
    public let name: String
    public let message: String
    public let isFatal: Bool
    public let isRetriable: Bool
    public let txnRequiresAbort: Bool

    public init(code: Int32, message: String, isFatal: Bool = false, isRetriable: Bool = false, txnRequiresAbort: Bool = false) {
        self.code = code
        self.name = String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(code)))
        self.message = message
        self.isFatal = isFatal
        self.isRetriable = isRetriable
        self.txnRequiresAbort = txnRequiresAbort
    }

    init(_ err: rd_kafka_resp_err_t, _ context: String? = nil) {
        let text = String(cString: rd_kafka_err2str(err))
        self.init(code: err.rawValue, message: context.map { "\($0): \(text)" } ?? text)
    }

    /// Takes ownership of `error` and destroys it.
    init(consuming error: OpaquePointer, _ context: String? = nil) {
        let text = String(cString: rd_kafka_error_string(error))
        self.init(
            code: rd_kafka_error_code(error).rawValue, message: context.map { "\($0): \(text)" } ?? text,
            isFatal: rd_kafka_error_is_fatal(error) != 0, isRetriable: rd_kafka_error_is_retriable(error) != 0,
            txnRequiresAbort: rd_kafka_error_txn_requires_abort(error) != 0)
        rd_kafka_error_destroy(error)
    }

    static func client(_ message: String) -> KafkaError { KafkaError(code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue, message: message) }

    public var description: String { "\(name) (\(code)): \(message)" }

    public static let queueFull: Int32 = RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue
    public static let transport: Int32 = RD_KAFKA_RESP_ERR__TRANSPORT.rawValue
    public static let timedOut: Int32 = RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
    public static let notLeaderForPartition: Int32 = RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION.rawValue
    public static let requestTimedOut: Int32 = RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue
    public static let notCoordinator: Int32 = RD_KAFKA_RESP_ERR_NOT_COORDINATOR.rawValue
    public static let coordinatorLoadInProgress: Int32 = RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS.rawValue
    public static let illegalGeneration: Int32 = RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION.rawValue
    public static let messageTooLarge: Int32 = RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue
    public static let topicAuthorizationFailed: Int32 = RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED.rawValue
}
