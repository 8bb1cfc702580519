import Foundation
import Kafka
import KafkaMock
import Logging
import Metrics
import MomentsApp
import MomentsCore
import MomentsRuntime
import MomentsSimulation
@_exported import MomentsTestSupport

/// An embedded broker with the daemon's topics, plus helpers to feed it and read what comes out,
/// all over TCP as a deployment would.
final class TestBed: @unchecked Sendable {
    let broker: EmbeddedBroker
    let topics = OutputTopics()
    let input = "interactions"
    let partitions: Int

    init(partitions: Int, brokers: Int = 1) throws {
        self.partitions = partitions
        broker = try EmbeddedBroker(topics: ["interactions"] + OutputTopics().all, partitions: partitions, brokers: brokers)
    }

    var routing: OutputRouting {
        topics.routing
    }

    /// Produces values with keys, to chosen partitions (or by key), and waits for every ack.
    /// Makes `broker` the leader of every partition of `topics` (with several brokers: to take
    /// one kind of traffic down, or hold it back, and not the others).
    func lead(_ topics: [String], on broker: Int32) throws {
        for topic in topics {
            for p in 0..<Int32(partitions) { try self.broker.cluster.setPartitionLeader(topic: topic, partition: p, broker: broker) }
        }
    }

    /// With two brokers: `group`'s coordinator, the input and the output topics on broker 1,
    /// except `second`, led by broker 2, which a test can then take down alone.
    func splitTraffic(group: String, second: [String]) throws {
        try broker.cluster.setCoordinator(key: group, broker: 1)
        try lead([input] + topics.all.filter { !second.contains($0) }, on: 1)
        try lead(second, on: 2)
    }

    func produce(_ messages: [(key: String?, value: [UInt8], partition: Int32?)]) throws {
        let failures = Failures()
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": broker.bootstrapServers]), onDelivery: { r in
            if r.error != nil { failures.add() }
        })
        for (i, m) in messages.enumerated() {
            try producer.produce(topic: input, partition: m.partition, key: m.key.map { Array($0.utf8) }, value: m.value, token: UInt64(i))
            if i % 500 == 0 { producer.poll(timeoutMs: 0) }
        }
        try producer.flush(timeoutMs: 30_000)
        precondition(failures.count == 0, "test input not delivered")
    }

    /// What `group` has committed for `partitions`, as the broker says, read by a consumer of its
    /// own (it joins nothing): nil when the coordinator did not answer three times running.
    func committedReader(group: String) throws -> (_ partitions: [TopicPartition]) -> [TopicPartition: Int64]? {
        let reader = try KafkaConsumer(configuration: KafkaConfiguration(["bootstrap.servers": broker.bootstrapServers, "group.id": group]))
        return { partitions in
            for _ in 0..<3 { if let offsets = try? reader.committed(partitions, timeoutMs: 5000) { return offsets } }
            return nil
        }
    }

    /// What `group` has committed for partition `partition` of the input (`committedReader`).
    func committedOffset(group: String, partition: Int32 = 0) throws -> () -> Int64? {
        let read = try committedReader(group: group)
        let tp = TopicPartition(topic: input, partition: partition)
        return { read([tp])?[tp] }
    }

    private var changelogs: Set<String> = []

    /// A pipeline in `group`, with its state changelog topic (the mock cannot create topics itself).
    /// `consumerProperties` are added to (or replace) the consumer's defaults below.
    func pipeline(
        group: String = "moments", rules: RuleSet, wallClockAdvance: Bool = false, log: Bool = false, changelog: Bool = true,
        transactionalID: String? = nil, transactionCallTimeout: Duration? = nil, drainTimeout: Duration? = nil, assignmentTimeout: Duration? = nil,
        consumerProperties: [String: String] = [:], commitInterval: Duration = .milliseconds(200),
        producerProperties: [String: String] = [:], engineThreads: Int? = nil, hooks: PipelineHooks = PipelineHooks(),
        metricsFactory: any MetricsFactory = MetricsSystem.factory, configure: (inout PipelineConfiguration) -> Void = { _ in }
    ) -> Pipeline {
        var config = PipelineConfiguration(
            consumerProperties: [
                "bootstrap.servers": broker.bootstrapServers, "group.id": group, "fetch.wait.max.ms": "20", "session.timeout.ms": "6000",
            ].merging(consumerProperties) { $1 },
            producerProperties: ["bootstrap.servers": broker.bootstrapServers].merging(producerProperties) { $1 },
            inputTopics: [input], routing: routing)
        config.commitInterval = commitInterval
        config.wallClockAdvance = wallClockAdvance
        if let drainTimeout { config.drainTimeout = drainTimeout }
        if let assignmentTimeout { config.assignmentTimeout = assignmentTimeout }
        if let transactionCallTimeout { config.transactionCallTimeout = transactionCallTimeout }
        if let engineThreads { config.engineThreads = engineThreads }
        if let transactionalID {
            config.exactlyOnce = true
            config.transactionalID = transactionalID
        }
        if changelog {
            let topic = "\(group)-state-changelog"
            if changelogs.insert(topic).inserted { try? broker.cluster.createTopic(topic, partitions: partitions, replicationFactor: broker.cluster.brokerCount) }
            config.changelogTopic = topic
        }
        configure(&config)
        let logger = Logger(label: "test") { MomentsLogHandler(label: $0, format: .logfmt, level: log ? .info : .warning) }
        return Pipeline(configuration: config, rules: rules, hooks: hooks, logger: logger, metricsFactory: metricsFactory)
    }
}

extension Duration {
    static func milliseconds(_ ms: Int64) -> Duration { Duration(milliseconds: ms) }
}

/// A running pipeline on its own thread.
final class RunningPipeline: @unchecked Sendable {
    let pipeline: Pipeline
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var failure: (any Error)?

    init(_ pipeline: Pipeline) {
        self.pipeline = pipeline
        pipeline.runInBackground { [self] error in
            lock.lock(); failure = error; lock.unlock()
            done.signal()
        }
    }

    /// Whether `run()` ended (by itself) within `seconds`.
    func ended(within seconds: Double) -> Bool {
        guard done.wait(timeout: .now() + seconds) == .success else { return false }
        done.signal()   // for `stop()`
        return true
    }

    /// Graceful stop; returns the error `run()` ended with, if any.
    func stop() -> (any Error)? {
        pipeline.stop()
        done.wait()
        lock.lock(); defer { lock.unlock() }
        return failure
    }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return n }
}

enum Stream {
    static var root: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    static func defaultRules() throws -> RuleSet {
        let path = root.appendingPathComponent("config/moments.yaml").path
        return try RulesParser.parse(yaml: String(contentsOfFile: path, encoding: .utf8), file: path).get()
    }

    /// The lines of the reference stream fixture (`Tests/Fixtures/reference-stream.jsonl`).
    static func referenceLines() throws -> [String] {
        try String(contentsOf: root.appendingPathComponent("Tests/Fixtures/reference-stream.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
    }

    /// `lines` as messages for `TestBed.produce`, keyed by customer and partitioned by key.
    static func keyedMessages(_ lines: some Sequence<String>) -> [(key: String?, value: [UInt8], partition: Int32?)] {
        lines.map { (key: customerKey($0) ?? "unknown", value: Array($0.utf8), partition: nil) }
    }

    /// The key a producer would use: the event's customer, when it can be read.
    static func customerKey(_ line: String) -> String? {
        guard let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
        return json["customer_id"] as? String
    }

    /// What `moments replay` prints for these lines: every output, encoded.
    static func replay(_ lines: [String], rules: RuleSet) -> [(id: String, kind: OutputKind, key: String, value: [UInt8])] {
        var replayer = Replayer(rules: rules)
        let encoder = CloudEventEncoder()
        var out: [(String, OutputKind, String, [UInt8])] = []
        for (n, line) in lines.enumerated() {
            for item in replayer.feed(line: Array(line.utf8), file: "test", lineNumber: n + 1) {
                if case .output(let o) = item { out.append((o.id, o.kind, o.key, encoder.encode(o))) }
            }
        }
        return out
    }

    /// The 1,600 events of seed 5 on two partitions and the ids replay gives for them: the
    /// stream of the tests that take a broker or a partition away mid-stream and then check that
    /// nothing is missing.
    static func twoPartitionStream(rules: RuleSet) -> (events: [SimulatedEvent], partitions: Int, expectedIDs: Set<String>) {
        let events = TrafficSimulator.events(options: SimulationOptions(seed: 5), count: 1600)
        return (events, 2, expectedIDs(of: events, partitions: 2, rules: rules))
    }

    /// Seed 11 at 40 arrivals per simulated minute: many interactions open at once, so a restart
    /// mid-stream leaves plenty of state to carry over.
    static func busyTraffic(count: Int) -> [SimulatedEvent] {
        var options = SimulationOptions(seed: 11)
        options.arrivalsPerMinute = 40
        return TrafficSimulator.events(options: options, count: count)
    }

    /// The ids replay gives for `events` produced by key on `partitions` partitions (one engine each).
    static func expectedIDs(of events: [SimulatedEvent], partitions: Int, rules: RuleSet) -> Set<String> {
        var perPartition: [[String]] = Array(repeating: [], count: partitions)
        for e in events { perPartition[Int(partition(of: e.key, count: partitions))].append(e.json) }
        return Set(perPartition.flatMap { replay($0, rules: rules) }.map(\.id))
    }

    /// `events` as messages for `TestBed.produce`, each to its key's partition.
    static func messages(_ events: [SimulatedEvent], partitions: Int) -> [(key: String?, value: [UInt8], partition: Int32?)] {
        events.map { ($0.key, Array($0.json.utf8), partition(of: $0.key, count: partitions)) }
    }

    /// The output ids (alerts, recovery, coaching) a collector read.
    static func outputIDs(_ collector: OutputCollector, _ bed: TestBed) -> Set<String> {
        let outputTopics = [bed.topics.alerts, bed.topics.recovery, bed.topics.coaching]
        return Set(collector.all.filter { outputTopics.contains($0.topic) }.compactMap(\.cloudEventID))
    }

    /// A stable partition for a key (FNV-1a), so tests know which engine sees which customer.
    static func partition(of key: String, count: Int) -> Int32 {
        var h: UInt32 = 2_166_136_261
        for b in key.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        return Int32(h % UInt32(count))
    }
}

extension OutputCollector {
    convenience init(bed: TestBed) throws { try self.init(bootstrapServers: bed.broker.bootstrapServers, topics: bed.topics.all) }
}
