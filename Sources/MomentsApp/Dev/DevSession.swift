import Foundation
import Kafka
import Logging
import MomentsCore
import MomentsRuntime
import MomentsSimulation

/// `moments dev`: an embedded broker, simulated traffic produced to it in (scaled) real time,
/// and the daemon's pipeline consuming it, with every acknowledged output printed as a line.
public final class DevSession: @unchecked Sendable {
    let rules: RuleSet
    let options: SimulationOptions
    let speed: Double
    let partitions: Int
    let formatter: FeedFormatter
    private let lock = NSLock()
    private var summary = FeedSummary()
    private var stopRequested = false
    private var produced = 0
    /// Lines delivered since the last flush, with their event time and arrival.
    private var pending: [(time: Timestamp, rank: Int, arrival: Int, line: String)] = []
    private var arrivals = 0

    public init(rules: RuleSet, seed: UInt64, speed: Double, arrivalsPerMinute: Double, partitions: Int, color: Bool) throws {
        self.rules = rules
        var o = SimulationOptions(seed: seed)
        o.arrivalsPerMinute = arrivalsPerMinute
        o.start = Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 - Self.warmUp) * 1000))
        self.options = o
        self.speed = max(0.1, speed)
        self.partitions = partitions
        self.formatter = FeedFormatter(color: color)
    }

    /// Simulated seconds of traffic sent at start-up.
    static let warmUp = 360.0

    public func requestStop() {
        lock.lock(); stopRequested = true; lock.unlock()
    }

    var shouldStop: Bool { lock.lock(); defer { lock.unlock() }; return stopRequested }

    public func run(seconds: Double?) throws {
        let broker = try EmbeddedBroker(topics: ["interactions"] + OutputTopics().all + ["moments-dev-state-changelog"], partitions: partitions)
        // The broker must outlive every client, or their goodbyes turn into connection errors.
        try withExtendedLifetime(broker) { try run(on: broker, seconds: seconds) }
    }

    private func run(on broker: EmbeddedBroker, seconds: Double?) throws {
        let topics = OutputTopics()
        writeLine("moments dev: embedded broker at \(broker.bootstrapServers), \(partitions) partitions; simulated time ×\(speed)")
        writeLine("feed: ALERT/GLORY = moments for supervisors, RECOVERY = actions for customers, COACHING = signals for agents\n")
        var config = PipelineConfiguration(
            consumerProperties: ["bootstrap.servers": broker.bootstrapServers, "group.id": "moments-dev", "fetch.wait.max.ms": "20"],
            producerProperties: ["bootstrap.servers": broker.bootstrapServers],
            inputTopics: ["interactions"],
            routing: topics.routing)
        config.commitInterval = .seconds(1)
        config.changelogTopic = "moments-dev-state-changelog"
        var hooks = PipelineHooks()
        hooks.delivered = { [weak self] record, output, _ in self?.show(record, output) }
        let logger = Logger(label: "moments.dev") { MomentsLogHandler(label: $0, format: .logfmt, level: .warning) }
        let pipeline = Pipeline(configuration: config, rules: rules, hooks: hooks, logger: logger)
        let finished = DispatchSemaphore(value: 0)
        let failure = ErrorBox()
        pipeline.runInBackground { error in failure.set(error); finished.signal() }
        let feedStop = DispatchSemaphore(value: 0), feedDone = DispatchSemaphore(value: 0)
        Thread { [self] in
            Thread.current.name = "moments-feed"
            while feedStop.wait(timeout: .now() + Self.feedInterval) == .timedOut { flushFeed() }
            feedDone.signal()
        }.start()

        let began = Date()
        let deadline = seconds.map { began.addingTimeInterval($0) }
        let producerDone = DispatchSemaphore(value: 0)
        let producerFailure = ErrorBox()
        // Named from the thread itself: Linux applies no name set before the thread starts.
        Thread { [self] in
            Thread.current.name = "moments-simulator"
            do { try produceTraffic(bootstrap: broker.bootstrapServers, until: deadline) } catch { producerFailure.set(error) }
            producerDone.signal()
        }.start()
        producerDone.wait()
        // Give the pipeline a moment to finish what was just produced, then stop it cleanly.
        Thread.sleep(forTimeInterval: 1.0)
        pipeline.stop()
        finished.wait()
        feedStop.signal()
        feedDone.wait()
        flushFeed()
        let status = pipeline.status
        lock.lock()
        let text = summary.render(eventsProduced: produced, eventsProcessed: status.eventsProcessed, seconds: Date().timeIntervalSince(began))
        lock.unlock()
        writeLine(text)
        if let e = producerFailure.error ?? failure.error { throw e }
    }

    /// Produces simulated events when the wall clock reaches their (scaled) event time.
    func produceTraffic(bootstrap: String, until deadline: Date?) throws {
        var simulator = TrafficSimulator(options: options)
        // Warm start: the simulated contact center opened a few minutes ago; what happened since
        // is sent at once, so the feed has something to show from the first second.
        let start = Date().addingTimeInterval(-Self.warmUp / speed)
        let failures = ErrorBox()
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(["bootstrap.servers": bootstrap, "linger.ms": "2", "partitioner": "murmur2_random"]),
            onDelivery: { report in if let e = report.error { failures.set(e) } })
        var token: UInt64 = 0
        while !shouldStop, deadline.map({ Date() < $0 }) ?? true {
            let event = simulator.next()
            let due = start.addingTimeInterval(Double((event.occurredAt - options.start).milliseconds) / 1000 / speed)
            while Date() < due && !shouldStop && deadline.map({ Date() < $0 }) ?? true {
                producer.poll(timeoutMs: 0)
                Thread.sleep(forTimeInterval: min(0.05, max(0.001, due.timeIntervalSinceNow)))
            }
            if shouldStop || deadline.map({ Date() >= $0 }) == true { break }
            try producer.produce(topic: "interactions", key: Array(event.key.utf8), value: Array(event.json.utf8), token: token)
            token += 1
            lock.lock(); produced += 1; lock.unlock()
        }
        try producer.flush(timeoutMs: 10_000)
        if let e = failures.error { throw e }
    }

    /// Delivery reports come by produce request, a topic's outputs together: the warm start's
    /// burst was printed all coaching, then all alerts, then all recovery, times jumping back
    /// and forth. Lines are held for at most this long and printed in event-time order.
    static let feedInterval = 0.25

    func show(_ record: OutputRecord, _ output: Output?) {
        lock.lock()
        defer { lock.unlock() }
        arrivals += 1
        if let output {
            summary.count(output)
            pending.append((output.moment.time, Self.rank(output), arrivals, formatter.line(for: output)))
        } else {
            summary.deadLetters += 1
            pending.append((Timestamp(milliseconds: .max), 3, arrivals, formatter.deadLetterLine(reason: "malformed input", origin: record.id)))
        }
    }

    /// At one time, the moment first, then what it led to.
    static func rank(_ output: Output) -> Int {
        switch output {
        case .alert: return 0
        case .recovery: return 1
        case .coaching: return 2
        }
    }

    /// Prints what was delivered since the last flush, by event time (then moment, recovery,
    /// coaching, then arrival).
    func flushFeed() {
        lock.lock()
        let lines = pending
        pending.removeAll(keepingCapacity: true)
        lock.unlock()
        for line in Self.printOrder(lines) { writeLine(line) }
    }

    static func printOrder(_ entries: [(time: Timestamp, rank: Int, arrival: Int, line: String)]) -> [String] {
        entries.sorted { ($0.time, $0.rank, $0.arrival) < ($1.time, $1.rank, $1.arrival) }.map(\.line)
    }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (any Error)?
    func set(_ e: (any Error)?) { lock.lock(); if stored == nil { stored = e }; lock.unlock() }
    var error: (any Error)? { lock.lock(); defer { lock.unlock() }; return stored }
}

/// One line to stdout, unbuffered, so the feed is live even when piped.
func writeLine(_ s: String) {
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}
