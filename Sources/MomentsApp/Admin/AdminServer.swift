import Hummingbird
import Logging
import MomentsCore

/// The admin endpoint's HTTP server: the router (`AdminRouter`) served on `admin.listen`, with
/// connections left without a request for `admin.idle_timeout` closed, a request's whole time
/// and the connections open at once bounded (`AdminConnectionGuard`).
public enum AdminServer {
    /// `onRunning`: once it listens (the daemon then tells systemd it is ready).
    public static func make(
        router: Router<BasicRequestContext>, settings: AdminSettings, logger: Logger, maxConnections: Int = AdminServer.maxConnections,
        onRunning: @escaping @Sendable () -> Void = {}
    ) -> some ApplicationProtocol {
        let budget = AdminConnectionGuard.ConnectionBudget(limit: maxConnections)
        return Application(
            router: router,
            // Hummingbird closes a connection that has read no part of a request for this long
            // (a head arrives whole, so one sent a byte at a time counts as none), unless a
            // response is being written. The guard bounds the rest: a request's whole time, and
            // the connections open at once (`AdminConnectionGuard`).
            server: .http1(configuration: .init(
                additionalChannelHandlers: [AdminConnectionGuard(
                    requestLimit: .milliseconds(requestLimit(settings).milliseconds),
                    firstRequestLimit: .milliseconds(firstRequestLimit(settings).milliseconds), budget: budget)],
                idleTimeout: .milliseconds(settings.idleTimeout.milliseconds))),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "moments"),
            onServerRunning: { _ in onRunning() },
            logger: logger)
    }

    /// Connections open at once: Prometheus, probes and an operator's few need a handful;
    /// well below a process's usual 1,024 file descriptors, which the Kafka clients share.
    public static let maxConnections = 256
    /// How soon a new connection's first request must begin: 10 s (a scraper or a probe sends
    /// it at once), or the idle timeout if that is shorter.
    static func firstRequestLimit(_ settings: AdminSettings) -> MomentsCore.Duration {
        MomentsCore.Duration(milliseconds: min(settings.idleTimeout.milliseconds, 10_000))
    }
    /// The longest one request may take, from its head to the end of its body and of its
    /// answer: 30 s (a scrape's answer is milliseconds; Prometheus gives up after 10 s), or the
    /// idle timeout if that is shorter.
    static func requestLimit(_ settings: AdminSettings) -> MomentsCore.Duration {
        MomentsCore.Duration(milliseconds: min(settings.idleTimeout.milliseconds, 30_000))
    }
}
