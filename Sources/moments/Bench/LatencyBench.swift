import Foundation
import Kafka
import MomentsApp
import MomentsCore
import MomentsRuntime
import MomentsSimulation

/// From an event's produce to its output's delivery through the embedded broker; p50, p99 and
/// p99.9 over every output. By default at a steady rate (5,000 events/s) of the reference stream,
/// whose event time then runs far ahead of the wall clock. With `realtime`, each event is produced
/// at its own `occurred_at`, so event time follows the wall clock as in production and the run
/// also measures how late timer alerts ("still waiting after 120 s") arrive after their deadline.
struct LatencyBench {
    let rules: RuleSet
    var changelog = true
    var rate = 5000.0
    var seconds = 10.0
    var realtime = false
    /// Input partitions. The embedded broker finds a fetch's message set by walking the
    /// partition's log from its oldest batch (`rd_kafka_mock_msgset_find` in librdkafka 2.0.2's
    /// rdkafka_mock.c, up to 5 MiB of log per partition, neither settable), so each fetch costs
    /// the partition's log length: over a long run more partitions keep that walk, which is the
    /// mock's cost and not Moments', shorter.
    var partitions = 8
    var engineThreads: Int?
    /// The pipeline consumer's `fetch.wait.max.ms`. The embedded broker answers a fetch that
    /// finds no data only after this long, even when data arrives meanwhile (librdkafka 2.0.2's
    /// rdkafka_mock_handlers.c says so: it cannot cut the wait short), where a Kafka broker
    /// answers as soon as the data is there. On the embedded broker it is therefore a floor
    /// under every event's latency that a real broker does not add.
    var fetchWaitMs = 1
    /// The pipeline producer's `linger.ms`; nil for the daemon's default.
    var lingerMs: Int?
    /// `processing.commit_interval`; nil for the daemon's default. With a changelog it is also
    /// how often changed customers' state is written, so it sets how many state records a
    /// second of traffic makes (printed at the end).
    var commitIntervalMs: Int?

    func run() throws {
        let topics = OutputTopics()
        let broker = try EmbeddedBroker(topics: ["interactions"] + topics.all + ["latency-state-changelog"], partitions: partitions)
        var config = PipelineConfiguration(
            consumerProperties: ["bootstrap.servers": broker.bootstrapServers, "group.id": "latency", "fetch.wait.max.ms": "\(fetchWaitMs)"],
            // The daemon's own producer settings (linger.ms 2 among them, unless --linger-ms
            // says otherwise), so the figure is what a deployment with the defaults sees. Until 2026-12-05 this bench set linger.ms 0,
            // which no deployment runs with, and its p99 left out up to 2 ms of linger.
            producerProperties: ["bootstrap.servers": broker.bootstrapServers].merging(lingerMs.map { ["linger.ms": "\($0)"] } ?? [:]) { $1 },
            inputTopics: ["interactions"],
            routing: topics.routing)
        config.changelogTopic = changelog ? "latency-state-changelog" : nil
        // The daemon's, as its producer settings are (the pipeline's own default is longer).
        config.commitInterval = commitIntervalMs.map { Duration(milliseconds: Int64($0)) } ?? ProcessingSettings().commitInterval
        if let engineThreads { config.engineThreads = engineThreads }
        let samples = Samples()
        // The path split in three, each with its own percentiles (which do not add up): from
        // the event's produce to the poll of its batch, within Moments, and after it.
        let beforePoll = Samples(), withinMoments = Samples(), afterHandOff = Samples()
        let timerLateness = Samples()
        var hooks = PipelineHooks()
        let warmUpEnds = WarmUp()
        hooks.delivered = { record, output, timing in
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            if case .alert(let a)? = output, a.moment.causeEventID == nil, a.moment.time.milliseconds >= warmUpEnds.value {
                timerLateness.add(Double(now - a.moment.time.milliseconds))
            }
            guard let ts = record.sourceTimestampMs, ts >= warmUpEnds.value else { return }
            samples.add(Double(now - ts))
            beforePoll.add(Double(now - ts - timing.polledToProducedMs - timing.producedToAcknowledgedMs))
            withinMoments.add(Double(timing.polledToProducedMs))
            afterHandOff.add(Double(timing.producedToAcknowledgedMs))
        }
        let pipeline = Pipeline(configuration: config, rules: rules, hooks: hooks, metricsFactory: DaemonMetrics.factory())
        let done = DispatchSemaphore(value: 0)
        pipeline.runInBackground { _ in done.signal() }
        while !pipeline.status.ready { Thread.sleep(forTimeInterval: 0.05) }

        var options = SimulationOptions(seed: 7)
        options.start = Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000) + 100)
        // Real time: about ten events per interaction, so this many arrivals make `rate` events
        // per second once the first interactions have run their course (it ramps up to that).
        if realtime { options.arrivalsPerMinute = rate * 60 / 10 }
        var simulator = TrafficSimulator(options: options)
        // Batches of a few milliseconds: the mock serves one batch per partition per fetch, so
        // single-message batches would measure the mock rather than Moments.
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": broker.bootstrapServers, "linger.ms": "2"]), onDelivery: { _ in })
        let total = Int(rate * seconds)
        let begin = Date()
        // The first two seconds warm up connections and buffers; the figure is the steady state.
        warmUpEnds.value = Int64((begin.timeIntervalSince1970 + 2) * 1000)
        for i in 0..<total {
            let e = simulator.next()
            try producer.produce(topic: "interactions", key: Array(e.key.utf8), value: Array(e.json.utf8), token: UInt64(i))
            producer.poll(timeoutMs: 0)
            let due = realtime ? Date(timeIntervalSince1970: Double(e.occurredAt.milliseconds) / 1000) : begin.addingTimeInterval(Double(i + 1) / rate)
            if due.timeIntervalSinceNow > 0 { Thread.sleep(until: due) }
        }
        try producer.flush(timeoutMs: 10_000)
        let produced = Double(total) / Date().timeIntervalSince(begin)
        Thread.sleep(forTimeInterval: 1)
        pipeline.stop()
        done.wait()
        let status = pipeline.status
        // Freed now, before the broker stops at the end of `run`: clients still connected then
        // log its disappearance as errors.
        _ = consume pipeline
        _ = consume producer
        let sorted = samples.sorted
        guard !sorted.isEmpty else { print("latency: no outputs measured"); return }
        func q(_ p: Double) -> Double { Self.quantile(sorted, p) }
        print(String(format: "latency at %.0f events/s%@ (%d partitions, %d events, 2 s of warm-up not counted; %d outputs; millisecond clock; fetch.wait.max.ms %d; %@ linger.ms %d): p50 %.0f ms, p99 %.0f ms, p99.9 %.0f ms, max %.0f ms",
                     produced, realtime ? ", event time = wall time" : "", partitions, total, sorted.count, fetchWaitMs, lingerMs == nil ? "the daemon's producer settings," : "the daemon's producer settings but", lingerMs ?? Pipeline.defaultProducerLingerMs, q(0.5), q(0.99), q(0.999), sorted.last!))
        for (part, values) in [
            ("produced → polled by Moments (producer's linger, broker, fetch)", beforePoll),
            ("polled → handed to the producer (Moments: decode, engine, encode of its batch)", withinMoments),
            ("handed to the producer → acknowledged (producer, broker, delivery report)", afterHandOff),
        ] {
            let v = values.sorted
            print(String(format: "  %@: p50 %.0f ms, p99 %.0f ms, p99.9 %.0f ms", part, Self.quantile(v, 0.5), Self.quantile(v, 0.99), Self.quantile(v, 0.999)))
        }
        // What the run produced beside its outputs: one state record per customer changed in a
        // commit interval, so at event time = wall time nearly one an event (a customer's events
        // are seconds apart), where a run that reads a backlog writes one per customer.
        let events = Double(max(status.eventsProcessed, 1))
        print(String(format: "  outputs %d (%.2f an event); state records %d (%.2f an event; commit_interval %d ms)",
                     status.outputsDelivered, Double(status.outputsDelivered) / events, status.stateRecordsWritten,
                     Double(status.stateRecordsWritten) / events, config.commitInterval.milliseconds))
        let late = timerLateness.sorted
        if realtime && !late.isEmpty {
            print(String(format: "timer alerts after their deadline (%d alerts fired by the clock): p50 %.0f ms, p99 %.0f ms, max %.0f ms",
                         late.count, Self.quantile(late, 0.5), Self.quantile(late, 0.99), late.last!))
        }
    }

    /// The value at fraction `p` of `sorted` (nearest rank), which must not be empty.
    static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    final class WarmUp: @unchecked Sendable {
        private let lock = NSLock()
        private var end = Int64.max
        var value: Int64 {
            get { lock.lock(); defer { lock.unlock() }; return end }
            set { lock.lock(); end = newValue; lock.unlock() }
        }
    }

    final class Samples: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Double] = []
        func add(_ v: Double) { lock.lock(); values.append(v); lock.unlock() }
        var sorted: [Double] { lock.lock(); defer { lock.unlock() }; return values.sorted() }
    }
}
