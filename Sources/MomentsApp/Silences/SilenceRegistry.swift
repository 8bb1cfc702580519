import Foundation
import Logging
import MomentsCore

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
    private var knownMoments: Set<String> = []
    private var push: @Sendable ([Silence]) -> Void = { _ in }

    /// An expired admin silence is kept this long after its end, so engines still behind in
    /// event time (a backlog) keep applying it, then it is dropped from the file.
    public static let retention = Duration.hours(24)

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
                adminSilences = try store.load()
            } catch {
                // A damaged file must not stop the daemon; it is moved aside, not overwritten.
                let aside = store.path + ".damaged-\(now().milliseconds)"
                try? FileManager.default.moveItem(atPath: store.path, toPath: aside)
                logger.error("cannot load the silences; starting without them", metadata: ["error": "\(error)", "moved_to": "\(aside)"])
            }
        }
    }

    public static let wallClock: @Sendable () -> Timestamp = { Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)) }

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
    public func rulesLoaded(_ rules: RuleSet) -> RuleSet {
        lock.lock(); defer { lock.unlock() }
        fileSilences = rules.silences
        knownMoments = Set(rules.moments.map(\.id))
        var merged = rules
        merged.silences = fileSilences + adminSilences
        push(merged.silences)
        return merged
    }

    /// Creates a silence from a `POST /silences` body (JSON, or YAML); `starts_at` defaults to now.
    public func create(body: String) -> Result<Silence, ConfigErrors> {
        lock.lock(); defer { lock.unlock() }
        let ctx = YAMLContext(file: "request")
        guard let node = ctx.compose(body) else {
            if ctx.errors.isEmpty { ctx.report(line: 1, column: 1, "the body is empty") }
            return .failure(ConfigErrors(ctx.errors))
        }
        let id = "s-" + UUID().uuidString.lowercased()
        guard let silence = SilenceSection.parse(node, ctx, id: id, defaultStart: now(), knownMoments: knownMoments), ctx.errors.isEmpty else {
            return .failure(ConfigErrors(ctx.errors))
        }
        switch persist(adminSilences + [silence]) {
        case .failure(let e): return .failure(e)
        case .success(let kept): adminSilences = kept
        }
        push(fileSilences + adminSilences)
        logger.notice("silence created", metadata: ["id": "\(silence.id)", "starts_at": "\(silence.startsAt)", "ends_at": "\(silence.endsAt)"])
        return .success(silence)
    }

    public enum ExpireResult: Equatable { case expired, notFound, declaredInRules, failed(String) }

    /// Ends an admin silence now (a pending one is removed).
    public func expire(id: String) -> ExpireResult {
        lock.lock(); defer { lock.unlock() }
        if fileSilences.contains(where: { $0.id == id }) { return .declaredInRules }
        let t = now()
        guard let i = adminSilences.firstIndex(where: { $0.id == id && $0.endsAt > t }) else { return .notFound }
        var next = adminSilences
        if next[i].startsAt >= t { next.remove(at: i) } else { next[i].endsAt = t }
        switch persist(next) {
        case .failure(let e): return .failed(e.description)
        case .success(let kept): adminSilences = kept
        }
        push(fileSilences + adminSilences)
        logger.notice("silence expired", metadata: ["id": "\(id)"])
        return .expired
    }

    /// Silences active now or starting later, with where each was declared.
    public func current() -> [(silence: Silence, source: Source, active: Bool)] {
        lock.lock(); defer { lock.unlock() }
        let t = now()
        return (fileSilences.map { ($0, Source.rules) } + adminSilences.map { ($0, Source.admin) })
            .filter { $0.0.endsAt > t }
            .map { ($0.0, $0.1, $0.0.isActive(at: t)) }
    }

    /// Writes `silences` minus those expired beyond the retention, and returns what it kept;
    /// an error (and nothing changes) if the file cannot be written.
    private func persist(_ silences: [Silence]) -> Result<[Silence], ConfigErrors> {
        let horizon = now() - Self.retention
        let kept = silences.filter { $0.endsAt > horizon }
        guard let store else { return .success(kept) }
        do {
            try store.save(kept)
            return .success(kept)
        } catch {
            logger.error("cannot write the silences", metadata: ["path": "\(store.path)", "error": "\(error)"])
            return .failure(ConfigErrors([ConfigError(file: store.path, line: 1, column: 1, message: "cannot save the silences: \(error)")]))
        }
    }
}
