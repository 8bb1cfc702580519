import Foundation
import Logging
import Metrics
import MomentsCore
import MomentsRuntime
import ServiceLifecycle

/// Hot reload of the rules, on SIGHUP and when the file changes (checked every two seconds).
/// New rules are validated first: an invalid file is refused with file:line:column in the log
/// and `moments_rules_reload_failures_total`, and the running rules stay.
public final class RulesWatcher: Service, @unchecked Sendable {
    /// Reads and validates the rules as they are on disk now, with the text they came from.
    public typealias Loader = @Sendable () -> Result<(rules: RuleSet, text: String, source: String), ConfigErrors>

    private let load: Loader
    private let apply: @Sendable (RuleSet) -> Void
    private let state: RulesState
    private let logger: Logger
    private let interval: Duration
    private let reloads: Counter
    private let failures: Counter
    private let lock = NSLock()
    private var requested = false
    /// Held through a whole check: SIGHUP's queue and the watcher's loop both call `check()`,
    /// and two at once would race on `lastRefusedErrors` and could apply the same rules twice.
    private let checking = NSLock()
    private var lastRefusedErrors: String?

    public init(
        load: @escaping Loader, apply: @escaping @Sendable (RuleSet) -> Void, state: RulesState, logger: Logger,
        interval: Duration = .seconds(2), metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.load = load
        self.apply = apply
        self.state = state
        self.logger = logger
        self.interval = interval
        self.reloads = Counter(label: "moments_rules_reloads_total", factory: metricsFactory)
        self.failures = Counter(label: "moments_rules_reload_failures_total", factory: metricsFactory)
    }

    /// Asks for a reload at the next check, even if the file looks unchanged (SIGHUP).
    public func requestReload() {
        lock.lock(); requested = true; lock.unlock()
    }

    public func run() async throws {
        let pause = Swift.Duration.milliseconds(interval.milliseconds)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            check()
            // Cut short by a graceful shutdown: the group stops its services one after another,
            // the watcher after the pipeline, and every stop waited out the rest of the pause.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
    }

    /// Reloads if asked to or if the file changed; returns whether new rules were applied.
    @discardableResult
    public func check() -> Bool {
        checking.lock()
        defer { checking.unlock() }
        lock.lock()
        let forced = requested
        requested = false
        lock.unlock()
        switch load() {
        case .success(let loaded):
            // A valid file ends the last refusal, even when it is the running rules again (a
            // broken edit reverted): the same mistake made again later is reported again.
            lastRefusedErrors = nil
            let hash = SHA256.hex(Array(loaded.text.utf8))
            guard forced || hash != state.hash else { return false }
            apply(loaded.rules)
            state.update(rules: loaded.rules, text: loaded.text, source: loaded.source)
            reloads.increment()
            logger.notice("rules reloaded", metadata: [
                "source": "\(loaded.source)", "sha256": "\(hash)", "moments": "\(loaded.rules.moments.count)",
            ])
            return true
        case .failure(let errors):
            // Report a broken file once per version, not every two seconds; SIGHUP reports again.
            let fingerprint = errors.description
            guard forced || fingerprint != lastRefusedErrors else { return false }
            lastRefusedErrors = fingerprint
            failures.increment()
            for e in errors.errors {
                logger.error("rules reload refused; the running rules stay", metadata: [
                    "location": "\(e.file):\(e.line):\(e.column)", "error": "\(e.message)",
                ])
            }
            return false
        }
    }
}
