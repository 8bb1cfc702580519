import Hummingbird
import Logging
import MomentsCore

/// The admin endpoint's HTTP server: the router (`AdminRouter`) served on `admin.listen`, with
/// connections left without a request for `admin.idle_timeout` closed.
public enum AdminServer {
    /// `onRunning`: once it listens (the daemon then tells systemd it is ready).
    public static func make(
        router: Router<BasicRequestContext>, settings: AdminSettings, logger: Logger, onRunning: @escaping @Sendable () -> Void = {}
    ) -> some ApplicationProtocol {
        Application(
            router: router,
            // Hummingbird closes a connection that has read no part of a request for this long
            // (a head arrives whole, so one sent a byte at a time counts as none), unless a
            // response is being written.
            server: .http1(configuration: .init(idleTimeout: .milliseconds(settings.idleTimeout.milliseconds))),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "moments"),
            onServerRunning: { _ in onRunning() },
            logger: logger)
    }
}
