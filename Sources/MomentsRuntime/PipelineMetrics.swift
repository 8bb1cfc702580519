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

    init(factory: any MetricsFactory, queueLabelLimit: Int = PipelineConfiguration.defaultQueueLabelLimit) {
        self.queueLabelLimit = queueLabelLimit
        self.factory = factory
        latency = Metrics.Timer(label: "moments_processing_latency_seconds", dimensions: [], preferredDisplayUnit: .seconds, factory: factory)
        for name in Self.unlabelledCounters { count(name, by: 0) }
    }

    /// Counters without labels, exported at 0 from the start: a series that first appears at 1
    /// is not seen to rise by `increase()` or `rate()`, so the first partition lost or dead
    /// letter went unnoticed by an alert on it (`deploy/`'s rules), and `/metrics` lacked them.
    static let unlabelledCounters = [
        "moments_dead_letters_total", "moments_interactions_forgotten_at_limit_total", "moments_partitions_lost_total",
        "moments_resume_lookup_retries_total", "moments_stale_deliveries_total", "moments_state_records_failed_total",
    ]

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

    /// Withdraws a gauge that describes something this instance no longer has (a revoked
    /// partition's lag): left alone, it kept exporting its last value, which another instance
    /// now exports too, and `sum by` counted it twice. The Prometheus backend unregisters it, so
    /// the series is gone from /metrics; recorded again later, it comes back.
    func removeGauge(_ name: String, _ labels: [(String, String)] = []) {
        gauges.removeValue(forKey: MetricKey(name, labels: labels))?.destroy()
    }

    /// Label values of gauge families set as a whole (`gauges(_:label:_:)`), as last set.
    private var gaugeFamilies: [String: Set<String>] = [:]

    /// Sets a family of gauges of one label (the discount budget by rule) to `values`, and
    /// withdraws those of last time that `values` no longer has: a rule left without a partition
    /// (every partition revoked) or gone from the rules otherwise kept its last value.
    func gauges(_ name: String, label: String, _ values: [String: Double]) {
        for (value, v) in values { gauge(name, [(label, value)], v) }
        for old in gaugeFamilies[name, default: []] where values[old] == nil { removeGauge(name, [(label, old)]) }
        gaugeFamilies[name] = Set(values.keys)
    }

    /// An acknowledged output's labels, the key of its counter (`counters(for:labels:)`).
    /// Taken from the output on the engine thread that made it (`init(of:)`), so that the
    /// output need not travel to the pipeline thread (`OutputFacts`), and hashed there too
    /// (`digest`): the pipeline thread, the one that bounds the pipeline's rate, then finds the
    /// counter with one word hashed and the fields compared, where `Hasher` ran SipHash over
    /// the three strings (~6 % of that thread on the alert-heavy workload, twenty-seventh
    /// round; seven strings in a `MetricKey` before the eighteenth).
    struct DeliveredLabels: Hashable, Sendable {
        enum Family: UInt8, Hashable { case alert, recovery, coaching }
        let family: Family
        let rule: String
        /// The moment's or the coaching signal's kind, or the recovery's action.
        let kind: String
        let queue: String?
        /// A hash of the four fields (`ByteHash`), made once with them.
        private let digest: UInt64

        init(family: Family, rule: String, kind: String, queue: String? = nil) {
            self.family = family; self.rule = rule; self.kind = kind; self.queue = queue
            var h = ByteHash.mixing(rule, into: UInt64(family.rawValue))
            h = ByteHash.mixing(kind, into: h)
            // An absent queue and an empty one differ: the length word of "" is mixed in, not nothing.
            if let queue { h = ByteHash.mixing(queue, into: h ^ 1) }
            digest = ByteHash.finish(h)
        }

        /// The labels `output` is counted under once acknowledged. Pure: any thread may take them.
        init(of output: borrowing Output) {
            switch output {
            case .alert(let a): self.init(family: .alert, rule: a.moment.rule, kind: a.moment.kind.rawValue, queue: a.moment.queue)
            case .recovery(let r): self.init(family: .recovery, rule: r.rule, kind: r.action)
            case .coaching(let c): self.init(family: .coaching, rule: c.rule, kind: c.kind.rawValue)
            }
        }

        /// The same labels under another queue (`PipelineMetrics.otherQueue`, past the limit).
        func withQueue(_ queue: String) -> DeliveredLabels { DeliveredLabels(family: family, rule: rule, kind: kind, queue: queue) }

        func hash(into hasher: inout Hasher) { hasher.combine(digest) }

        static func == (a: DeliveredLabels, b: DeliveredLabels) -> Bool {
            a.digest == b.digest && a.family == b.family && a.rule == b.rule && a.kind == b.kind && a.queue == b.queue
        }

        var key: MetricKey {
            switch family {
            case .alert: MetricKey("moments_moments_detected_total", ("rule", rule), ("kind", kind), ("queue", queue ?? "none"))
            case .recovery: MetricKey("moments_recovery_actions_total", ("rule", rule), ("action", kind))
            case .coaching: MetricKey("moments_coaching_signals_total", ("rule", rule), ("kind", kind))
            }
        }
    }
    /// Counters of delivered outputs, by their labels: each an index into `outputCounters`.
    /// Bounded: rules, kinds and actions come from the rules file, and queues (from the input,
    /// any string) are bounded by `queueLabelLimit`.
    private var deliveredCounters: [DeliveredLabels: Int] = [:]
    /// The queues that have a `queue` label value of their own in `moments_moments_detected_total`:
    /// the first `queueLabelLimit` this process counted a moment of (detected, silenced or
    /// inhibited); later ones count under `otherQueue`. The queue comes from the input, so every
    /// new value was a new series for good (in /metrics, in Prometheus, and a counter cached
    /// here), and input with made-up queues grew them without bound. Which queues keep their
    /// name depends on the order this process met them: another instance, or this one after a
    /// restart, may name others.
    private var labelledQueues: Set<String> = []
    /// `PipelineConfiguration.queueLabelLimit` (`admin.metrics_queue_labels`).
    let queueLabelLimit: Int
    /// The `queue` label of the moments of every later queue.
    static let otherQueue = "other"
    /// One per output topic, so few: found by comparing names, not by hashing them.
    private var producedCounters: [(topic: String, counter: Int)] = []
    /// The counters `deliveredCounters` and `producedCounters` name.
    private var outputCounters: [Counter] = []

    /// The counters an output adds to once acknowledged, found when it is handed to the
    /// producer (`counters(for:labels:)`), while its labels are in the cache: read at its delivery,
    /// milliseconds and thousands of outputs later, they missed it.
    struct DeliveredCounters {
        fileprivate var produced: Int32   // -1: none (a state record)
        fileprivate var labelled: Int32   // -1: none (a dead letter, a state record)
        static let none = DeliveredCounters(produced: -1, labelled: -1)
    }

    /// The counters `record` (with its output's labels, nil for a dead letter) adds to once acknowledged.
    func counters(for record: OutputRecord, labels: DeliveredLabels?) -> DeliveredCounters {
        let produced = producedCounter(topic: record.topic)
        guard let labels else { return DeliveredCounters(produced: Int32(produced), labelled: -1) }
        return DeliveredCounters(produced: Int32(produced), labelled: Int32(counter(labels)))
    }

    /// Counts an acknowledged output by what it is (`counters(for:labels:)`).
    func delivered(_ c: DeliveredCounters) {
        if c.produced >= 0 { outputCounters[Int(c.produced)].increment() }
        if c.labelled >= 0 { outputCounters[Int(c.labelled)].increment() }
    }

    /// Counts moments detected but held back (silenced, inhibited) with the delivered alerts'
    /// counter of the same labels: one place says what `moments_moments_detected_total` carries.
    func countDetected(rule: String, kind: String, queue: String?, by n: Int) {
        outputCounters[counter(DeliveredLabels(family: .alert, rule: rule, kind: kind, queue: queue))].increment(by: n)
    }

    private func counter(_ labels: DeliveredLabels) -> Int {
        if let index = deliveredCounters[labels] { return index }
        // Only here, where a label set is new (or a queue past the limit): the outputs of known
        // label sets, nearly all of them, pay nothing for the bound.
        var labels = labels
        if let queue = labels.queue, !labelledQueues.contains(queue) {
            if labelledQueues.count < queueLabelLimit {
                labelledQueues.insert(queue)
            } else {
                // Not cached under its own queue, or `deliveredCounters` would grow without bound
                // in its place: such outputs hash their labels twice more, every time.
                labels = labels.withQueue(Self.otherQueue)
                if let index = deliveredCounters[labels] { return index }
            }
        }
        let key = labels.key
        outputCounters.append(Counter(label: key.name, dimensions: key.dimensions, factory: factory))
        deliveredCounters[labels] = outputCounters.count - 1
        return outputCounters.count - 1
    }

    private func producedCounter(topic: String) -> Int {
        for entry in producedCounters where entry.topic == topic { return entry.counter }
        outputCounters.append(Counter(label: "moments_outputs_produced_total", dimensions: [("topic", topic)], factory: factory))
        producedCounters.append((topic, outputCounters.count - 1))
        return outputCounters.count - 1
    }
}
