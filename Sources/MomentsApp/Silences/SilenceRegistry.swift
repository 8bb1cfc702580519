import Foundation
import Logging
import MomentsCore
import MomentsRuntime

/// The silences in force in this process: those of the rules file and those made through the
/// admin endpoint (persisted by a `SilenceStore`). Every change is pushed to the pipeline, which
/// hands it to each partition's engine; the engines match silences against event time.
public final class SilenceRegistry: @unchecked Sendable {
    /// Where a silence was declared; only admin silences can be expired through the endpoint.
    public enum Source: String, Sendable { case rules, admin }

    private let lock = NSLock()
    private let store: SilenceStore?
    private let now: @Sendable () -> Timestamp
    private let logger: Logger
    private var fileSilences: [Silence] = []
    private var adminSilences: [Silence] = []
    /// When each admin silence was made (wall clock), by id.
    private var createdAt: [String: Timestamp] = [:]
    private var knownMoments: Set<String> = []
    private var push: @Sendable ([Silence]) -> Void = { _ in }

    /// An expired admin silence is kept this long after its end, so engines still behind in
    /// event time (a backlog) keep applying it, then it is dropped from the file. One made for a
    /// window already over (to mute a replayed backlog) is kept this long after it was made:
    /// measured from its end, it would be dropped at once, after a 201.
    public static let retention = Duration.hours(24)

    /// Silences made through the endpoint that are in force or pending at once, at most; with
    /// those ended but kept for late events (a day), ten times that. Every moment is checked
    /// against every silence, so without a bound a script creating them in a loop (the token is
    /// all it takes) slowed every partition's engine, and their file grew without end.
    public static let maxAdminSilences = 1_000

    /// Where a silence's window stands against the wall clock. `ended` is listed only for one
    /// made after its window, while it is kept: it still mutes the backlog it was made for.
    public enum State: String, Sendable { case active, pending, ended }

    /// - Parameters:
    ///   - store: where admin silences persist; nil keeps them in memory only.
    ///   - now: the wall clock, for defaults (`starts_at`), expiry and listing.
    public init(store: SilenceStore?, rules: RuleSet, now: @escaping @Sendable () -> Timestamp = SilenceRegistry.wallClock, logger: Logger) {
        self.store = store
        self.now = now
        self.logger = logger
        self.fileSilences = rules.silences
        self.knownMoments = Set(rules.moments.map(\.id))
        if let store {
            do {
                let stored = try store.load()
                adminSilences = stored.silences
                createdAt = stored.createdAt
                if !stored.refused.isEmpty {
                    // The next save writes the file without the refused entries: a copy keeps
                    // them for whoever reads the log.
                    let copy = store.path + ".refused-\(now().milliseconds)"
                    try? FileManager.default.copyItem(atPath: store.path, toPath: copy)
                    logger.error("some stored silences cannot be loaded; starting with the others", metadata: [
                        "errors": "\(stored.refused.joined(separator: "; "))", "kept": "\(stored.silences.count)", "copied_to": "\(copy)",
                    ])
                }
            } catch let error where error.unreadable {
                // Not damaged, only out of reach for now: left as it is (`Daemon.checkStateDirectory`
                // refuses to start while it is, before anything could be saved over it). Moved
                // aside as damaged, the silences were gone from their place (until 2026-12-07).
                logger.error("cannot read the silences; starting without them, the file left as it is", metadata: ["error": "\(error)"])
            } catch {
                // A damaged file must not stop the daemon; it is moved aside, not overwritten.
                let aside = store.path + ".damaged-\(now().milliseconds)"
                try? FileManager.default.moveItem(atPath: store.path, toPath: aside)
                logger.error("cannot load the silences; starting without them", metadata: ["error": "\(error)", "moved_to": "\(aside)"])
            }
        }
        prune()
    }

    /// Drops the admin silences past their retention, from the file too, and hands the engines
    /// the rest if any went. Called at start and once a minute (`SilenceExpiry`): until
    /// 2026-12-07 only a create or an expiry dropped them, so one past its retention, no longer
    /// listed and refused by `DELETE`, went on muting late events, across restarts too.
    /// Returns whether any went.
    @discardableResult
    public func prune() -> Bool {
        lock.lock(); defer { lock.unlock() }
        let gone = adminSilences.filter { !Self.isKept($0, createdAt: createdAt, horizon: now() - Self.retention) }.map(\.id)
        guard !gone.isEmpty else { return false }
        switch persist(adminSilences, createdAt: createdAt) {
        case .success(let kept): (adminSilences, createdAt) = kept
        case .failure:
            // Not saved (logged by `persist`): over all the same; the next start drops them again.
            adminSilences.removeAll { gone.contains($0.id) }
            createdAt = createdAt.filter { id, _ in !gone.contains(id) }
        }
        push(fileSilences + adminSilences)
        logger.notice("silences past their retention dropped", metadata: ["ids": "\(gone.joined(separator: ","))"])
        return true
    }

    /// Whether a silence is still kept: until a day after its end, or after it was made if later.
    private static func isKept(_ s: Silence, createdAt: [String: Timestamp], horizon: Timestamp) -> Bool {
        max(s.endsAt, createdAt[s.id] ?? s.endsAt) > horizon
    }

    public static let wallClock: @Sendable () -> Timestamp = RealTimeClock.now

    /// Every silence in force, rules file first.
    public var all: [Silence] { lock.lock(); defer { lock.unlock() }; return fileSilences + adminSilences }

    /// Starts pushing changes (the pipeline's `replaceSilences`), beginning with the current set.
    public func attach(_ push: @escaping @Sendable ([Silence]) -> Void) {
        lock.lock(); defer { lock.unlock() }
        self.push = push
        push(fileSilences + adminSilences)
    }

    /// New rules were loaded: their silences replace the file's, and the rules handed to the
    /// pipeline carry the whole set.
    ///
    /// - Parameter apply: hands the merged rules to the pipeline (`replaceRules`). It runs under
    ///   the lock, so a silence made meanwhile is pushed after it: handed over once the lock is
    ///   released, these rules would overwrite that newer silence with the older set.
    @discardableResult
    public func rulesLoaded(_ rules: RuleSet, apply: (RuleSet) -> Void = { _ in }) -> RuleSet {
        lock.lock(); defer { lock.unlock() }
        fileSilences = rules.silences
        knownMoments = Set(rules.moments.map(\.id))
        var merged = rules
        merged.silences = fileSilences + adminSilences
        push(merged.silences)
        apply(merged)
        return merged
    }

    /// Creates a silence from a `POST /silences` body (JSON, or YAML); `starts_at` defaults to now.
    public func create(body: String) -> Result<Silence, ConfigErrors> {
        // Read outside the lock, which every request and the rules' reload wait on: a body is
        // parsed with the rules of the moment it came.
        let knownMoments = lock.withLock { self.knownMoments }
        let ctx = YAMLContext(file: "request")
        // What JSON allows in strings and YAML refuses, written as YAML means it (surrogate
        // pairs, raw DEL and C1 controls, U+2028 and U+2029 that JavaScript's encoder leaves).
        let body = JSONBodyForYAML.adapt(body)
        guard let node = ctx.compose(body) else {
            if ctx.errors.isEmpty { ctx.report(line: 1, column: 1, "the body is empty") }
            return .failure(ConfigErrors(ctx.errors))
        }
        let id = "s-" + UUID().uuidString.lowercased()
        guard let silence = SilenceSection.parse(node, ctx, id: id, defaultStart: now(), knownMoments: knownMoments), ctx.errors.isEmpty else {
            return .failure(ConfigErrors(ctx.errors))
        }
        lock.lock(); defer { lock.unlock() }
        // Those past their retention, which the next pruning drops, are not counted.
        let t = now()
        let kept = adminSilences.filter { Self.isKept($0, createdAt: createdAt, horizon: t - Self.retention) }
        let live = kept.lazy.filter { $0.endsAt > t }.count
        guard live < Self.maxAdminSilences, kept.count < 10 * Self.maxAdminSilences else {
            let what = live < Self.maxAdminSilences
                ? "\(kept.count) silences made through the endpoint are kept (an ended one stays a day after its end, for late events), the most at once; the oldest ended ones leave within a day, and long-lived ones belong in the rules file"
                : "there are already \(live) silences made through the endpoint in force or pending, the most at once; expire those no longer needed (DELETE /silences/{id}), or put long-lived ones in the rules file"
            return .failure(ConfigErrors([ConfigError(file: "request", line: 0, column: 0, message: what)]))
        }
        var made = createdAt
        made[silence.id] = now()
        switch persist(adminSilences + [silence], createdAt: made) {
        case .failure(let e): return .failure(e)
        case .success(let kept): (adminSilences, createdAt) = kept
        }
        push(fileSilences + adminSilences)
        logger.notice("silence created", metadata: ["id": "\(silence.id)", "starts_at": "\(silence.startsAt)", "ends_at": "\(silence.endsAt)"])
        return .success(silence)
    }

    public enum ExpireResult: Equatable { case expired, notFound, declaredInRules, failed(String) }

    /// Ends an admin silence now (a pending one is removed, and so is one made after its window:
    /// ending it now would leave it muting the backlog it was made for).
    public func expire(id: String) -> ExpireResult {
        lock.lock(); defer { lock.unlock() }
        if fileSilences.contains(where: { $0.id == id }) { return .declaredInRules }
        let t = now()
        guard let i = adminSilences.firstIndex(where: { $0.id == id && state(of: $0, at: t) != nil }) else { return .notFound }
        var next = adminSilences
        if next[i].startsAt >= t || next[i].endsAt <= t { next.remove(at: i) } else { next[i].endsAt = t }
        switch persist(next, createdAt: createdAt) {
        case .failure(let e): return .failed(e.description)
        case .success(let kept): (adminSilences, createdAt) = kept
        }
        push(fileSilences + adminSilences)
        logger.notice("silence expired", metadata: ["id": "\(id)"])
        return .expired
    }

    /// Silences active now or starting later, and admin ones made after their window while they
    /// are kept, with where each was declared and when an admin one was made.
    public func current() -> [(silence: Silence, source: Source, state: State, createdAt: Timestamp?)] {
        lock.lock(); defer { lock.unlock() }
        let t = now()
        return fileSilences.compactMap { s in s.endsAt > t ? (s, .rules, s.isActive(at: t) ? .active : .pending, nil) : nil }
            + adminSilences.compactMap { s in state(of: s, at: t).map { (s, .admin, $0, createdAt[s.id]) } }
    }

    /// Where an admin silence stands at `t`; nil once it is over, unless it was made after its
    /// window and is still kept.
    private func state(of s: Silence, at t: Timestamp) -> State? {
        if s.isActive(at: t) { return .active }
        if s.startsAt > t { return .pending }
        guard let made = createdAt[s.id], s.endsAt <= made, made + Self.retention > t else { return nil }
        return .ended
    }

    /// Writes `silences` minus those past the retention — a day after their end, or after they
    /// were made if that is later — and returns what it kept; an error (and nothing changes) if
    /// the file cannot be written.
    private func persist(_ silences: [Silence], createdAt: [String: Timestamp]) -> Result<([Silence], [String: Timestamp]), ConfigErrors> {
        let horizon = now() - Self.retention
        let kept = silences.filter { Self.isKept($0, createdAt: createdAt, horizon: horizon) }
        let keptCreatedAt = createdAt.filter { id, _ in kept.contains { $0.id == id } }
        guard let store else { return .success((kept, keptCreatedAt)) }
        do {
            try store.save(SilenceStore.Contents(silences: kept, createdAt: keptCreatedAt))
            return .success((kept, keptCreatedAt))
        } catch {
            logger.error("cannot write the silences", metadata: ["path": "\(store.path)", "error": "\(error)"])
            return .failure(ConfigErrors([ConfigError(file: store.path, line: 1, column: 1, message: "cannot save the silences: \(error)")]))
        }
    }
}
