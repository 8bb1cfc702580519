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

    /// An acknowledged output's labels, the key of its counter in `delivered`: three strings
    /// hashed, where a `MetricKey` hashed seven (the metric's name, the labels' names and
    /// values), for this and for the topic's counter: a seventh of the pipeline thread's `perf`
    /// samples in the e2e bench, at an output for every seven events (eighteenth round).
    private struct DeliveredLabels: Hashable {
        enum Family: Hashable { case alert, recovery, coaching }
        var family: Family
        var rule: String
        /// The moment's or the coaching signal's kind, or the recovery's action.
        var kind: String
        var queue: String?

        var key: MetricKey {
            switch family {
            case .alert: MetricKey("moments_moments_detected_total", ("rule", rule), ("kind", kind), ("queue", queue ?? "none"))
            case .recovery: MetricKey("moments_recovery_actions_total", ("rule", rule), ("action", kind))
            case .coaching: MetricKey("moments_coaching_signals_total", ("rule", rule), ("kind", kind))
            }
        }
    }
    private var deliveredCounters: [DeliveredLabels: Counter] = [:]
    /// One per output topic, so few: found by comparing names, not by hashing them.
    private var producedCounters: [(topic: String, counter: Counter)] = []

    /// Counts an acknowledged output by what it is. The output is read in its box: taken out
    /// as a value, all its strings were retained.
    func delivered(_ record: OutputRecord, _ box: OutputBox?) {
        producedCounter(topic: record.topic).increment()
        guard let box else { return }
        let labels = switch box.output {
        case .alert(let a): DeliveredLabels(family: .alert, rule: a.moment.rule, kind: a.moment.kind.rawValue, queue: a.moment.queue)
        case .recovery(let r): DeliveredLabels(family: .recovery, rule: r.rule, kind: r.action)
        case .coaching(let c): DeliveredLabels(family: .coaching, rule: c.rule, kind: c.kind.rawValue)
        }
        count(labels, by: 1)
    }

    /// Counts moments detected but held back (silenced, inhibited) with the delivered alerts'
    /// counter of the same labels: one place says what `moments_moments_detected_total` carries.
    func countDetected(rule: String, kind: String, queue: String?, by n: Int) {
        count(DeliveredLabels(family: .alert, rule: rule, kind: kind, queue: queue), by: n)
    }

    private func count(_ labels: DeliveredLabels, by n: Int) {
        if let c = deliveredCounters[labels] { c.increment(by: n); return }
        let key = labels.key
        let c = Counter(label: key.name, dimensions: key.dimensions, factory: factory)
        deliveredCounters[labels] = c
        c.increment(by: n)
    }

    private func producedCounter(topic: String) -> Counter {
        for entry in producedCounters where entry.topic == topic { return entry.counter }
        let c = Counter(label: "moments_outputs_produced_total", dimensions: [("topic", topic)], factory: factory)
        producedCounters.append((topic, c))
        return c
    }
}
