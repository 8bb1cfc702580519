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
        for run in 0..<runs {
            plain.append(try plainConsumer(broker, group: "plain-\(run)"))
            let (rate, stopShare) = try pipeline(broker, group: "bench-\(run)")
            moments.append(rate)
            stopShares.append(stopShare)
        }
        plain.sort()
        moments.sort()
        stopShares.sort()
        let p = plain[plain.count / 2], m = moments[moments.count / 2]
        print(String(format: "  plain librdkafka consumer: %.0f events/s (median; runs %.0f–%.0f)", p, plain.first!, plain.last!))
        print(String(format: "  moments pipeline (consume, engine, produce outputs\(changelog ? " and state" : ""), commit): %.0f events/s (median; runs %.0f–%.0f)", m, moments.first!, moments.last!))
        print(String(format: "  ratio: %.0f%% of the plain consumer", m / p * 100))
        // Runs of 100,000 events end before the first periodic checkpoint: the stop writes the
        // state of every customer the run touched, so this share is the changelog's cost, mostly.
        print(String(format: "  of a pipeline run, the stop (last state written, acknowledged, committed): %.0f%% (median)", stopShares[stopShares.count / 2] * 100))
    }

    /// Reads every record, touching its bytes; rate from the first record to the last.
    func plainConsumer(_ broker: EmbeddedBroker, group: String) throws -> Double {
        let consumer = try KafkaConsumer(configuration: KafkaConfiguration([
            "bootstrap.servers": broker.bootstrapServers, "group.id": group, "auto.offset.reset": "earliest", "fetch.wait.max.ms": "10",
        ]))
        try consumer.subscribe(topics: ["interactions"])
        var n = 0, checksum = 0
        var start: Date?
        while n < events {
            guard let r = try consumer.poll(timeoutMs: 100) else { continue }
            if start == nil { start = Date() }
            checksum &+= r.value?.reduce(0) { $0 &+ Int($1) } ?? 0
            n += 1
        }
        let seconds = Date().timeIntervalSince(start!)
        consumer.close()
        precondition(checksum != 0)
        return Double(n) / seconds
    }

    /// The daemon's pipeline on the same records; rate from its first event to the commit of the
    /// last offset, in the graceful stop asked for once every event is processed and every output
    /// acknowledged: the stop writes the state that reflects the last events, waits for its
    /// acknowledgement and commits. Ending at the last acknowledged output instead measured the
    /// state's cost only in runs long enough to cross a checkpoint (one a second): with a
    /// changelog, runs came out near 65,000 or near 130,000 events/s depending on that alone.
    /// Returns the rate, and the share of the run the stop took (its last checkpoint and commit).
    func pipeline(_ broker: EmbeddedBroker, group: String) throws -> (rate: Double, stopShare: Double) {
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
        while true {
            let s = pipeline.status
            if start == nil && s.eventsProcessed > 0 { start = Date() }
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
        done.wait()
        precondition(!changelog || pipeline.status.stateRecordsWritten > 0, "no state was written")
        return (Double(events) / end.timeIntervalSince(start!), end.timeIntervalSince(processedAt) / end.timeIntervalSince(start!))
    }
}
