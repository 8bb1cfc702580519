import CoreMetrics
import Kafka
import Metrics
import MomentsCore

/// The pipeline's Prometheus-style metrics, through swift-metrics (the daemon bootstraps the
/// Prometheus backend). Handles are cached per label set: creating one takes a lock in the factory,
/// and the pipeline thread touches these for every event.
final class PipelineMetrics: @unchecked Sendable {
    private let factory: any MetricsFactory
    private var counters: [MetricKey: Counter] = [:]
    private var gauges: [MetricKey: Gauge] = [:]
    let latency: Metrics.Timer

    init(factory: any MetricsFactory) {
        self.factory = factory
        latency = Metrics.Timer(label: "moments_processing_latency_seconds", dimensions: [], preferredDisplayUnit: .seconds, factory: factory)
    }

    func count(_ name: String, _ labels: [(String, String)] = [], by n: Int = 1) {
        count(MetricKey(name, labels: labels), by: n)
    }

    func count(_ key: MetricKey, by n: Int = 1) {
        if let c = counters[key] { c.increment(by: n); return }
        let c = Counter(label: key.name, dimensions: key.dimensions, factory: factory)
        counters[key] = c
        c.increment(by: n)
    }

    func gauge(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        let key = MetricKey(name, labels: labels)
        if let g = gauges[key] { g.record(value); return }
        let g = Gauge(label: name, dimensions: labels, factory: factory)
        gauges[key] = g
        g.record(value)
    }

    /// Counts an acknowledged output by what it is (keys built without an array per output).
    /// The output is read in its box: taken out as a value, all its strings were retained.
    func delivered(_ record: OutputRecord, _ box: OutputBox?) {
        count(MetricKey("moments_outputs_produced_total", ("topic", record.topic)))
        guard let box else { return }
        switch box.output {
        case .alert(let a):
            count(MetricKey("moments_moments_detected_total", ("rule", a.moment.rule), ("kind", a.moment.kind.rawValue), ("queue", a.moment.queue ?? "none")))
        case .recovery(let r):
            count(MetricKey("moments_recovery_actions_total", ("rule", r.rule), ("action", r.action)))
        case .coaching(let c):
            count(MetricKey("moments_coaching_signals_total", ("rule", c.rule), ("kind", c.kind.rawValue)))
        }
    }
}
