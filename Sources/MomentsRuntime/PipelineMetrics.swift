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
        count("moments_outputs_produced_total", [("topic", record.topic)])
        switch output {
        case .alert(let a)?:
            count("moments_moments_detected_total", [("rule", a.moment.rule), ("kind", a.moment.kind.rawValue), ("queue", a.moment.queue ?? "none")])
        case .recovery(let r)?:
            count("moments_recovery_actions_total", [("rule", r.rule), ("action", r.action)])
        case .coaching(let c)?:
            count("moments_coaching_signals_total", [("rule", c.rule), ("kind", c.kind.rawValue)])
        case nil:
            break
        }
    }
}
