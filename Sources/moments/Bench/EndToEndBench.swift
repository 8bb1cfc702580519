import Foundation
import Kafka
import KafkaMock
import MomentsApp
import MomentsCore
import MomentsRuntime
import MomentsSimulation

/// Events per second through the embedded broker over TCP — consume, engine, produce outputs
/// and state, commit — against a plain librdkafka consumer that only reads and touches the same
/// records from the same broker, in the same run. The ratio is the figure.
struct EndToEndBench {
    let rules: RuleSet
    let events: Int
    let runs: Int
    var changelog = true
    var engineThreads: Int?
    /// The pipeline producer's `linger.ms`; nil for the daemon's default.
    var lingerMs: Int?
    /// Parts the attribution runs leave out (`PipelineHooks.leaveOut`), each run beside the
    /// whole pipeline; none for the figure alone.
    var leaveOut: [PipelineWork] = []
    /// Of each output topic; the input has `partitions`.
    var outputPartitions = 8
    /// Of the input topic.
    var partitions = 8

    /// The most events a run reads from each input partition. librdkafka's mock cluster keeps at
    /// most 5 MiB of a partition's log and deletes the oldest message sets beyond it
    /// (`rdkafka_mock.c`, not configurable in 2.0.2): 8 partitions hold about 110,000–120,000
    /// events of the reference workload (keys hash unevenly), and a longer run waited for ever
    /// for events the broker no longer had (125,000 did; until 2026-12-06 that was taken for
    /// fetches slowing down as the logs grew).
    static let maxEventsPerPartition = 12_500

    /// `asked`, or the most a run on `partitions` input partitions can read, saying so when it is less.
    static func events(asked: Int, partitions: Int) -> Int {
        let most = maxEventsPerPartition * partitions
        guard asked > most else { return asked }
        print("end-to-end: --events \(asked) capped at \(most): the embedded broker keeps at most 5 MiB of each input partition's log, about \(maxEventsPerPartition) events of the reference workload (more with --partitions)")
        return most
    }

    func run() throws {
        let stream = TrafficSimulator.events(options: SimulationOptions(seed: 7), count: events)
        let topics = OutputTopics()
        let broker = try EmbeddedBroker(topics: ["interactions"], partitions: partitions)
        for topic in topics.all { try broker.cluster.createTopic(topic, partitions: outputPartitions) }
        try preload(stream, into: broker)
        print("end-to-end: \(events) events preloaded on \(partitions) partitions of the embedded broker, \(outputPartitions) partitions to each output topic; \(runs) runs each after a warm-up; the pipeline producer's linger.ms \(lingerMs ?? Pipeline.defaultProducerLingerMs)")
        // The whole pipeline first, then each attribution variant, all in every run: a part's
        // cost is the difference within one run, as the machine's speed drifts between runs.
        let variants: [PipelineWork?] = [nil] + leaveOut
        for part in leaveOut { print("  attribution: the pipeline also runs without \(Self.describe(part)), to tell what that part costs") }

        // Not measured: the first run pays for connections, metadata and the first allocations.
        print("  warm-up, not counted:")
        _ = try plainConsumer(broker, group: "plain-warm-up")
        for part in variants { _ = try pipeline(broker, group: "bench-warm-up\(Self.suffix(part))", leaving: part) }
        print("  measured runs:")
        var plain: [RunFigures] = []
        var moments: [[RunFigures]] = variants.map { _ in [] }
        var stopShares: [Double] = []
        for run in 0..<runs {
            plain.append(try plainConsumer(broker, group: "plain-\(run)"))
            for (i, part) in variants.enumerated() {
                let (figures, stopShare) = try pipeline(broker, group: "bench-\(run)\(Self.suffix(part))", leaving: part)
                moments[i].append(figures)
                if part == nil { stopShares.append(stopShare) }
            }
        }
        func range(_ xs: [Double]) -> String { String(format: "runs %.0f–%.0f", xs.min()!, xs.max()!) }
        let p = plain.map(\.rate).median
        let plainCPU = plain.map(\.cpuPerEvent).median
        print(String(format: "  plain librdkafka consumer: %.0f events/s (median; %@); cores busy %.2f (median, broker included)", p, range(plain.map(\.rate)), plain.map(\.cores).median))
        let wholeCPU = moments[0].map(\.cpuPerEvent).median
        for (i, part) in variants.enumerated() {
            let rates = moments[i].map(\.rate)
            let what = part.map { "without \(Self.describe($0))" } ?? "consume, engine, produce outputs\(changelog ? " and state" : ""), commit"
            print(String(format: "  moments pipeline (\(what)): %.0f events/s (median; %@); cores busy %.2f", rates.median, range(rates), moments[i].map(\.cores).median))
            print(String(format: "  ratio\(part == nil ? "" : " without it"): %.0f%% of the plain consumer", rates.median / p * 100))
            // Each run's pipeline against the plain consumer's run of the same measured run (the
            // one just before the whole pipeline's, and before the attribution variants'): the
            // machine's speed drifts between runs, so their spread says how far the ratio above
            // can be trusted.
            let pairs = zip(moments[i], plain).map { $0.rate / $1.rate * 100 }
            print(String(format: "  ratio run by run (each against the plain consumer's run of the same round): median %.0f%%, runs %.0f–%.0f%%", pairs.median, pairs.min()!, pairs.max()!))
            // The CPU an event costs, every thread of the process counted: less swayed by how
            // busy the machine is than the rates, and what a faster Moments must bring down.
            let cpu = moments[i].map(\.cpuPerEvent).median
            print(String(format: "  CPU per event (median, all threads): moments %.2f µs, plain consumer %.2f µs: %.1f×", cpu, plainCPU, cpu / plainCPU))
            print(String(format: "  CPU per event over the pipeline's whole run (median; its start, the group join included, to its last commit; every event): %.2f µs", moments[i].compactMap(\.wholeRunCPUPerEvent).median))
            if part != nil {
                // Run by run, the whole pipeline's CPU an event less this variant's.
                let costs = zip(moments[0], moments[i]).map { $0.cpuPerEvent - $1.cpuPerEvent }
                print(String(format: "  what it costs: %.2f µs of CPU an event (median of the runs' differences), %.0f%% of the whole pipeline's", costs.median, costs.median / wholeCPU * 100))
            }
        }
        // Runs of 100,000 events (the default) end before the first periodic checkpoint: the stop
        // writes the state of every customer the run touched, so this share is the changelog's
        // cost, mostly.
        print(String(format: "  of a pipeline run, the stop (last state written, acknowledged, committed): %.0f%% (median)", stopShares.median * 100))
    }

    static func describe(_ part: PipelineWork) -> String {
        switch part {
        case .engine: "the engine, and so the outputs (records committed unread)"
        case .outputs: "producing outputs (encoded, then dropped; dead letters still produced)"
        }
    }

    static func suffix(_ part: PipelineWork?) -> String { part.map { "-without-\($0.rawValue)" } ?? "" }

    /// Produces the stream to the input topic. A function of its own so the producer is gone
    /// before the broker stops: alive at the end of `run`, it logged the broker's disappearance
    /// as errors.
    private func preload(_ stream: [SimulatedEvent], into broker: EmbeddedBroker) throws {
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": broker.bootstrapServers, "linger.ms": "20"]), onDelivery: { _ in })
        for (i, e) in stream.enumerated() {
            try producer.produce(topic: "interactions", key: Array(e.key.utf8), value: Array(e.json.utf8), token: UInt64(i))
            if i % 1000 == 0 { producer.poll(timeoutMs: 0) }
        }
        try producer.flush(timeoutMs: 60_000)
    }

    /// What one measured run gave.
    struct RunFigures {
        var rate: Double
        /// Cores the process kept busy over the run.
        var cores: Double
        /// CPU microseconds an event cost, all threads.
        var cpuPerEvent: Double
        /// The same over a pipeline's whole run, from its start (the group join included) to
        /// its last commit, every event counted: the measured window begins at the first count
        /// the pipeline publishes, after its first pass, so it leaves out more of the first,
        /// costliest events when a pass is longer (bigger batches), and this does not.
        var wholeRunCPUPerEvent: Double? = nil
    }

    /// Prints a run's figures by kind of thread, and returns them.
    private func report(_ label: String, events: Int, seconds: Double, cpu: ProcessCPU, pressure: CPUPressure?) -> RunFigures {
        let byKind = ProcessCPU.now().since(cpu)
        let total = byKind.values.reduce(0, +)
        let perEvent = { (cpu: Double) in cpu / Double(events) * 1e6 }
        let kinds = byKind.sorted { $0.value > $1.value }.map { String(format: "%@ %.2f", $0.key, perEvent($0.value)) }.joined(separator: ", ")
        let waited = pressure.flatMap { p in CPUPressure.now().map { $0.share(since: p, over: seconds) } }
        print(String(format: "    %@: %.0f events/s; CPU per event %.2f µs (%@); cores busy %.2f", label, Double(events) / seconds, perEvent(total), kinds, total / seconds)
            + (waited.map { String(format: "; a runnable thread waited for a core %.0f%% of the run", $0 * 100) } ?? ""))
        return RunFigures(rate: Double(events) / seconds, cores: total / seconds, cpuPerEvent: perEvent(total))
    }

    /// Reads every record, touching its bytes; rate from the first record to the last, and the
    /// CPU the process used meanwhile. (Until 2026-12-05 it read each record into arrays of its own.)
    func plainConsumer(_ broker: EmbeddedBroker, group: String) throws -> RunFigures {
        let consumer = try KafkaConsumer(configuration: KafkaConfiguration([
            "bootstrap.servers": broker.bootstrapServers, "group.id": group, "auto.offset.reset": "earliest", "fetch.wait.max.ms": "10",
        ]))
        try consumer.subscribe(topics: ["interactions"])
        var n = 0, checksum = 0
        var start: Date?
        var startCPU = ProcessCPU()
        var startPressure: CPUPressure?
        // Read as the pipeline reads (`poll(timeoutMs:appendingTo:)`), each batch's bytes in one
        // buffer, which is emptied, not freed, after as many records as a pipeline batch holds.
        var bytes: [UInt8] = []
        while n < events {
            if n % PipelineConfiguration.defaultBatchSize == 0 { bytes.removeAll(keepingCapacity: true) }
            guard let r = try consumer.poll(timeoutMs: 100, appendingTo: &bytes) else { continue }
            if start == nil { start = Date(); startCPU = ProcessCPU.now(); startPressure = CPUPressure.now() }
            if let value = r.value { checksum &+= bytes[value].reduce(0) { $0 &+ Int($1) } }
            n += 1
        }
        let seconds = Date().timeIntervalSince(start!)
        let figures = report("plain consumer", events: n, seconds: seconds, cpu: startCPU, pressure: startPressure)
        consumer.close()
        precondition(checksum != 0)
        return figures
    }

    /// The daemon's pipeline on the same records; rate from its first published count of
    /// processed events (those not counted) to the commit of the last offset, in the graceful stop asked for once every event is processed and every output
    /// acknowledged: the stop writes the state that reflects the last events, waits for its
    /// acknowledgement and commits. Ending at the last acknowledged output instead measured the
    /// state's cost only in runs long enough to cross a checkpoint (one a second): with a
    /// changelog, runs came out near 65,000 or near 130,000 events/s depending on that alone.
    /// Returns the run's figures and the share of it the stop took (its last checkpoint and commit).
    func pipeline(_ broker: EmbeddedBroker, group: String, leaving leaveOut: PipelineWork?) throws -> (RunFigures, stopShare: Double) {
        let topics = OutputTopics()
        if changelog { try broker.cluster.createTopic("\(group)-state-changelog", partitions: partitions) }
        var config = PipelineConfiguration(
            consumerProperties: ["bootstrap.servers": broker.bootstrapServers, "group.id": group, "fetch.wait.max.ms": "10"],
            producerProperties: ["bootstrap.servers": broker.bootstrapServers].merging(lingerMs.map { ["linger.ms": "\($0)"] } ?? [:]) { $1 },
            inputTopics: ["interactions"],
            routing: topics.routing)
        config.wallClockAdvance = false
        if let engineThreads { config.engineThreads = engineThreads }
        config.changelogTopic = changelog ? "\(group)-state-changelog" : nil
        var hooks = PipelineHooks()
        hooks.leaveOut = leaveOut
        let pipeline = Pipeline(configuration: config, rules: rules, hooks: hooks, metricsFactory: DaemonMetrics.factory())
        let done = DispatchSemaphore(value: 0)
        let startOfRunCPU = ProcessCPU.now()
        pipeline.runInBackground { _ in done.signal() }
        var start: Date?
        var startCPU = ProcessCPU()
        var startPressure: CPUPressure?
        // The events the pipeline had processed when its first count was published, before
        // `start`: not part of the rate (a pass of several batches publishes its count at its end).
        var before = 0
        while true {
            let s = pipeline.status
            if start == nil && s.eventsProcessed > 0 { start = Date(); startCPU = ProcessCPU.now(); startPressure = CPUPressure.now(); before = s.eventsProcessed }
            // Every event processed and every output acknowledged: now the stop. (An
            // attribution run may produce none.)
            if s.eventsProcessed >= events && s.outputsInFlight == 0 && (s.outputsDelivered > 0 || leaveOut != nil) { break }
            Thread.sleep(forTimeInterval: 0.001)
        }
        let processedAt = Date()
        pipeline.stop()
        // Done when the committed offsets cover every event (the group's commits start at 0):
        // after the state's acknowledgement with a changelog. Leaving the group is not counted.
        let deadline = Date().addingTimeInterval(60)
        while pipeline.status.committed.values.reduce(0, +) < Int64(events) {
            precondition(Date() < deadline, "the stop did not commit every offset within 60 s")
            Thread.sleep(forTimeInterval: 0.001)
        }
        let end = Date()
        let seconds = end.timeIntervalSince(start!)
        let wholeRun = ProcessCPU.now().since(startOfRunCPU).values.reduce(0, +) / Double(events) * 1e6
        var figures = report("pipeline" + (leaveOut.map { " without \($0.rawValue)" } ?? ""), events: events - before, seconds: seconds, cpu: startCPU, pressure: startPressure)
        figures.wholeRunCPUPerEvent = wholeRun
        // Where a slow run's time went: processing the events, or the stop after it (a run that
        // waited rather than computed shows here; 2026-12-07's stall was in the processing).
        done.wait()
        let written = pipeline.status.stateRecordsWritten
        print(String(format: "      processed in %.0f ms, then the stop in %.0f ms%@", processedAt.timeIntervalSince(start!) * 1000, end.timeIntervalSince(processedAt) * 1000,
                     changelog ? String(format: "; state records %d (%.2f an event)", written, Double(written) / Double(events)) : ""))
        precondition(!changelog || leaveOut == .engine || written > 0, "no state was written")
        return (figures, end.timeIntervalSince(processedAt) / seconds)
    }
}
