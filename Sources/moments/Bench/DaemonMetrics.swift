import Metrics
import Prometheus

/// The metrics a benched pipeline counts into: Prometheus, as `moments run` bootstraps them, in
/// a registry of its own. swift-metrics' default is a no-op, and with it a bench left out what
/// the daemon does for every output (its counters and the latency histogram).
enum DaemonMetrics {
    static func factory() -> any MetricsFactory { PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()) }
}
