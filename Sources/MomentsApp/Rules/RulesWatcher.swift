import Foundation
import Logging
import Metrics
import MomentsCore
import MomentsRuntime
import ServiceLifecycle

/// Hot reload of the rules, on SIGHUP and when the file changes (checked every two seconds).
/// New rules are validated first: an invalid file is refused with file:line:column in the log
/// and `moments_rules_reload_failures_total`, and the running rules stay.
///
/// A change the check finds is acted on only once the file reads the same at the next check,
/// `settle` later: an editor or `cp` writing the file in place leaves it half written for a
/// moment, and a valid first half (the first moments of the list) was applied as the rules,
/// dropping the state of every rule it left out, until the whole file came two seconds later
/// (until 2026-12-07). SIGHUP applies what is there at once.
public final class RulesWatcher: Service, @unchecked Sendable {
    /// Reads and validates the rules as they are on disk now, with the text they came from.
    public typealias Loader = @Sendable () -> Result<(rules: RuleSet, text: String, source: String), ConfigErrors>

    private let load: Loader
    private let apply: @Sendable (RuleSet) -> Void
    private let state: RulesState
    private let logger: Logger
    private let interval: Duration
    private let settle: Duration
    private let reloads: Counter
    private let failures: Counter
    /// Held through a whole check: SIGHUP's queue (`reloadNow`) and the watcher's loop both check,
    /// and two at once would race on `lastRefusedErrors` and could apply the same rules twice.
    private let checking = NSLock()
    private var lastRefusedErrors: String?
    /// What the last check found changed, not yet acted on: the text's hash, or the errors.
    private var unsettled: String?

    public init(
        load: @escaping Loader, apply: @escaping @Sendable (RuleSet) -> Void, state: RulesState, logger: Logger,
        interval: Duration = .seconds(2), settle: Duration = Duration(milliseconds: 500), metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.load = load
        self.apply = apply
        self.state = state
        self.logger = logger
        self.interval = interval
        self.settle = settle
        self.reloads = Counter(label: "moments_rules_reloads_total", factory: metricsFactory)
        self.failures = Counter(label: "moments_rules_reload_failures_total", factory: metricsFactory)
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let settling = outcome() == .settling
            let pause = Swift.Duration.milliseconds((settling ? settle : interval).milliseconds)
            // Cut short by a graceful shutdown: the group stops its services one after another,
            // the watcher after the pipeline, and every stop waited out the rest of the pause.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
    }

    /// What a check did.
    enum Outcome { case applied, unchanged, refused, settling }

    /// Reloads if the file changed and has settled; returns whether new rules were applied.
    @discardableResult
    public func check() -> Bool { outcome() == .applied }

    /// Reloads now, as SIGHUP asks, whatever the file looks like; whether the rules were
    /// applied. Forced in this call: until 2026-12-07 SIGHUP set a flag for the next check,
    /// which the periodic check could take first (it then applied the rules, and the SIGHUP's
    /// own check found nothing to do and said the reload was refused).
    public func reloadNow() -> Bool { outcome(forced: true) == .applied }

    func outcome(forced: Bool = false) -> Outcome {
        checking.lock()
        defer { checking.unlock() }
        let loaded = load()
        // What was found: the text's hash, or the errors.
        let found: String
        switch loaded {
        case .success(let l): found = SHA256.hex(Array(l.text.utf8))
        case .failure(let errors): found = errors.description
        }
        if !forced {
            // Nothing new: the running rules, or the refusal already reported.
            switch loaded {
            case .success: if found == state.hash { lastRefusedErrors = nil; unsettled = nil; return .unchanged }
            case .failure: if found == lastRefusedErrors { unsettled = nil; return .unchanged }
            }
            // New: acted on once the next read finds the same.
            guard found == unsettled else { unsettled = found; return .settling }
        }
        unsettled = nil
        switch loaded {
        case .success(let loaded):
            // A valid file ends the last refusal, even when it is the running rules again (a
            // broken edit reverted): the same mistake made again later is reported again.
            lastRefusedErrors = nil
            apply(loaded.rules)
            state.update(rules: loaded.rules, text: loaded.text, source: loaded.source)
            reloads.increment()
            logger.notice("rules reloaded", metadata: [
                "source": "\(loaded.source)", "sha256": "\(found)", "moments": "\(loaded.rules.moments.count)",
            ])
            return .applied
        case .failure(let errors):
            // A broken file is reported once for its errors, not every two seconds; SIGHUP
            // reports it again.
            lastRefusedErrors = found
            failures.increment()
            for e in errors.errors {
                logger.error("rules reload refused; the running rules stay", metadata: [
                    "location": "\(e.file):\(e.line):\(e.column)", "error": "\(e.message)",
                ])
            }
            return .refused
        }
    }
}
