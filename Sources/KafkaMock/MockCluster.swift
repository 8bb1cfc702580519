internal import CRdKafka
import Glibc
import Kafka

/// librdkafka's mock cluster: a Kafka-protocol broker in this process, listening on 127.0.0.1
/// (random ports), for development and tests. Clients connect to `bootstrapServers` over TCP
/// exactly as to a real cluster. It keeps about 5 MiB of log per partition and has no
/// CreateTopics API: create topics here. Experimental API in librdkafka; see DESIGN.md for limits.
public final class MockCluster: @unchecked Sendable {
    private let rk: OpaquePointer
    private let cluster: OpaquePointer
    public let bootstrapServers: String
    public let brokerCount: Int

    public init(brokers: Int = 1) throws(KafkaError) {
        let conf = rd_kafka_conf_new()!
        var errstr = [CChar](repeating: 0, count: 512)
        // Quiet: the cluster's own handle produces nothing.
        _ = rd_kafka_conf_set(conf, "log_level", "3", &errstr, errstr.count)
        if let debug = getenv("MOMENTS_MOCK_DEBUG") {
            _ = rd_kafka_conf_set(conf, "log_level", "7", &errstr, errstr.count)
            _ = rd_kafka_conf_set(conf, "debug", debug, &errstr, errstr.count)
        }
        // The mock brokers' sockets follow this handle's settings: without this, every small
        // response waits for Nagle's algorithm and a delayed ACK (about 40 ms on Linux).
        _ = rd_kafka_conf_set(conf, "socket.nagle.disable", "true", &errstr, errstr.count)
        guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.init(code: -1, message: "mock cluster handle: \(errorText(errstr))")
        }
        guard let cluster = rd_kafka_mock_cluster_new(rk, Int32(brokers)) else {
            rd_kafka_destroy(rk)
            throw KafkaError(code: -1, message: "cannot start the mock cluster")
        }
        self.rk = rk
        self.cluster = cluster
        self.brokerCount = brokers
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        // The cluster must go before the handle that owns it.
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(rk)
    }

    /// Creates a topic (the mock has no CreateTopics API). Creating an existing topic is an error.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        try check(rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(min(replicationFactor, brokerCount))), "create topic \(name)")
    }

    /// Takes a broker down: connections are closed and refused until `setBrokerUp`. -1 = all.
    public func setBrokerDown(_ id: Int32 = -1) throws(KafkaError) {
        try forBrokers(id) { b throws(KafkaError) in try check(rd_kafka_mock_broker_set_down(cluster, b), "broker \(b) down") }
    }

    public func setBrokerUp(_ id: Int32 = -1) throws(KafkaError) {
        try forBrokers(id) { b throws(KafkaError) in try check(rd_kafka_mock_broker_set_up(cluster, b), "broker \(b) up") }
    }

    /// Adds round-trip time to every response of a broker (-1 = all).
    public func setRoundTripTime(_ ms: Int, broker id: Int32 = -1) throws(KafkaError) {
        try forBrokers(id) { b throws(KafkaError) in try check(rd_kafka_mock_broker_set_rtt(cluster, b, Int32(ms)), "broker \(b) rtt") }
    }

    /// The next requests of this API (Produce = 0, Fetch = 1, OffsetCommit = 8, ...) fail with
    /// these error codes, one per request, cluster-wide.
    public func pushRequestErrors(apiKey: Int16, errors: [Int32]) {
        var codes = errors.map { rd_kafka_resp_err_t($0) }
        rd_kafka_mock_push_request_errors_array(cluster, apiKey, codes.count, &codes)
    }

    /// The next request of this API to one broker fails with `error` after `rttMs`.
    public func pushBrokerRequestError(broker: Int32, apiKey: Int16, error: Int32, rttMs: Int) throws(KafkaError) {
        try check(moments_mock_broker_push_error_rtt(cluster, broker, apiKey, rd_kafka_resp_err_t(error), Int32(rttMs)), "push error")
    }

    public func clearRequestErrors(apiKey: Int16) {
        rd_kafka_mock_clear_request_errors(cluster, apiKey)
    }

    /// Moves the group (or transaction) coordinator for `key` to another broker.
    public func setCoordinator(type: String = "group", key: String, broker: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_coordinator_set(cluster, type, key, broker), "coordinator \(type) \(key)")
    }

    /// Moves a partition's leadership (-1: no leader).
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_partition_set_leader(cluster, topic, partition, broker), "leader of \(topic)/\(partition)")
    }

    private func forBrokers(_ id: Int32, _ body: (Int32) throws(KafkaError) -> Void) throws(KafkaError) {
        if id >= 0 { try body(id); return }
        for b in 1...Int32(brokerCount) { try body(b) }
    }

    private func check(_ err: rd_kafka_resp_err_t, _ what: String) throws(KafkaError) {
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(code: err.rawValue, message: "\(what): \(String(cString: rd_kafka_err2str(err)))")
        }
    }
}

/// Kafka protocol API keys, for fault injection.
public enum KafkaAPI {
    public static let produce: Int16 = 0
    public static let fetch: Int16 = 1
    public static let listOffsets: Int16 = 2
    public static let metadata: Int16 = 3
    public static let offsetCommit: Int16 = 8
    public static let offsetFetch: Int16 = 9
    public static let findCoordinator: Int16 = 10
    public static let joinGroup: Int16 = 11
    public static let heartbeat: Int16 = 12
    public static let syncGroup: Int16 = 14
    public static let initProducerId: Int16 = 22
}
