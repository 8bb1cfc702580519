import CoreMetrics
import Kafka
import Metrics
import MomentsCore

/// The pipeline's Prometheus-style metrics, through swift-metrics (the daemon bootstraps the
/// Prometheus backend). Handles are cached per label set: creating one takes a lock in the factory,
/// and the pipeline thread touches these for every event.
final class PipelineMetrics: @unchecked Sendable {
    private let factory: any MetricsFactory
    private var counters: [String: Counter] = [:]
    private var gauges: [String: Gauge] = [:]
    let latency: Metrics.Timer

    init(factory: any MetricsFactory) {
        self.factory = factory
        latency = Metrics.Timer(label: "moments_processing_latency_seconds", dimensions: [], preferredDisplayUnit: .seconds, factory: factory)
    }

    func count(_ name: String, _ labels: [(String, String)] = [], by n: Int = 1) {
        let key = Self.key(name, labels)
        if let c = counters[key] { c.increment(by: n); return }
        let c = Counter(label: name, dimensions: labels, factory: factory)
        counters[key] = c
        c.increment(by: n)
    }

    func gauge(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        let key = Self.key(name, labels)
        if let g = gauges[key] { g.record(value); return }
        let g = Gauge(label: name, dimensions: labels, factory: factory)
        gauges[key] = g
        g.record(value)
    }

    /// The cache key of a handle, built in one buffer (outputs are counted one by one).
    private static func key(_ name: String, _ labels: [(String, String)]) -> String {
        var key = name
        for (k, v) in labels { key += "|"; key += k; key += "="; key += v }
        return key
    }

    /// Counts an acknowledged output by what it is.
    func delivered(_ record: OutputRecord, _ output: Output?) {
        countDelivered(OutputCounterKey(name: "moments_outputs_produced_total", labels: ("topic", record.topic)))
        switch output {
        case .alert(let a)?:
            countDelivered(OutputCounterKey(
                name: "moments_moments_detected_total", labels: ("rule", a.moment.rule), ("kind", a.moment.kind.rawValue), ("queue", a.moment.queue ?? "none")))
        case .recovery(let r)?:
            countDelivered(OutputCounterKey(name: "moments_recovery_actions_total", labels: ("rule", r.rule), ("action", r.action)))
        case .coaching(let c)?:
            countDelivered(OutputCounterKey(name: "moments_coaching_signals_total", labels: ("rule", c.rule), ("kind", c.kind.rawValue)))
        case nil:
            break
        }
    }

    /// Per-output counters are looked up by their name and labels as they are: joining them into
    /// one key string (as `count` does) was an allocation for every acknowledged output.
    private var outputCounters: [OutputCounterKey: Counter] = [:]

    private func countDelivered(_ key: OutputCounterKey) {
        if let c = outputCounters[key] { c.increment(by: 1); return }
        let c = Counter(label: key.name, dimensions: key.dimensions, factory: factory)
        outputCounters[key] = c
        c.increment(by: 1)
    }
}

/// The identity of a per-output counter: its name and up to three labels.
private struct OutputCounterKey: Hashable {
    var name: String
    var names: (String, String, String)
    var values: (String, String, String)
    var labelCount: Int

    init(name: String, labels first: (String, String), _ second: (String, String)? = nil, _ third: (String, String)? = nil) {
        self.name = name
        names = (first.0, second?.0 ?? "", third?.0 ?? "")
        values = (first.1, second?.1 ?? "", third?.1 ?? "")
        labelCount = third != nil ? 3 : second != nil ? 2 : 1
    }

    var dimensions: [(String, String)] { Array([(names.0, values.0), (names.1, values.1), (names.2, values.2)].prefix(labelCount)) }

    static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.labelCount == b.labelCount && a.names == b.names && a.values == b.values
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(values.0); hasher.combine(values.1); hasher.combine(values.2)
    }
}
