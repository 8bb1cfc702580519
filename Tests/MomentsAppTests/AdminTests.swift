import Foundation
import Hummingbird
import Kafka
import HummingbirdTesting
import Logging
import MomentsApp
import MomentsCore
import MomentsRuntime
import Prometheus
import Testing

@Suite struct AdminEndpointTests {
    static let rules = try! RulesParser.parse(yaml: "moments:\n  - id: escalation\n    kind: pain\n    when: { match: { event: interaction.escalated } }\n", file: "r.yaml").get()

    final class StatusSource: @unchecked Sendable {
        private let lock = NSLock()
        private var value = PipelineStatus()
        func set(_ change: (inout PipelineStatus) -> Void) { lock.lock(); change(&value); lock.unlock() }
        var current: PipelineStatus { lock.lock(); defer { lock.unlock() }; return value }
    }

    func app(
        token: String? = nil, status: StatusSource = StatusSource(), registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        stallTimeout: MomentsCore.Duration? = nil
    ) -> some ApplicationProtocol {
        let state = RulesState(rules: Self.rules, text: "rules text", source: "r.yaml")
        return Application(router: AdminRouter.make(registry: registry, status: { status.current }, rules: state, token: token, stallTimeout: stallTimeout))
    }

    /// A pipeline thread silent for longer than `processing.stall_timeout` is reported by both
    /// probes (until 2026-12-07 `/healthz` said "ok" whatever the pipeline did), and again
    /// alive once it shows a sign of life.
    @Test func aStalledPipelineFailsBothProbes() async throws {
        let status = StatusSource()
        status.set {
            $0.running = true
            $0.assigned = [.init(topic: "interactions", partition: 0)]
            $0.brokerReachable = true
            $0.lastSignOfLifeNs = 1   // at the machine's start: longer ago than the limit
        }
        try await app(status: status, stallTimeout: .seconds(60)).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).hasPrefix("stalled: the pipeline thread has shown no sign of life for "))
            }
            try await client.execute(uri: "/healthz", method: .head) { #expect($0.status == .serviceUnavailable) }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains(#""ready":false"#))
                #expect(String(buffer: response.body).contains(#""stalled":true"#))
            }
            status.set { $0.lastSignOfLifeNs = DispatchTime.now().uptimeNanoseconds }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""stalled":false"#))
            }
        }
        // Without a limit (a router made for tests, or before the pipeline runs) nothing is a stall.
        status.set { $0.lastSignOfLifeNs = 1 }
        try await app(status: status).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func healthAndReadiness() async throws {
        let status = StatusSource()
        try await app(status: status).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains(#""ready":false"#))
            }
            status.set {
                $0.running = true
                $0.assigned = [.init(topic: "interactions", partition: 0)]
                $0.brokerReachable = true
            }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            status.set { $0.restoringPartitions = 1 }   // still rebuilding state: not ready
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
            status.set { $0.restoringPartitions = 0; $0.brokerReachable = false }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
        }
    }

    @Test func metricsInPrometheusTextFormat() async throws {
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(name: "moments_dead_letters_total").increment(by: Int64(3))
        try await app(registry: registry).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                #expect(String(buffer: response.body).contains("moments_dead_letters_total 3"))
            }
        }
    }

    @Test func rulesWithTheirHash() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/rules", method: .get) { response in
                let json = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
                #expect(json["sha256"] as? String == SHA256.hex(Array("rules text".utf8)))
                #expect(json["source"] as? String == "r.yaml")
                let moments = (json["rules"] as? [String: Any])?["moments"] as? [[String: Any]]
                #expect(moments?.first?["id"] as? String == "escalation")
                #expect(moments?.first?["condition"] as? String == "match interaction.escalated")
            }
        }
    }

    @Test func bearerTokenProtectsAllButProbesAndMetrics() async throws {
        try await app(token: "s3cret").test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }   // answered, not refused
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .ok) }
            // HEAD on the probes (404 until 2026-12-07), open as GET is.
            try await client.execute(uri: "/healthz", method: .head) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .head) { #expect($0.status == .serviceUnavailable) }
            // With a trailing slash, as some probes are written (refused until 2026-12-08).
            try await client.execute(uri: "/healthz/", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics/", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz/", method: .head) { #expect($0.status == .serviceUnavailable) }
            // HEAD /metrics: the scrape's headers, no body (405 until 2026-12-08).
            try await client.execute(uri: "/metrics", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            }
            for path in ["/rules", "/rules/", "/silences", "/silences/", "/anything-else", "/healthz/x", "//healthz"] {
                try await client.execute(uri: path, method: .get) { #expect($0.status == .unauthorized, "\(path)") }
                try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer wrong"]) { #expect($0.status == .unauthorized, "\(path)") }
                try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer s3cret2"]) { #expect($0.status == .unauthorized, "\(path)") }
            }
            try await client.execute(uri: "/rules", method: .get, headers: [.authorization: "Bearer s3cret"]) { #expect($0.status == .ok) }
            // The scheme's name in any case (refused until 2026-12-07); the token's is exact.
            try await client.execute(uri: "/rules", method: .get, headers: [.authorization: "bearer s3cret"]) { #expect($0.status == .ok) }
            try await client.execute(uri: "/rules", method: .get, headers: [.authorization: "BEARER s3cret"]) { #expect($0.status == .ok) }
            try await client.execute(uri: "/rules", method: .get, headers: [.authorization: "Bearer S3cret"]) { #expect($0.status == .unauthorized) }
            // A refusal says why, in JSON as the endpoint's other refusals (empty until 2026-12-07).
            try await client.execute(uri: "/silences", method: .get) { response in
                #expect(response.headers[.contentType] == "application/json" && response.headers[.wwwAuthenticate] == "Bearer")
                #expect(String(buffer: response.body).contains("Authorization: Bearer <admin.token>"))
            }
        }
    }

    @Test func sha256MatchesKnownVectors() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array(String(repeating: "a", count: 1000).utf8)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}

@Suite struct RulesWatcherTests {
    final class Box<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var v: T
        init(_ v: T) { self.v = v }
        var value: T { get { lock.lock(); defer { lock.unlock() }; return v } set { lock.lock(); v = newValue; lock.unlock() } }
    }

    static let valid = "moments:\n  - id: escalation\n    kind: pain\n    when: { match: { event: interaction.escalated } }\n"

    func watcher(file: Box<String>, applied: Box<[RuleSet]>, registry: PrometheusCollectorRegistry, lines: Box<[String]>) -> (RulesWatcher, RulesState) {
        let initial = try! RulesParser.parse(yaml: Self.valid, file: "rules.yaml").get()
        let state = RulesState(rules: initial, text: Self.valid, source: "rules.yaml")
        let sink = LogSink { line in lines.value.append(line) }
        let logger = Logger(label: "test") { MomentsLogHandler(label: $0, format: .logfmt, level: .info, sink: sink) }
        let w = RulesWatcher(
            load: {
                let text = file.value
                return RulesParser.parse(yaml: text, file: "rules.yaml").map { ($0, text, "rules.yaml") }
            },
            apply: { applied.value.append($0) }, state: state, logger: logger,
            metricsFactory: PrometheusMetricsFactory(registry: registry))
        return (w, state)
    }

    @Test func aValidChangeIsApplied() {
        let file = Box(Self.valid), applied = Box<[RuleSet]>([]), lines = Box<[String]>([])
        let registry = PrometheusCollectorRegistry()
        let (w, state) = watcher(file: file, applied: applied, registry: registry, lines: lines)
        #expect(!w.check())                       // unchanged: nothing to do
        file.value = Self.valid.replacingOccurrences(of: "escalation", with: "escalated")
        #expect(!w.check())                       // seen once: it may still be being written
        #expect(applied.value.isEmpty)
        #expect(w.check())                        // the same at the next check: applied
        #expect(applied.value.map { $0.moments.map(\.id) } == [["escalated"]])
        #expect(state.hash == SHA256.hex(Array(file.value.utf8)))
        #expect(registry.emitToString().contains("moments_rules_reloads_total 1"))
    }

    @Test func anInvalidFileIsRefusedAndTheRunningRulesStay() {
        let file = Box(Self.valid), applied = Box<[RuleSet]>([]), lines = Box<[String]>([])
        let registry = PrometheusCollectorRegistry()
        let (w, state) = watcher(file: file, applied: applied, registry: registry, lines: lines)
        let before = state.hash
        file.value = Self.valid.replacingOccurrences(of: "kind: pain", with: "kind: pian")
        #expect(!w.check())                       // seen once: not reported yet
        #expect(registry.emitToString().contains("moments_rules_reload_failures_total 0"))
        #expect(!w.check())
        #expect(!w.check())                       // reported once for its errors
        #expect(applied.value.isEmpty)
        #expect(state.hash == before)
        #expect(registry.emitToString().contains("moments_rules_reload_failures_total 1"))
        #expect(lines.value.contains { $0.contains("level=error") && $0.contains("location=rules.yaml:3:11") && $0.contains("kind must be pain or glory") })
        #expect(!w.reloadNow())                   // SIGHUP reports it again
        #expect(registry.emitToString().contains("moments_rules_reload_failures_total 2"))
        let broken = file.value
        file.value = Self.valid                   // reverted to the running rules: nothing to do
        #expect(!w.check())
        file.value = broken                       // the same mistake again is a new refusal
        #expect(!w.check())
        #expect(!w.check())
        #expect(registry.emitToString().contains("moments_rules_reload_failures_total 3"))
        #expect(lines.value.filter { $0.contains("kind must be pain or glory") }.count == 3)
        #expect(applied.value.isEmpty)
    }

    /// SIGHUP's queue and the watcher's loop both call check(): one runs at a time, so a
    /// change seen by both is applied once.
    @Test func checksFromTwoThreadsApplyAChangeOnce() {
        let changed = Self.valid.replacingOccurrences(of: "escalation", with: "escalated")
        let applied = Box<[RuleSet]>([]), loading = Box(0)
        let initial = try! RulesParser.parse(yaml: Self.valid, file: "rules.yaml").get()
        let w = RulesWatcher(
            load: {
                // Let a second check catch up with this one if it can (it cannot once checks are serialised).
                loading.value += 1
                let deadline = Date().addingTimeInterval(0.3)
                while loading.value < 2 && Date() < deadline { usleep(1000) }
                return RulesParser.parse(yaml: changed, file: "rules.yaml").map { ($0, changed, "rules.yaml") }
            },
            apply: { applied.value.append($0); usleep(50_000) },   // slow, as handing rules to the engines can be
            state: RulesState(rules: initial, text: Self.valid, source: "rules.yaml"),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, metricsFactory: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()))
        let done = DispatchGroup()
        for _ in 0..<2 {
            done.enter()
            Thread.detachNewThread { w.check(); done.leave() }
        }
        done.wait()
        #expect(applied.value.count == 1)
    }

    /// A file written in place is read half written now and then; its valid first half (one
    /// moment of two) was applied as the rules, and the state of the other moment dropped,
    /// until the whole file came at the next check (until 2026-12-07).
    @Test func aFileStillBeingWrittenIsNotApplied() {
        let file = Box(Self.valid), applied = Box<[RuleSet]>([]), lines = Box<[String]>([])
        let registry = PrometheusCollectorRegistry()
        let (w, state) = watcher(file: file, applied: applied, registry: registry, lines: lines)
        let firstHalf = Self.valid.replacingOccurrences(of: "escalation", with: "escalated")
        let whole = firstHalf + "  - id: churn\n    kind: pain\n    when: { match: { event: interaction.escalated } }\n"
        file.value = firstHalf                    // valid on its own, and new
        #expect(!w.check())
        file.value = firstHalf + "  - id: ch"     // a moment without a kind yet: invalid
        #expect(!w.check())
        file.value = whole                        // written
        #expect(!w.check())
        #expect(applied.value.isEmpty)
        #expect(registry.emitToString().contains("moments_rules_reload_failures_total 0"))
        #expect(w.check())
        #expect(applied.value.map { $0.moments.map(\.id) } == [["escalated", "churn"]])
        #expect(state.hash == SHA256.hex(Array(whole.utf8)))
    }

    @Test func sighupReloadsEvenWhenUnchanged() {
        let file = Box(Self.valid), applied = Box<[RuleSet]>([]), lines = Box<[String]>([])
        let (w, _) = watcher(file: file, applied: applied, registry: PrometheusCollectorRegistry(), lines: lines)
        #expect(w.reloadNow())
        #expect(applied.value.count == 1)
    }
}

@Suite struct LogFormatTests {
    @Test func logfmtAndJSON() {
        let lines = RulesWatcherTests.Box<[String]>([])
        let sink = LogSink { lines.value.append($0) }
        let logfmt = Logger(label: "t") { MomentsLogHandler(label: $0, format: .logfmt, level: .info, sink: sink) }
        logfmt.info("partition assigned", metadata: ["partition": "interactions/0", "note": "two words"])
        logfmt.debug("hidden below the level")
        let json = Logger(label: "t") { MomentsLogHandler(label: $0, format: .json, level: .info, sink: sink) }
        json.warning("quote \" here", metadata: ["customer_id": "c-1"])
        #expect(lines.value.count == 2)
        #expect(lines.value[0].contains(#"level=info msg="partition assigned" note="two words" partition=interactions/0"#))
        let parsed = try? JSONSerialization.jsonObject(with: Data(lines.value[1].utf8)) as? [String: String]
        #expect(parsed?["msg"] == "quote \" here")
        #expect(parsed?["customer_id"] == "c-1")
        #expect(parsed?["level"] == "warning")
    }
}
