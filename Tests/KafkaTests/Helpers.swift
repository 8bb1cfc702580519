import Foundation
import Kafka
import KafkaMock

/// Delivery reports collected by a producer's handler.
final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [DeliveryReport] = []
    func add(_ r: DeliveryReport) { lock.lock(); items.append(r); lock.unlock() }
    var all: [DeliveryReport] { lock.lock(); defer { lock.unlock() }; return items }
}

/// A consumer configuration for the mock: earliest offsets, short fetch waits (an empty fetch
/// on the mock waits the whole `fetch.wait.max.ms`).
func consumerConfig(_ cluster: MockCluster, group: String, _ extra: [String: String] = [:]) -> KafkaConfiguration {
    KafkaConfiguration([
        "bootstrap.servers": cluster.bootstrapServers, "group.id": group, "auto.offset.reset": "earliest",
        "fetch.wait.max.ms": "20", "session.timeout.ms": "6000",
    ].merging(extra) { $1 })
}

func producerConfig(_ cluster: MockCluster, _ extra: [String: String] = [:]) -> KafkaConfiguration {
    KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers].merging(extra) { $1 })
}

/// Polls until `count` records arrived or the deadline passed.
func read(_ consumer: KafkaConsumer, count: Int, seconds: Double = 20) throws -> [ConsumerRecord] {
    var out: [ConsumerRecord] = []
    let deadline = Date().addingTimeInterval(seconds)
    while out.count < count && Date() < deadline {
        if let r = try consumer.poll(timeoutMs: 50) { out.append(r) }
    }
    return out
}

/// Runs `step` until `condition` holds or the deadline passes; returns whether it held.
@discardableResult
func waitUntil(seconds: Double = 20, step: () throws -> Void, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        try step()
    }
    return try condition()
}

/// librdkafka log lines collected by a client's log handler.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(level: Int32, facility: String, message: String)] = []
    var add: @Sendable (Int32, String, String) -> Void {
        { [self] level, facility, message in lock.lock(); items.append((level, facility, message)); lock.unlock() }
    }
    var all: [(level: Int32, facility: String, message: String)] { lock.lock(); defer { lock.unlock() }; return items }
}
