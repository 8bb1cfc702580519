import Foundation
import Kafka
import MomentsApp

/// Reads the output topics in a group of its own, continuously, from the beginning — a
/// downstream system as tests see it.
public final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var records: [ConsumerRecord] = []
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    public init(bootstrapServers: String, topics: [String] = OutputTopics().all) throws {
        let consumer = try KafkaConsumer(configuration: KafkaConfiguration([
            "bootstrap.servers": bootstrapServers, "group.id": "collector-\(UUID().uuidString)",
            "auto.offset.reset": "earliest", "fetch.wait.max.ms": "20",
        ]))
        try consumer.subscribe(topics: topics)
        let thread = Thread { [self] in
            while !isStopped {
                if let r = try? consumer.poll(timeoutMs: 50) {
                    lock.lock(); records.append(r); lock.unlock()
                }
            }
            consumer.close()
            finished.signal()
        }
        thread.start()
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    public var all: [ConsumerRecord] { lock.lock(); defer { lock.unlock() }; return records }

    public func on(_ topic: String) -> [ConsumerRecord] { all.filter { $0.topic == topic } }

    /// CloudEvents ids of everything read, in arrival order.
    public var ids: [String] { all.compactMap(\.cloudEventID) }

    /// Waits until `condition` holds for what was read, or the timeout passes.
    @discardableResult
    public func wait(seconds: Double, until condition: ([ConsumerRecord]) -> Bool) -> Bool {
        waitFor(seconds: seconds) { condition(all) }
    }

    /// Stops reading; safe to call twice.
    public func stop() {
        lock.lock()
        let already = stopped
        stopped = true
        lock.unlock()
        if !already { finished.wait() }
    }
}

/// Polls `condition` until it holds or `seconds` pass; returns its last value.
@discardableResult
public func waitFor(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return condition()
}

extension ConsumerRecord {
    public var text: String { value.map { String(decoding: $0, as: UTF8.self) } ?? "" }

    /// The CloudEvents id of an output record.
    public var cloudEventID: String? {
        guard let value, let json = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any] else { return nil }
        return json["id"] as? String
    }

    public func headerText(_ name: String) -> String? { header(name).map { String(decoding: $0, as: UTF8.self) } }
}
