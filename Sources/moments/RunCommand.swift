import ArgumentParser
import Foundation
import Logging
import Metrics
import MomentsApp
import MomentsCore
import MomentsRuntime
import Prometheus
import Synchronization

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: consume events from Kafka, detect moments, produce outputs.",
        discussion: """
            SIGTERM or SIGINT stops gracefully (a second one exits at once); SIGHUP reloads the rules. \
            The admin endpoint (default 127.0.0.1:9464) serves /metrics, /healthz, /readyz and /rules.
            """)

    @Option(name: .long, help: "The daemon configuration file.")
    var config: String = "config/daemon.yaml"

    @Flag(name: .long, help: "Print the effective configuration (file plus environment, secrets masked) and exit.")
    var printConfig = false

    @Option(name: .long, help: "Log level (overrides logging.level): trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    func run() async throws {
        // Until the handler below is installed, a SIGHUP's default action would end the process:
        // `systemctl reload` right after `start` (the unit counts as started at exec) killed the
        // daemon while it read its configuration. Ignored until then (from `Moments.main`, and
        // again here for a `run` reached otherwise); the rules watcher's first check reads the
        // file anyway.
        signal(SIGHUP, SIG_IGN)
        let loaded = try ConfigFile.loadWithRulesText(config)
        var daemon = loaded.config
        if let logLevel { daemon.logging.level = logLevel }
        guard let level = Logger.Level(name: daemon.logging.level) else { throw CLIError("unknown log level '\(daemon.logging.level)' (expected \(Logger.Level.names))") }
        if printConfig {
            FileDescriptor.write(STDOUT_FILENO, Array(daemon.printable.utf8))
            return
        }
        let format = LogFormat(rawValue: daemon.logging.format) ?? .logfmt
        LoggingSystem.bootstrap { MomentsLogHandler(label: $0, format: format, level: level) }
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        MetricsSystem.bootstrap(factory)
        let logger: Logger = {
            var l = Logger(label: "moments")
            l.logLevel = level
            return l
        }()

        let app = Daemon(config: daemon, configPath: config, rulesText: loaded.rulesText, registry: registry, metricsFactory: factory, logger: logger)
        let stopLimit = StopWatchdog.limit(shutdownTimeout: daemon.processing.shutdownTimeout, exactlyOnce: daemon.exactlyOnce)
        let watchdog = Mutex<StopWatchdog?>(nil)
        let signals = SignalHandler(signals: [SIGINT, SIGTERM]) { count, received in
            if count == 1 {
                logger.notice("stopping on signal; a second signal forces exit")
                watchdog.withLock {
                    $0 = StopWatchdog(limit: stopLimit) {
                        logger.critical("the stop did not end within its limit (a broker that does not answer?); exiting without the rest: what was not committed is processed again by the next owner", metadata: ["limit_ms": "\(stopLimit.milliseconds)"])
                        _exit(1)
                    }
                }
                Task { await app.shutdown() }
            } else {
                logger.error("forced exit on second signal")
                // Ended by the signal itself, its default action back: a shell reports 143 for
                // SIGTERM and 130 for SIGINT, and systemd counts a death by SIGTERM or SIGINT as a
                // clean stop, where an exit status of 143 (or 130, for both until 2026-12-07) was
                // a failure. Unblocked in this thread first: libdispatch's worker threads block
                // the signals its sources take. As PID 1 (a container without an init) the
                // kernel discards a signal the process sends itself, and `_exit` ends it with the
                // status a shell would show. At once: `exit` ran the exit handlers first, a second or two.
                signal(received, SIG_DFL)
                var only = sigset_t()
                sigemptyset(&only)
                sigaddset(&only, received)
                pthread_sigmask(SIG_UNBLOCK, &only, nil)
                raise(received)
                _exit(128 + received)
            }
        }
        defer { watchdog.withLock { $0?.stopFinished() } }
        let hangups = SignalHandler(signals: [SIGHUP]) { _, _ in
            logger.notice("SIGHUP: reloading the rules")
            app.reload()
        }
        defer { signals.cancel(); hangups.cancel() }
        logger.info("moments starting", metadata: [
            "bootstrap": "\(daemon.kafka.bootstrapServers)", "group": "\(daemon.kafka.groupID)", "rules": "\(daemon.rulesSource)",
            "admin": "\(daemon.admin.enabled ? daemon.admin.listen : "off")", "allocator": "\(Allocator.name)",
        ])
        do {
            try await app.run()
        } catch is Daemon.AdminListenError {
            // Logged by the daemon already, in the log's format: not printed again.
            throw ExitCode.failure
        }
    }
}

enum ConfigFile {
    static func load(_ path: String) throws -> DaemonConfig { try loadWithRulesText(path).config }

    /// The configuration and its rules' text, read once (`Daemon.loadConfig`, as reloads read them).
    static func loadWithRulesText(_ path: String) throws -> (config: DaemonConfig, rulesText: String) {
        switch Daemon.loadConfig(configPath: path, environment: ProcessInfo.processInfo.environment) {
        case .success(let loaded): return loaded
        case .failure(let e): throw CLIError(e.description)
        }
    }
}
