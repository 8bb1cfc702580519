import Foundation
import Hummingbird
import Logging
import Metrics
import MomentsCore
import NIOCore
import MomentsRuntime
import Prometheus
import ServiceLifecycle

/// `moments run`: the pipeline, the admin endpoint and the rules watcher in one service group.
///
/// Shutdown runs in reverse order: the pipeline drains first (stop fetching, finish in-flight
/// outputs, commit, leave the group) while `/metrics` still answers; the HTTP server goes last.
public final class Daemon: @unchecked Sendable {
    public let config: DaemonConfig
    public let pipeline: Pipeline
    public let watcher: RulesWatcher
    public let rulesState: RulesState
    public let silences: SilenceRegistry
    /// systemd's notification socket, when the daemon runs as a `Type=notify` service.
    public let systemd: SystemdNotifier?
    let group: ServiceGroup
    let logger: Logger

    /// - Parameters:
    ///   - configPath: the configuration file, re-read on reload (its rules, or the rules file it names).
    ///   - registry: where metrics are collected; `/metrics` serves it.
    public init(
        config: DaemonConfig, configPath: String, rulesText: String, registry: PrometheusCollectorRegistry,
        metricsFactory: any MetricsFactory, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.config = config
        self.logger = logger
        // Silences made through the admin endpoint are loaded first, so the engines start with them.
        let silences = SilenceRegistry(store: config.admin.stateDirectory.map(SilenceStore.init(directory:)), rules: config.rules, logger: logger)
        self.silences = silences
        // Made through the endpoint when it was on, they still mute, and nothing can list or
        // expire them now: said at every start rather than left to mute unseen.
        let unmanaged = silences.current().filter { $0.source == .admin }.map(\.silence.id)
        if !config.admin.enabled && !unmanaged.isEmpty {
            logger.warning("silences made through the admin endpoint are in force, and the endpoint is off: they cannot be listed or expired until it is on again", metadata: [
                "ids": "\(unmanaged.joined(separator: ","))", "file": "\(config.admin.stateDirectory.map { SilenceStore(directory: $0).path } ?? "-")",
            ])
        }
        let pipeline = Pipeline(
            configuration: config.pipelineConfiguration, rules: silences.rulesLoaded(config.rules), logger: logger, metricsFactory: metricsFactory)
        silences.attach { pipeline.replaceSilences($0) }
        self.pipeline = pipeline
        let state = RulesState(rules: config.rules, text: rulesText, source: config.rulesSource)
        self.rulesState = state
        self.watcher = RulesWatcher(
            load: { Daemon.loadRules(configPath: configPath, environment: environment) },
            apply: { silences.rulesLoaded($0, apply: pipeline.replaceRules) }, state: state, logger: logger, metricsFactory: metricsFactory)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        do {
            systemd = try SystemdNotifier.fromEnvironment(environment, logger: logger)
        } catch {
            logger.warning("\(error)")
            systemd = nil
        }
        let stallTimeout = config.processing.stallTimeout
        if let systemd {
            services.append(.init(service: SystemdNotifications(
                notifier: systemd, status: { pipeline.status }, stallTimeout: stallTimeout,
                watchdog: SystemdNotifier.watchdogInterval(environment), saysReady: !config.admin.enabled)))
        }
        services.append(.init(service: StallWatch(
            reporter: StallReporter(status: { pipeline.status }, stallTimeout: stallTimeout, logger: logger, metricsFactory: metricsFactory),
            period: .seconds(5))))
        if let open = config.admin.openToTheNetworkWarning { logger.warning("\(open)") }
        if config.admin.enabled {
            let router = AdminRouter.make(
                registry: registry, status: { pipeline.status }, rules: state, token: config.admin.token, silences: silences,
                stallTimeout: stallTimeout)
            let systemd = systemd
            services.append(.init(service: AdminServer.make(router: router, settings: config.admin, logger: logger) {
                systemd?.ready(status: SystemdNotifications.statusLine(pipeline.status, stallTimeout: stallTimeout))
            }))
        }
        services.append(.init(service: watcher))
        services.append(.init(service: SilenceExpiry(silences: silences)))
        services.append(.init(
            service: PipelineService(pipeline: pipeline), successTerminationBehavior: .gracefullyShutdownGroup,
            failureTerminationBehavior: .gracefullyShutdownGroup))
        var groupConfig = ServiceGroupConfiguration(services: services, logger: logger)
        groupConfig.maximumGracefulShutdownDuration = .milliseconds(config.processing.shutdownTimeout.milliseconds + 5000)
        group = ServiceGroup(configuration: groupConfig)
    }

    /// Runs until stopped; first refuses to start when the admin endpoint could not keep a
    /// silence (see `checkStateDirectory`) or cannot listen (see `checkAdminListen`).
    public func run() async throws {
        try Self.checkStateDirectory(config.admin)
        do {
            try Self.checkAdminListen(config.admin)
            try await group.run()
        } catch let error as AdminListenError {
            logger.error("\(error.description)")
            throw error
        } catch let error as IOError where error.errnoCode == EADDRINUSE || error.errnoCode == EADDRNOTAVAIL || error.errnoCode == EACCES {
            // Taken between the check and the server's own bind: the server is the only part
            // of the group that binds a socket. Said the same way, not as NIO's bare error.
            let said = AdminListenError(listen: config.admin.listen, reason: String(cString: strerror(error.errnoCode)))
            logger.error("\(said.description)")
            throw said
        }
    }

    /// The admin endpoint cannot listen on `admin.listen`. Logged by `run` before it is thrown.
    public struct AdminListenError: Error, CustomStringConvertible, LocalizedError {
        public var listen: String
        public var reason: String
        public var description: String {
            "the admin endpoint cannot listen on \(listen) (admin.listen, or MOMENTS_ADMIN_LISTEN): \(reason); is another moments running there? Stop it, or set admin.listen to a free address"
        }
        public var errorDescription: String? { description }
    }

    /// With the admin endpoint on, whether `admin.listen` can be bound, before anything starts:
    /// until 2026-12-08 a second `run` on a taken port started its pipeline, logged "stopping"
    /// and "stopped" as for a clean stop, then ended with NIO's bare `bind(descriptor:ptr:bytes:):
    /// Address already in use) (errno: 98)`, outside the log and naming neither the address nor
    /// the setting. The socket is bound as the server binds it (SO_REUSEADDR, the first address
    /// the host resolves to) and closed at once.
    public static func checkAdminListen(_ admin: AdminSettings) throws(AdminListenError) {
        guard admin.enabled else { return }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(admin.host, String(admin.port), &hints, &found)
        guard resolved == 0, let address = found?.pointee else {
            throw AdminListenError(listen: admin.listen, reason: "cannot resolve \(admin.host): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(found) }
        let fd = socket(address.ai_family, address.ai_socktype, address.ai_protocol)
        // No socket to probe with (out of descriptors?): left to the server, which says why.
        guard fd >= 0 else { return }
        defer { close(fd) }
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, address.ai_addr, address.ai_addrlen) == 0 else {
            throw AdminListenError(listen: admin.listen, reason: String(cString: strerror(errno)))
        }
    }

    /// The state directory cannot be created or written.
    public struct StateDirectoryError: Error, CustomStringConvertible, LocalizedError {
        public var description: String
        public var errorDescription: String? { description }
    }

    /// With the admin endpoint on, `admin.state_dir` must be a directory this process can
    /// create and write: otherwise every `POST /silences` answers 500, and nothing said so at
    /// start (the image's default, `/etc/moments/state`, is not writable by its user). A file is
    /// written and removed, since only that proves it (a read-only file system, another owner).
    public static func checkStateDirectory(_ admin: AdminSettings) throws(StateDirectoryError) {
        guard admin.enabled, let directory = admin.stateDirectory else { return }
        let probe = (directory as NSString).appendingPathComponent(".moments-write-check")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
                throw StateDirectoryError(description: String(cString: strerror(errno)))
            }
            try FileManager.default.removeItem(atPath: probe)
        } catch {
            throw StateDirectoryError(description: """
                cannot write the state directory \(directory) (admin.state_dir), where silences made through \
                POST /silences are kept: \(systemReason(error)). Set admin.state_dir or MOMENTS_STATE_DIR to a \
                directory this user can write, or turn the admin endpoint off (admin.enabled: false)
                """)
        }
        // Silences kept from before that cannot be read now would be written over by the next
        // POST or DELETE: refused instead, as a directory that cannot be written is.
        let file = SilenceStore(directory: directory).path
        if FileManager.default.fileExists(atPath: file), case .failure(let why) = TextFiles.bytes(atPath: file) {
            throw StateDirectoryError(description: """
                cannot read the silences file \(file) (kept by the admin endpoint): \(why). Make it readable \
                by this user, or move it away to start without the silences it holds
                """)
        }
    }

    /// What `checkStateDirectory` would find, without creating or writing anything: for
    /// `moments check`, which may run on another machine than the daemon and must leave no
    /// trace. Nil when the directory, or the nearest folder above it that exists, is writable
    /// by this user (or the admin endpoint is off).
    public static func stateDirectoryProblem(_ admin: AdminSettings) -> String? {
        guard admin.enabled, let directory = admin.stateDirectory else { return nil }
        var path = (directory as NSString).standardizingPath
        var isFolder: ObjCBool = false
        while !FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            var parent = (path as NSString).deletingLastPathComponent
            // A relative path of one part (`state`) is made in the working directory.
            if parent.isEmpty { parent = "." }
            if parent == path { return nil }
            path = parent
        }
        if !isFolder.boolValue { return "\(path) is a file, not a folder" }
        // access(2) asks with the real user's rights, which is what the daemon runs with here.
        guard access(path, W_OK | X_OK) == 0 else {
            return path == (directory as NSString).standardizingPath ? "\(path) is not writable by this user" : "\(directory) does not exist and \(path), where it would be made, is not writable by this user"
        }
        return nil
    }

    /// "Not a directory" rather than Foundation's whole NSError.
    private static func systemReason(_ error: any Error) -> String {
        if let e = error as? StateDirectoryError { return e.description }
        let ns = error as NSError
        let posix = ns.domain == NSPOSIXErrorDomain ? ns : (ns.userInfo[NSUnderlyingErrorKey] as? any Error).map { $0 as NSError }
        guard let posix, posix.domain == NSPOSIXErrorDomain else { return "\(error)" }
        return String(cString: strerror(Int32(posix.code)))
    }

    /// Starts a graceful shutdown (first SIGTERM or SIGINT); systemd hears of it at once.
    public func shutdown() async {
        systemd?.stopping(status: "stopping: finishing what is in flight")
        await group.triggerGracefulShutdown()
    }

    /// Reloads the rules now (SIGHUP): whether the new rules were applied. systemd is told
    /// before and after once it knows the daemon is ready, and not during a stop: a SIGHUP
    /// before the admin endpoint listened told it the start had succeeded, and one during a
    /// stop said `READY=1` after `STOPPING=1`.
    @discardableResult
    public func reload() -> Bool {
        let told = systemd?.saidReady ?? false
        if told { systemd?.reloading() }
        let applied = watcher.reloadNow()
        if told { systemd?.ready(status: applied ? "rules reloaded (sha256 \(rulesState.hash.prefix(12)))" : "reload refused: the running rules stay (errors in the log)") }
        return applied
    }

    /// The rules as the configuration file says now, with their text, for reloads.
    static func loadRules(configPath: String, environment: [String: String]) -> Result<(rules: RuleSet, text: String, source: String), ConfigErrors> {
        loadConfig(configPath: configPath, environment: environment).map { ($0.config.rules, $0.rulesText, $0.config.rulesSource) }
    }

    /// The configuration, and the text its rules were parsed from (the rules file's, or the
    /// configuration's when they are inline), read once: the rules watcher compares the file
    /// with this text's hash, and a second read at start-up could find a file replaced
    /// meanwhile, whose hash then stood for rules the engines were not running.
    public static func loadConfig(configPath: String, environment: [String: String]) -> Result<(config: DaemonConfig, rulesText: String), ConfigErrors> {
        let text: String
        switch TextFiles.text(atPath: configPath) {
        case .success(let t): text = t
        case .failure(.notUTF8(let e)): return .failure(ConfigErrors([e]))
        case .failure(.unreadable(let why)):
            // No line or column: the file was never read (it said 1:1 until 2026-12-07).
            return .failure(ConfigErrors([ConfigError(file: configPath, line: 0, column: 0, message: "cannot read the configuration file: \(why)")]))
        }
        var rulesText = text
        let parsed = DaemonConfigParser.parse(yaml: text, file: configPath, environment: environment) { path in
            let t = TextFiles.text(atPath: path)
            if case .success(let read) = t { rulesText = read }
            return t
        }
        return parsed.map { ($0, rulesText) }
    }
}

/// The pipeline as a service: its loop runs on its own thread; a graceful shutdown (or
/// cancellation) asks it to drain and stop, and `run()` returns when it has.
struct PipelineService: Service {
    let pipeline: Pipeline

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    pipeline.runInBackground { error in
                        if let error { continuation.resume(throwing: error) } else { continuation.resume() }
                    }
                }
            } onCancel: {
                pipeline.stop()
            }
        } onGracefulShutdown: {
            pipeline.stop()
        }
    }
}
