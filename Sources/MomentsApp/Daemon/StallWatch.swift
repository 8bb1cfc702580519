import Dispatch
import Logging
import Metrics
import MomentsCore
import MomentsRuntime
import ServiceLifecycle

/// Says when the pipeline thread stalls (`Pipeline+Liveness`) and when it goes on: an error in
/// the log and `moments_pipeline_stalled` at 1, then a notice and 0. `/healthz` answers 503 for
/// as long, and a liveness probe or systemd's watchdog restarts the daemon, but nothing said why
/// in the log or the metrics: a restart was all an operator saw. Looks every few seconds, on
/// its own task, since the stalled thread cannot say it is.
struct StallWatch: Service {
    let reporter: StallReporter
    let period: Duration

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(period.milliseconds)) }
            reporter.look()
        }
    }
}

/// One look at a time (`StallWatch`), with what the last one found.
final class StallReporter: @unchecked Sendable {
    private let status: @Sendable () -> PipelineStatus
    private let stallTimeout: Duration
    private let logger: Logger
    private let gauge: Gauge
    /// Only `StallWatch`'s task looks.
    private var stalled = false

    init(status: @escaping @Sendable () -> PipelineStatus, stallTimeout: Duration, logger: Logger, metricsFactory: any MetricsFactory) {
        self.status = status
        self.stallTimeout = stallTimeout
        self.logger = logger
        gauge = Gauge(label: "moments_pipeline_stalled", factory: metricsFactory)
        gauge.record(0)
    }

    /// `nowNs`: the monotonic clock's nanoseconds (tests name an instant).
    func look(nowNs: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        let silent = status().stalled(limit: stallTimeout, nowNs: nowNs)
        switch (stalled, silent) {
        case (false, let silent?):
            logger.error("the pipeline thread has shown no sign of life for longer than processing.stall_timeout; /healthz answers 503 and systemd's watchdog is no longer fed, so the daemon will be restarted (what was not committed is processed again)", metadata: [
                "silent_ms": "\(silent.milliseconds)", "stall_timeout_ms": "\(stallTimeout.milliseconds)",
            ])
        case (true, nil):
            logger.notice("the pipeline thread goes on again; /healthz answers 200")
        default:
            break
        }
        stalled = silent != nil
        gauge.record(stalled ? 1 : 0)
    }
}
