import Dispatch
import MomentsCore
import MomentsRuntime
import ServiceLifecycle

/// Keeps systemd told (`SystemdNotifier`): what the pipeline is doing as `STATUS=` whenever that
/// changes (`systemctl status` shows it), `STOPPING=1` once a stop begins, and `WATCHDOG=1`
/// while the pipeline thread shows signs of life (`Pipeline+Liveness`), so that a unit's
/// `WatchdogSec=` restarts a daemon whose pipeline is stuck. First in the service group, so
/// stopped last: it goes on saying what the pipeline does while it drains (systemd stops
/// watching once told `STOPPING=1`).
/// `READY=1` comes from here only without the admin endpoint; with it, once the endpoint
/// listens (`Daemon`), so that a port another process holds fails the start instead of
/// following a successful one.
struct SystemdNotifications: Service {
    let notifier: SystemdNotifier
    let status: @Sendable () -> PipelineStatus
    let stallTimeout: Duration
    /// The interval systemd expects a `WATCHDOG=1` within; nil when it expects none.
    let watchdog: Duration?
    /// Whether this service says `READY=1` (no admin endpoint to wait for).
    let saysReady: Bool

    /// How often the status is looked at: every 5 s, and twice per watchdog interval (as
    /// sd_watchdog_enabled(3) advises), at most every 10 ms.
    var period: Duration {
        guard let watchdog else { return .seconds(5) }
        return Duration(milliseconds: max(10, min(5000, watchdog.milliseconds / 2)))
    }

    func run() async throws {
        if saysReady { notifier.ready(status: Self.statusLine(status(), stallTimeout: stallTimeout)) }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(period.milliseconds)) }
            let fields = Self.nextFields(
                status(), stallTimeout: stallTimeout, feedsWatchdog: watchdog != nil, lastStatus: notifier.lastStatus, saidStopping: notifier.saidStopping,
                readyOwed: notifier.readyOwed)
            if !fields.isEmpty { notifier.send(fields) }
        }
        notifier.stopping(status: "stopped")
    }

    /// What one look at the pipeline's status tells systemd: `READY=1` when it is owed (its
    /// datagram was dropped), `WATCHDOG=1` while the pipeline is not stalled (and a watchdog is
    /// kept), `STOPPING=1` the first time a stop is asked for (by a signal, which said so
    /// already, or by the pipeline itself on an error it cannot go on from), and the status line
    /// when it differs from the last one sent (a reload's too). `nowNs`: the monotonic clock's
    /// nanoseconds (tests name an instant).
    static func nextFields(
        _ s: PipelineStatus, stallTimeout: Duration, feedsWatchdog: Bool, lastStatus: String?, saidStopping: Bool, readyOwed: Bool = false,
        nowNs: UInt64 = DispatchTime.now().uptimeNanoseconds
    ) -> [String] {
        var fields: [String] = readyOwed && !s.stopRequested ? ["READY=1"] : []
        if s.stopRequested && !saidStopping { fields.append("STOPPING=1") }
        if feedsWatchdog && s.stalled(limit: stallTimeout, nowNs: nowNs) == nil { fields.append("WATCHDOG=1") }
        let line = statusLine(s, stallTimeout: stallTimeout, nowNs: nowNs)
        if line != lastStatus { fields.append("STATUS=\(line)") }
        return fields
    }

    /// What `systemctl status` shows: the pipeline's state in a line.
    static func statusLine(_ s: PipelineStatus, stallTimeout: Duration, nowNs: UInt64 = DispatchTime.now().uptimeNanoseconds) -> String {
        if let silent = s.stalled(limit: stallTimeout, nowNs: nowNs) {
            return PipelineStatus.stallDescription(silent)
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
