import Foundation
import Kafka
import MomentsApp
import MomentsCore
import MomentsRuntime
import MomentsSimulation

/// The outputs' way to the broker alone, without the pipeline: the reference workload's own
/// outputs (their topics, keys, values and headers) produced to the embedded broker with the
/// daemon's producer settings, as fast as one thread produces them, every delivery report
/// served. Each variant caps how many messages a produce request may carry
/// (`batch.num.messages`) or leaves the headers out; the CPU a message costs in each, measured in
/// the same run, is what librdkafka and the broker alone spend on an output, and how that grows
/// as requests carry fewer (the end-to-end pipeline's carry about 29).
struct ProduceBench {
    let rules: RuleSet
    let messages: Int
    let runs: Int
    /// Of each output topic.
    let partitions: Int

    struct Variant {
        let label: String
        /// `batch.num.messages`; nil for librdkafka's default (10,000).
        let perRequest: Int?
        var headers = true
    }

    static let variants = [
        Variant(label: "as librdkafka batches them", perRequest: nil),
        Variant(label: "at most 100 a request", perRequest: 100),
        Variant(label: "at most 29 a request", perRequest: 29),
        Variant(label: "at most 8 a request", perRequest: 8),
        Variant(label: "as librdkafka batches them, without headers", perRequest: nil, headers: false),
    ]

    func run() throws {
        let records = Self.outputs(rules: rules)
        let bytes = records.reduce(0) { $0 + ($1.value?.count ?? 0) + ($1.key?.count ?? 0) }
        let topics = OutputTopics()
        let broker = try EmbeddedBroker(topics: topics.all, partitions: partitions)
        print("produce: \(messages) messages a run, cycling through the \(records.count) outputs of 100,000 events of the reference workload (\(bytes / records.count) bytes of key and value each, two headers) to the output topics' \(partitions) partitions of the embedded broker; the daemon's producer settings (linger.ms \(Pipeline.defaultProducerLingerMs), idempotence); \(runs) runs each after a warm-up")
        print("  warm-up, not counted:")
        for v in Self.variants { _ = try produce(records, to: broker, v) }
        print("  measured runs:")
        var cpu: [[Double]] = Self.variants.map { _ in [] }
        for round in 0..<runs {
            // Each round starts one variant later, so that none always runs first, right after
            // the warm-up or the previous round.
            for k in 0..<Self.variants.count {
                let i = (round + k) % Self.variants.count
                cpu[i].append(try produce(records, to: broker, Self.variants[i]))
            }
        }
        let medians = cpu.map(\.median)
        for (v, m) in zip(Self.variants, medians) {
            print(String(format: "  %@: CPU per message %.2f µs (median; %.2f× the first)", v.label, m, m / medians[0]))
        }
        print(String(format: "  the two headers: %.2f µs a message", medians[0] - medians[Self.variants.count - 1]))
    }

    /// Produces `messages` of `records` in order and serves every delivery report; the CPU a
    /// message cost the whole process (librdkafka's threads and the broker's included), in µs.
    private func produce(_ records: [OutputRecord], to broker: EmbeddedBroker, _ variant: Variant) throws -> Double {
        var props = Pipeline.producerProperties(["bootstrap.servers": broker.bootstrapServers])
        if let n = variant.perRequest { props["batch.num.messages"] = "\(n)" }
        var failed = 0
        let producer = try KafkaProducer(configuration: KafkaConfiguration(props), onDelivery: { if $0.error != nil { failed += 1 } })
        // Connections and metadata first, outside the measure.
        _ = producer.prepare(topics: OutputTopics().all, timeoutMs: 5000)
        try producer.produce(topic: records[0].topic, key: records[0].key, value: records[0].value, token: 0)
        try producer.flush(timeoutMs: 5000)

        let start = Date(), startCPU = ProcessCPU.now()
        for i in 0..<messages {
            let r = records[i % records.count]
            try producer.produce(topic: r.topic, key: r.key, value: r.value, headers: variant.headers ? r.headers : [], token: UInt64(i))
            // As the pipeline serves reports between batches.
            if i % 1000 == 999 { producer.poll(timeoutMs: 0) }
        }
        while producer.outstanding > 0 { producer.poll(timeoutMs: 1) }
        let seconds = Date().timeIntervalSince(start)
        let byKind = ProcessCPU.now().since(startCPU)
        precondition(failed == 0, "\(failed) messages were not delivered")
        let total = byKind.values.reduce(0, +)
        let perMessage = total / Double(messages) * 1e6
        let kinds = byKind.sorted { $0.value > $1.value }.map { String(format: "%@ %.2f", $0.key, $0.value / Double(messages) * 1e6) }.joined(separator: ", ")
        print(String(format: "    %@: %.0f messages/s; CPU per message %.2f µs (%@)", variant.label, Double(messages) / seconds, perMessage, kinds))
        return perMessage
    }

    /// The reference workload's outputs as the pipeline hands them to the producer.
    static func outputs(rules: RuleSet) -> [OutputRecord] {
        let routing = OutputTopics().routing
        let decoder = EventDecoder()
        var engine = Engine(rules: rules)
        var records: [OutputRecord] = []
        for event in TrafficSimulator.events(options: SimulationOptions(seed: 7), count: 100_000) {
            guard case .success(let e) = decoder.decode(Array(event.json.utf8)) else { continue }
            records += engine.process(e).map(routing.record(for:))
        }
        return records
    }
}
