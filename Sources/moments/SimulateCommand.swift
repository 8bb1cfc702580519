import ArgumentParser
import Foundation
import Kafka
import MomentsCore
import MomentsSimulation

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Generate realistic contact-center traffic: to Kafka at a chosen rate, or to stdout as JSON lines.")

    @Option(name: .long, help: "Seed; the same seed gives the same traffic.")
    var seed: UInt64 = 7

    /// Taken whatever it looks like, so that `--count -1` meets the check below rather than
    /// ArgumentParser's "Missing value" (it took `-1` for an option).
    @Option(name: .long, parsing: .unconditional, help: "Stop after this many events (default: unbounded for Kafka, 10000 for stdout).")
    var count: Int?

    @Option(name: .long, help: "Events per second when producing to Kafka (0: as fast as possible).")
    var rate: Double = 100

    @Flag(name: .long, help: "Print JSON lines to stdout instead of producing to Kafka.")
    var stdout = false

    @Option(name: .long, help: "Kafka bootstrap servers (MOMENTS_KAFKA_BOOTSTRAP_SERVERS when set).")
    var bootstrapServers: String = ProcessInfo.processInfo.environment["MOMENTS_KAFKA_BOOTSTRAP_SERVERS"] ?? "127.0.0.1:9092"

    @Option(name: .long, help: "Topic to produce to.")
    var topic: String = "interactions"

    @Option(name: .long, help: "Interactions started per simulated minute.")
    var arrivals: Double = 60

    @Option(name: .long, help: "Event time of the first event (RFC 3339), or 'now': live traffic, each event sent (or printed) at its own time (to Kafka at most --rate a second).")
    var start: String = "2026-11-24T04:00:00Z"

    func validate() throws {
        // The stdout loop counts up to it: a negative count would trap, not stop.
        if let count, count < 0 { throw ValidationError("--count must not be negative") }
        guard rate.isFinite, rate >= 0 else { throw ValidationError("--rate must be 0 (as fast as possible) or a number of events a second above 0, found \(rate)") }
        if let problem = SimulationOptions.problem(arrivals: arrivals) { throw ValidationError(problem) }
        if start != "now" {
            // Checked here, with the other options: found in `run`, it exited 1 without the usage.
            guard let t = RFC3339.parse(start) else { throw ValidationError("--start: '\(start)' is not an RFC 3339 timestamp (such as 2026-11-24T04:00:00Z) or 'now'") }
            guard SimulationOptions.startRange.contains(t) else {
                throw ValidationError("--start must be from 2000-01-01 to 2099-01-01 (events are accepted up to 2100), found \(start)")
            }
        }
    }

    func run() throws {
        var options = SimulationOptions(seed: seed)
        options.arrivalsPerMinute = arrivals
        // Anything but `now` was parsed already, by `validate`.
        options.start = start == "now" ? Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)) : RFC3339.parse(start)!
        var simulator = TrafficSimulator(options: options)
        let live = start == "now"
        if stdout {
            var out = OutputBuffer()
            for n in 0..<(count ?? 10_000) {
                let e = simulator.next()
                if let problem = SimulationOptions.problem(reaching: e, after: n) {
                    out.flush()
                    throw CLIError(problem)
                }
                // Live traffic is written at its own time, as it is sent to Kafka: until
                // 2026-12-08 stdout got it at once, events up to minutes ahead of the clock.
                if live {
                    let wait = Double(e.occurredAt.milliseconds) / 1000 - Date().timeIntervalSince1970
                    if wait > 0 {
                        out.flush()
                        Thread.sleep(forTimeInterval: wait)
                    }
                }
                out.write(Array(e.json.utf8))
            }
            out.flush()
            return
        }
        let sent = try TrafficProducer.run(
            simulator: &simulator, bootstrapServers: bootstrapServers, topic: topic, rate: rate, count: count,
            live: live, shouldStop: { false })
        Stderr.print("produced \(sent) events to \(topic) at \(bootstrapServers)")
    }
}

/// Produces simulated events to Kafka, paced to a rate, keyed by customer.
enum TrafficProducer {
    /// How long a broker has to answer at the start, in seconds.
    static let reachTimeout = 10.0

    /// - Parameter live: send no event before its own time: traffic of the present, which a
    ///   daemon takes as it comes (sent at `rate`, simulated time ran several times faster than
    ///   the clock, and within a minute past the daemon's `processing.max_event_ahead`).
    static func run(
        simulator: inout TrafficSimulator, bootstrapServers: String, topic: String, rate: Double, count: Int?,
        live: Bool = false, shouldStop: () -> Bool, onEvent: (SimulatedEvent) -> Void = { _ in }
    ) throws -> Int {
        let failures = FailureCount()
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(["bootstrap.servers": bootstrapServers, "linger.ms": "5", "partitioner": "murmur2_random"]),
            onDelivery: { report in if report.error != nil { failures.add() } })
        // Nothing listening there ran for ever (or, with --count, until the final flush timed
        // out) printing only librdkafka's connection lines, until 2026-12-08.
        guard producer.brokerReachable(timeoutMs: Int32(reachTimeout * 1000)) else {
            throw CLIError("no Kafka broker answered at \(bootstrapServers) within \(Int(reachTimeout)) s: is it running? (--bootstrap-servers, or MOMENTS_KAFKA_BOOTSTRAP_SERVERS)")
        }
        let begin = Date()
        var sent = 0
        while count.map({ sent < $0 }) ?? true, !shouldStop() {
            let e = simulator.next()
            if let problem = SimulationOptions.problem(reaching: e, after: sent) {
                try producer.flush(timeoutMs: 30_000)
                throw CLIError(problem)
            }
            if live {
                let wait = Double(e.occurredAt.milliseconds) / 1000 - Date().timeIntervalSince1970
                if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            }
            try producer.produce(topic: topic, key: Array(e.key.utf8), value: Array(e.json.utf8), token: UInt64(sent))
            onEvent(e)
            sent += 1
            producer.poll(timeoutMs: 0)
            if rate > 0 {
                let due = begin.addingTimeInterval(Double(sent) / rate)
                let wait = due.timeIntervalSinceNow
                if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            }
        }
        try producer.flush(timeoutMs: 30_000)
        if failures.value > 0 { throw CLIError("\(failures.value) events could not be delivered to \(topic)") }
        return sent
    }
}

final class FailureCount: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
