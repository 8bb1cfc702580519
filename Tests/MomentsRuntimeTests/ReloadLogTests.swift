import Foundation
import Logging
import MomentsCore
import Testing
@testable import MomentsRuntime

/// What the pipeline logs when rules or silences are handed over.
@Suite struct ReloadLogTests {
    /// Log lines as (level, message, metadata).
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [(Logger.Level, String, Logger.Metadata)] = []
        func add(_ line: (Logger.Level, String, Logger.Metadata)) { lock.withLock { lines.append(line) } }
        var all: [(Logger.Level, String, Logger.Metadata)] { lock.withLock { lines } }
    }

    struct Capture: LogHandler {
        let lines: Lines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            lines.add((level, "\(message)", metadata ?? [:]))
        }
    }

    struct FixedClock: WallClock { let ms: Int64; func milliseconds() -> Int64 { ms } }

    static func pipeline(_ lines: Lines, now: Int64) throws -> Pipeline {
        let routing = OutputRouting(alerts: "moments.alerts", coaching: "moments.coaching", recovery: "moments.recovery", deadLetter: "moments.dead-letter")
        let config = PipelineConfiguration(consumerProperties: [:], producerProperties: [:], inputTopics: ["interactions"], routing: routing)
        return Pipeline(configuration: config, rules: try Stream.defaultRules(), wallClock: FixedClock(ms: now), logger: Logger(label: "test") { _ in Capture(lines: lines) })
    }

    /// A reload is logged once, by the daemon's rules watcher (`rules reloaded`, with the
    /// source and hash): the pipeline said `rules reloaded` at notice a second time for each
    /// (until 2026-12-08).
    @Test func appliedRulesAreNotSaidToBeReloadedAgain() throws {
        let lines = Lines()
        let p = try Self.pipeline(lines, now: 1_000)
        p.replaceRules(p.rules)
        p.applyPendingChanges()
        #expect(!lines.all.contains { $0.1 == "rules reloaded" }, "\(lines.all)")
        #expect(!lines.all.contains { $0.0 >= .info }, "\(lines.all)")
    }

    /// The silences handed over are counted by where each stands: one of two expired (kept a
    /// day for late events) said `silences=2` until 2026-12-08, read as two in force.
    @Test func updatedSilencesAreCountedByWhereTheyStand() throws {
        let lines = Lines()
        let p = try Self.pipeline(lines, now: 1_000)
        func silence(_ id: String, _ from: Int64, _ to: Int64) -> Silence {
            Silence(id: id, matchers: SilenceMatchers(rules: ["long-wait"]), startsAt: Timestamp(milliseconds: from), endsAt: Timestamp(milliseconds: to))
        }
        p.replaceSilences([silence("on", 0, 5_000), silence("expired", 0, 1_000), silence("later", 2_000, 3_000)])
        p.applyPendingChanges()
        let said = lines.all.filter { $0.1 == "silences updated" }
        #expect(said.count == 1)
        #expect(said.first?.2["in_force"] == "1" && said.first?.2["pending"] == "1" && said.first?.2["ended"] == "1", "\(said)")
        #expect(said.first?.2["silences"] == nil, "\(said)")
    }
}
