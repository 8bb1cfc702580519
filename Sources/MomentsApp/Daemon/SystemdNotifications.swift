import MomentsCore
import MomentsRuntime
import ServiceLifecycle

/// Keeps systemd told (`SystemdNotifier`): ready once the daemon's services run, what the
/// pipeline is doing as `STATUS=` whenever that changes (`systemctl status` shows it), and
/// `WATCHDOG=1` while the pipeline thread shows signs of life (`Pipeline+Liveness`), so that a
/// unit's `WatchdogSec=` restarts a daemon whose pipeline is stuck. First in the service group,
/// so stopped last: it goes on feeding the watchdog, and saying so, while the pipeline drains.
struct SystemdNotifications: Service {
    let notifier: SystemdNotifier
    let status: @Sendable () -> PipelineStatus
    let stallTimeout: Duration
    /// The interval systemd expects a `WATCHDOG=1` within; nil when it expects none.
    let watchdog: Duration?

    /// How often the status is looked at: every 5 s, and twice per watchdog interval (as
    /// sd_watchdog_enabled(3) advises), at most every 10 ms.
    var period: Duration {
        guard let watchdog else { return .seconds(5) }
        return Duration(milliseconds: max(10, min(5000, watchdog.milliseconds / 2)))
    }

    func run() async throws {
        var said = Self.statusLine(status(), stallTimeout: stallTimeout)
        notifier.ready(status: said)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(period.milliseconds)) }
            let current = status()
            let line = Self.statusLine(current, stallTimeout: stallTimeout)
            var fields: [String] = []
            if watchdog != nil && current.stalled(limit: stallTimeout) == nil { fields.append("WATCHDOG=1") }
            if line != said { fields.append("STATUS=\(line)") }
            if !fields.isEmpty { notifier.send(fields) }
            said = line
        }
        notifier.stopping(status: "stopped")
    }

    /// What `systemctl status` shows: the pipeline's state in a line.
    static func statusLine(_ s: PipelineStatus, stallTimeout: Duration) -> String {
        if let silent = s.stalled(limit: stallTimeout) {
            return "stalled: the pipeline thread has shown no sign of life for \(silent.milliseconds / 1000) s"
        }
        let counts = "\(s.eventsProcessed) events, \(s.outputsDelivered) outputs, \(s.deadLettered) dead-lettered"
        if s.stopRequested { return "stopping: \(s.outputsInFlight) outputs in flight; \(counts)" }
        guard s.running else { return "starting: connecting to the brokers" }
        var line: String
        if s.assigned.isEmpty {
            line = "running: no partitions assigned yet"
        } else if s.restoringPartitions > 0 {
            line = "restoring \(s.restoringPartitions) of \(Self.partitions(s.assigned.count))"
        } else {
            line = "ready: \(Self.partitions(s.assigned.count))"
        }
        if !s.brokerReachable { line += "; no broker answers" }
        if s.inputPaused { line += "; input paused, \(s.outputsInFlight) outputs wait for the broker" }
        return "\(line); \(counts)"
    }

    static func partitions(_ n: Int) -> String { n == 1 ? "1 partition" : "\(n) partitions" }
}
