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
    let partitions = 8

    func run() throws {
        let stream = TrafficSimulator.events(options: SimulationOptions(seed: 7), count: events)
        let topics = OutputTopics()
        let broker = try EmbeddedBroker(topics: ["interactions"] + topics.all, partitions: partitions)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": broker.bootstrapServers, "linger.ms": "20"]), onDelivery: { _ in })
        for (i, e) in stream.enumerated() {
            try producer.produce(topic: "interactions", key: Array(e.key.utf8), value: Array(e.json.utf8), token: UInt64(i))
            if i % 1000 == 0 { producer.poll(timeoutMs: 0) }
        }
        try producer.flush(timeoutMs: 60_000)
        print("end-to-end: \(events) events preloaded on \(partitions) partitions of the embedded broker; \(runs) runs each after a warm-up")

        // Not measured: the first run pays for connections, metadata and the first allocations.
        _ = try plainConsumer(broker, group: "plain-warm-up")
        _ = try pipeline(broker, group: "bench-warm-up")
        var plain: [Double] = []
        var moments: [Double] = []
        var stopShares: [Double] = []
        var plainCores: [Double] = []
        var momentsCores: [Double] = []
        for run in 0..<runs {
            let (plainRate, plainBusy) = try plainConsumer(broker, group: "plain-\(run)")
            plain.append(plainRate)
            plainCores.append(plainBusy)
            let (rate, stopShare, busy) = try pipeline(broker, group: "bench-\(run)")
            moments.append(rate)
            stopShares.append(stopShare)
            momentsCores.append(busy)
        }
        plain.sort()
        moments.sort()
        stopShares.sort()
        plainCores.sort()
        momentsCores.sort()
        let p = plain[plain.count / 2], m = moments[moments.count / 2]
        print(String(format: "  plain librdkafka consumer: %.0f events/s (median; runs %.0f–%.0f); cores busy %.2f (median, broker included)", p, plain.first!, plain.last!, plainCores[plainCores.count / 2]))
        print(String(format: "  moments pipeline (consume, engine, produce outputs\(changelog ? " and state" : ""), commit): %.0f events/s (median; runs %.0f–%.0f); cores busy %.2f", m, moments.first!, moments.last!, momentsCores[momentsCores.count / 2]))
        print(String(format: "  ratio: %.0f%% of the plain consumer", m / p * 100))
        // Runs of 100,000 events end before the first periodic checkpoint: the stop writes the
        // state of every customer the run touched, so this share is the changelog's cost, mostly.
        print(String(format: "  of a pipeline run, the stop (last state written, acknowledged, committed): %.0f%% (median)", stopShares[stopShares.count / 2] * 100))
    }

    /// Reads every record, touching its bytes; rate from the first record to the last, and the
    /// cores the process kept busy meanwhile.
    func plainConsumer(_ broker: EmbeddedBroker, group: String) throws -> (rate: Double, cores: Double) {
        let consumer = try KafkaConsumer(configuration: KafkaConfiguration([
            "bootstrap.servers": broker.bootstrapServers, "group.id": group, "auto.offset.reset": "earliest", "fetch.wait.max.ms": "10",
        ]))
        try consumer.subscribe(topics: ["interactions"])
        var n = 0, checksum = 0
        var start: Date?
        var startCPU = ProcessCPU()
        while n < events {
            guard let r = try consumer.poll(timeoutMs: 100) else { continue }
            if start == nil { start = Date(); startCPU = ProcessCPU.now() }
            checksum &+= r.value?.reduce(0) { $0 &+ Int($1) } ?? 0
            n += 1
        }
        let seconds = Date().timeIntervalSince(start!)
        let cpu = ProcessCPU.now().since(startCPU).values.reduce(0, +)
        consumer.close()
        precondition(checksum != 0)
        return (Double(n) / seconds, cpu / seconds)
    }

    /// The daemon's pipeline on the same records; rate from its first published count of
    /// processed events (those not counted) to the commit of the last offset, in the graceful stop asked for once every event is processed and every output
    /// acknowledged: the stop writes the state that reflects the last events, waits for its
    /// acknowledgement and commits. Ending at the last acknowledged output instead measured the
    /// state's cost only in runs long enough to cross a checkpoint (one a second): with a
    /// changelog, runs came out near 65,000 or near 130,000 events/s depending on that alone.
    /// Returns the rate, the share of the run the stop took (its last checkpoint and commit), and
    /// the cores the process kept busy.
    func pipeline(_ broker: EmbeddedBroker, group: String) throws -> (rate: Double, stopShare: Double, cores: Double) {
        let topics = OutputTopics()
        if changelog { try broker.cluster.createTopic("\(group)-state-changelog", partitions: partitions) }
        var config = PipelineConfiguration(
            consumerProperties: ["bootstrap.servers": broker.bootstrapServers, "group.id": group, "fetch.wait.max.ms": "10"],
            producerProperties: ["bootstrap.servers": broker.bootstrapServers],
            inputTopics: ["interactions"],
            routing: OutputRouting(alerts: topics.alerts, coaching: topics.coaching, recovery: topics.recovery, deadLetter: topics.deadLetter))
        config.wallClockAdvance = false
        if let engineThreads { config.engineThreads = engineThreads }
        config.changelogTopic = changelog ? "\(group)-state-changelog" : nil
        let pipeline = Pipeline(configuration: config, rules: rules)
        let done = DispatchSemaphore(value: 0)
        pipeline.runInBackground { _ in done.signal() }
        var start: Date?
        var startCPU = ProcessCPU()
        // The events the pipeline had processed when its first count was published, before
        // `start`: not part of the rate (a pass of several batches publishes its count at its end).
        var before = 0
        while true {
            let s = pipeline.status
            if start == nil && s.eventsProcessed > 0 { start = Date(); startCPU = ProcessCPU.now(); before = s.eventsProcessed }
            // Every event processed and every output acknowledged: now the stop.
            if s.eventsProcessed >= events && s.outputsInFlight == 0 && s.outputsDelivered > 0 { break }
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
        let byKind = ProcessCPU.now().since(startCPU)
        let cpu = byKind.values.reduce(0, +)
        print("    " + byKind.sorted { $0.value > $1.value }.map { String(format: "%@ %.2f", $0.key, $0.value / end.timeIntervalSince(start!)) }.joined(separator: ", "))
        done.wait()
        precondition(!changelog || pipeline.status.stateRecordsWritten > 0, "no state was written")
        let seconds = end.timeIntervalSince(start!)
        return (Double(events - before) / seconds, end.timeIntervalSince(processedAt) / seconds, cpu / seconds)
    }
}
