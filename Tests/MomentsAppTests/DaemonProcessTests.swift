import Foundation
import Kafka
import KafkaMock
import Logging
import MomentsApp
import MomentsCore
import MomentsRuntime
import MomentsSimulation
import MomentsTestSupport
import Prometheus
import Testing

/// The daemon as operators run it: metrics after a run, readiness through a broker outage, and
/// the real `moments run` process stopped with SIGTERM mid-stream and started again.
@Suite(.serialized, .timeLimit(.minutes(4))) struct DaemonOperationsTests {
    static var root: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    static func defaultRules() throws -> RuleSet {
        let path = root.appendingPathComponent("config/moments.yaml").path
        return try RulesParser.parse(yaml: String(contentsOfFile: path, encoding: .utf8), file: path).get()
    }

    static func produce(_ broker: EmbeddedBroker, _ messages: [(String?, [UInt8])]) throws {
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": broker.bootstrapServers]), onDelivery: { _ in })
        for (i, m) in messages.enumerated() { try producer.produce(topic: "interactions", key: m.0.map { Array($0.utf8) }, value: m.1, token: UInt64(i)) }
        try producer.flush(timeoutMs: 30_000)
    }

    static func pipelineConfig(_ broker: EmbeddedBroker, group: String) -> PipelineConfiguration {
        let t = OutputTopics()
        var c = PipelineConfiguration(
            consumerProperties: ["bootstrap.servers": broker.bootstrapServers, "group.id": group, "fetch.wait.max.ms": "20", "session.timeout.ms": "6000"],
            producerProperties: ["bootstrap.servers": broker.bootstrapServers], inputTopics: ["interactions"],
            routing: t.routing)
        c.commitInterval = Duration(milliseconds: 200)
        c.wallClockAdvance = false
        return c
    }

    /// `name{labels} value` → value, summed over every label set that contains `labels`.
    static func metric(_ text: String, _ name: String, _ labels: String = "") -> Double {
        text.split(separator: "\n").filter { line in
            line.hasPrefix(name + "{") || line.hasPrefix(name + " ")
        }.filter { labels.isEmpty || $0.contains(labels) }.compactMap { Double($0.split(separator: " ").last!) }.reduce(0, +)
    }

    @Test func metricsMatchTheOutputs() throws {
        let lines = try String(contentsOf: Self.root.appendingPathComponent("Tests/Fixtures/reference-stream.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let rules = try Self.defaultRules()
        var replayer = Replayer(rules: rules)
        var expected: [Output] = []
        for (n, l) in lines.enumerated() {
            for item in replayer.feed(line: Array(l.utf8), file: "f", lineNumber: n + 1) { if case .output(let o) = item { expected.append(o) } }
        }
        let broker = try EmbeddedBroker(topics: ["interactions"] + OutputTopics().all, partitions: 1)
        try Self.produce(broker, lines.map { ("c", Array($0.utf8)) })
        let registry = PrometheusCollectorRegistry()
        let pipeline = Pipeline(configuration: Self.pipelineConfig(broker, group: "metrics"), rules: rules, metricsFactory: PrometheusMetricsFactory(registry: registry))
        let done = DispatchSemaphore(value: 0)
        pipeline.runInBackground { _ in done.signal() }
        #expect(waitFor(seconds: 30) { pipeline.status.outputsDelivered >= expected.count + 2 })
        Thread.sleep(forTimeInterval: 1.2)   // one gauge refresh
        let text = registry.emitToString()
        pipeline.stop()
        done.wait()

        #expect(Self.metric(text, "moments_events_consumed_total", #"topic="interactions""#) == Double(lines.count))
        #expect(Self.metric(text, "moments_dead_letters_total") == 2)
        #expect(Self.metric(text, "moments_decode_failures_total", #"reason="invalid_json""#) == 1)
        #expect(Self.metric(text, "moments_decode_failures_total", #"reason="invalid_value""#) == 1)
        let alerts = expected.filter { $0.kind == .alert }, recovery = expected.filter { $0.kind == .recovery }, coaching = expected.filter { $0.kind == .coaching }
        #expect(Self.metric(text, "moments_outputs_produced_total", #"topic="moments.alerts""#) == Double(alerts.count))
        #expect(Self.metric(text, "moments_outputs_produced_total", #"topic="moments.recovery""#) == Double(recovery.count))
        #expect(Self.metric(text, "moments_outputs_produced_total", #"topic="moments.coaching""#) == Double(coaching.count))
        #expect(Self.metric(text, "moments_outputs_produced_total", #"topic="moments.dead-letter""#) == 2)
        #expect(Self.metric(text, "moments_moments_detected_total") == Double(alerts.count))
        #expect(Self.metric(text, "moments_moments_detected_total", #"rule="long-wait""#) == 3)
        #expect(Self.metric(text, "moments_recovery_actions_total", #"action="discount""#) == 4)
        #expect(Self.metric(text, "moments_coaching_signals_total", #"kind="positive""#) == 3)
        #expect(Self.metric(text, "moments_processing_latency_seconds_count") == Double(expected.count + 2))
        #expect(Self.metric(text, "moments_consumer_lag", #"partition="0""#) == 0)
        #expect(Self.metric(text, "moments_partitions_assigned") == 1)
        #expect(Self.metric(text, "moments_consumer_prefetched") == 0)   // everything fetched was read
        #expect(Self.metric(text, "moments_discount_budget_used", #"rule="apology-discount""#) >= 1)
    }

    @Test func readinessFollowsTheBroker() throws {
        let broker = try EmbeddedBroker(topics: ["interactions"] + OutputTopics().all, partitions: 1)
        let pipeline = Pipeline(configuration: Self.pipelineConfig(broker, group: "ready"), rules: try Self.defaultRules())
        let done = DispatchSemaphore(value: 0)
        pipeline.runInBackground { _ in done.signal() }
        #expect(waitFor(seconds: 20) { pipeline.status.ready })
        try broker.cluster.setBrokerDown()
        #expect(waitFor(seconds: 20) { !pipeline.status.ready })
        #expect(!pipeline.status.brokerReachable)
        try broker.cluster.setBrokerUp()
        #expect(waitFor(seconds: 30) { pipeline.status.ready })
        pipeline.stop()
        done.wait()
    }

    @Test func sigtermMidStreamThenRestartLosesAndDuplicatesNothing() throws {
        let binary = Self.root.appendingPathComponent(".build/debug/moments").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the moments executable first (make test does)")
        let rules = try Self.defaultRules()
        let events = TrafficSimulator.events(options: SimulationOptions(seed: 21), count: 2400)
        // One partition: the expected outputs are exactly one replay of the stream.
        var replayer = Replayer(rules: rules)
        var expected: Set<String> = []
        for (n, e) in events.enumerated() {
            for item in replayer.feed(line: Array(e.json.utf8), file: "f", lineNumber: n + 1) { if case .output(let o) = item { expected.insert(o.id) } }
        }
        let broker = try EmbeddedBroker(topics: ["interactions"] + OutputTopics().all + ["sigterm-state-changelog"], partitions: 1)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moments-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("config/moments.yaml"), to: dir.appendingPathComponent("moments.yaml"))
        let config = """
            kafka:
              bootstrap_servers: \(broker.bootstrapServers)
              group_id: sigterm
              consumer_properties: { fetch.wait.max.ms: 20, session.timeout.ms: 6000 }
            processing: { commit_interval: 200ms, wall_clock_advance: false }
            admin: { enabled: false }
            rules: moments.yaml
            """
        try config.write(to: dir.appendingPathComponent("daemon.yaml"), atomically: true, encoding: .utf8)

        let collector = try OutputCollector(bootstrapServers: broker.bootstrapServers, topics: [OutputTopics().alerts, OutputTopics().recovery, OutputTopics().coaching])
        defer { collector.stop() }
        try Self.produce(broker, events[..<1200].map { ($0.key, Array($0.json.utf8)) })
        let first = try Self.launch(binary, config: dir.appendingPathComponent("daemon.yaml").path, log: dir.appendingPathComponent("first.log"))
        #expect(waitFor(seconds: 60) { collector.ids.count >= 40 })
        kill(first.processIdentifier, SIGTERM)
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        let firstLog = (try? String(contentsOf: dir.appendingPathComponent("first.log"), encoding: .utf8)) ?? ""
        #expect(firstLog.contains("msg=stopped"))
        let beforeRestart = collector.ids.count

        try Self.produce(broker, events[1200...].map { ($0.key, Array($0.json.utf8)) })
        let second = try Self.launch(binary, config: dir.appendingPathComponent("daemon.yaml").path, log: dir.appendingPathComponent("second.log"))
        let complete = waitFor(seconds: 90) { expected.isSubset(of: Set(collector.ids)) }
        Thread.sleep(forTimeInterval: 0.5)
        kill(second.processIdentifier, SIGTERM)
        second.waitUntilExit()

        let ids = collector.ids
        print("sigterm test: expected \(expected.count) outputs; \(beforeRestart) before SIGTERM; got \(ids.count), \(ids.count - Set(ids).count) duplicated")
        #expect(complete, "missing \(expected.subtracting(ids).sorted().prefix(5))")
        #expect(Set(ids) == expected)
        #expect(ids.count == Set(ids).count, "a clean shutdown and restart must not duplicate outputs")
        #expect(second.terminationStatus == 0)
    }

    /// A second SIGTERM during a stop ends the process at once, by SIGTERM itself: a shell shows
    /// 143, and systemd counts it a clean stop (an exit status of 143, or SIGINT's 130 for both
    /// before, was a failure).
    @Test func aSecondSigtermEndsTheStopAtOnceWithItsStatus() throws {
        let (binary, broker, dir) = try Self.daemonScratch(group: "second-signal")
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            kafka: { bootstrap_servers: "\(broker.bootstrapServers)", group_id: second-signal, consumer_properties: { session.timeout.ms: 6000 } }
            processing: { shutdown_timeout: 20s }
            admin: { enabled: false }
            rules: \(Self.root.appendingPathComponent("config/moments.yaml").path)
            """.write(to: dir.appendingPathComponent("daemon.yaml"), atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("daemon.log")
        let daemon = try Self.launch(binary, config: dir.appendingPathComponent("daemon.yaml").path, log: log)
        #expect(waitFor(seconds: 60) { ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("partition assigned") })
        // A broker that answers ten seconds late holds the stop up (its commit, its group leave).
        try broker.cluster.setRoundTripTime(10_000)
        kill(daemon.processIdentifier, SIGTERM)
        Thread.sleep(forTimeInterval: 1)
        #expect(daemon.isRunning, "the first stop ended by itself")
        kill(daemon.processIdentifier, SIGTERM)
        #expect(waitFor(seconds: 10) { !daemon.isRunning })
        daemon.waitUntilExit()
        #expect(daemon.terminationReason == .uncaughtSignal)
        #expect(daemon.terminationStatus == SIGTERM)
        #expect(((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("forced exit on second signal"))
    }

    /// `moments run` as systemd runs a `Type=notify` service with a watchdog: told it runs (once
    /// its admin endpoint listens), then what it does, fed while it lives, told of a reload
    /// before and after, and of the stop.
    @Test func systemdHearsTheStartTheWatchdogAReloadAndTheStop() throws {
        let (binary, broker, dir) = try Self.daemonScratch(group: "notify")
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            kafka: { bootstrap_servers: "\(broker.bootstrapServers)", group_id: notify, consumer_properties: { session.timeout.ms: 6000 } }
            admin: { listen: "127.0.0.1:0", state_dir: "\(dir.path)/state" }
            rules: \(Self.root.appendingPathComponent("config/moments.yaml").path)
            """.write(to: dir.appendingPathComponent("daemon.yaml"), atomically: true, encoding: .utf8)
        let listener = try NotifySocketListener()
        let log = dir.appendingPathComponent("daemon.log")
        let daemon = try Self.launch(
            binary, config: dir.appendingPathComponent("daemon.yaml").path, log: log,
            environment: ["NOTIFY_SOCKET": listener.name, "WATCHDOG_USEC": "400000"])
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        let started = listener.receive(seconds: 60) { $0.hasPrefix("READY=1") }
        #expect(started.last?.hasPrefix("READY=1\nSTATUS=") == true, "no READY=1: \(started)")
        #expect(((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("Server started and listening"), "ready before the admin endpoint listened")
        // Fed twice per interval while the pipeline lives, and told once its partition runs.
        #expect(listener.receive(seconds: 30) { $0.contains("WATCHDOG=1") }.last?.contains("WATCHDOG=1") == true)
        let ready = listener.receive(seconds: 60) { $0.contains("STATUS=ready: 1 partition;") }
        #expect(ready.last?.contains("STATUS=ready: 1 partition;") == true, "never said ready: \(ready.suffix(3))")
        kill(daemon.processIdentifier, SIGHUP)
        let reload = listener.receive(seconds: 30) { $0.hasPrefix("READY=1") }
        #expect(reload.contains { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") }, "no RELOADING=1: \(reload)")
        #expect(reload.last?.hasPrefix("READY=1\nSTATUS=rules reloaded") == true)
        kill(daemon.processIdentifier, SIGTERM)
        let stop = listener.receive(seconds: 30) { $0.hasPrefix("STOPPING=1") }
        #expect(stop.last?.hasPrefix("STOPPING=1") == true, "no STOPPING=1: \(stop.suffix(3))")
        #expect(waitFor(seconds: 60) { !daemon.isRunning })
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
    }

    /// An admin port another process holds fails the start, and systemd is never told the
    /// daemon is ready (`READY=1` waits for the endpoint to listen): `systemctl start` fails
    /// with the reason in the journal instead of succeeding before the failure.
    @Test func aStartThatCannotListenIsNeverSaidReady() throws {
        let (binary, broker, dir) = try Self.daemonScratch(group: "clash")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The port the broker listens on is taken: the admin endpoint cannot have it.
        let taken = try #require(broker.bootstrapServers.split(separator: ",").first)
        try """
            kafka: { bootstrap_servers: "\(broker.bootstrapServers)", group_id: clash, consumer_properties: { session.timeout.ms: 6000 } }
            admin: { listen: "\(taken)", state_dir: "\(dir.path)/state" }
            rules: \(Self.root.appendingPathComponent("config/moments.yaml").path)
            """.write(to: dir.appendingPathComponent("daemon.yaml"), atomically: true, encoding: .utf8)
        let listener = try NotifySocketListener()
        let daemon = try Self.launch(
            binary, config: dir.appendingPathComponent("daemon.yaml").path, log: dir.appendingPathComponent("daemon.log"),
            environment: ["NOTIFY_SOCKET": listener.name])
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        #expect(waitFor(seconds: 60) { !daemon.isRunning }, "the daemon ran on without its admin endpoint")
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus != 0)
        #expect(listener.receive(seconds: 1).allSatisfy { !$0.contains("READY=1") })
    }

    /// What a test of the real `moments run` needs: the built binary, an embedded broker with the
    /// daemon's topics and `group`'s changelog, one partition each, and a folder of its own
    /// (the caller removes it).
    static func daemonScratch(group: String) throws -> (binary: String, broker: EmbeddedBroker, dir: URL) {
        let binary = root.appendingPathComponent(".build/debug/moments").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the moments executable first (make test does)")
        let broker = try EmbeddedBroker(topics: ["interactions"] + OutputTopics().all + ["\(group)-state-changelog"], partitions: 1)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moments-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (binary, broker, dir)
    }

    static func launch(_ binary: String, config: String, log: URL, environment: [String: String] = [:]) throws -> Process {
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["run", "--config", config]
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        p.standardError = try FileHandle(forWritingTo: log)
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return p
    }
}
