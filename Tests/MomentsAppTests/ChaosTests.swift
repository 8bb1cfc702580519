import Foundation
import Kafka
import KafkaMock
import MomentsApp
import MomentsCore
import MomentsSimulation
import MomentsTestSupport
import Testing

/// Three `moments run` processes in one group against the embedded broker; instances are killed
/// with SIGKILL and restarted at seeded random points while traffic flows and the broker
/// misbehaves. At the end every expected output must be there, nothing unexpected, and no
/// recovery action beyond what the rules give. At-least-once: raw duplicates are counted.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ChaosTests {
    @Test func killsRestartsAndBrokerFaultsLoseNothing() throws {
        let root = DaemonOperationsTests.root
        let binary = root.appendingPathComponent(".build/debug/moments").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the moments executable first (make test does)")
        let rules = try DaemonOperationsTests.defaultRules()
        let partitions = 4
        var options = SimulationOptions(seed: 31)
        options.arrivalsPerMinute = 50
        let events = TrafficSimulator.events(options: options, count: 4000)

        // Each partition's engine sees that partition's events in order: expected = one replay per partition.
        func partition(_ key: String) -> Int32 {
            var h: UInt32 = 2_166_136_261
            for b in key.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
            return Int32(h % UInt32(partitions))
        }
        var perPartition = Array(repeating: Replayer(rules: rules), count: partitions)
        var expected: Set<String> = []
        var expectedRecovery: Set<String> = []
        // Where each expected output comes from (input partition/offset: the topic starts empty),
        // so that a failure names the input to look for in the instances' logs.
        var origin: [String: String] = [:]
        var nextOffset = Array(repeating: 0, count: partitions)
        for (n, e) in events.enumerated() {
            let p = Int(partition(e.key))
            defer { nextOffset[p] += 1 }
            for item in perPartition[p].feed(line: Array(e.json.utf8), file: "f", lineNumber: n + 1) {
                guard case .output(let o) = item else { continue }
                expected.insert(o.id)
                origin[o.id] = "interactions/\(p)@\(nextOffset[p])"
                if o.kind == .recovery { expectedRecovery.insert(o.id) }
            }
        }

        let broker = try EmbeddedBroker(topics: ["interactions"] + OutputTopics().all + ["chaos-state-changelog"], partitions: partitions, brokers: 3)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moments-chaos-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // MOMENTS_CHAOS_KEEP=1: the instances log at debug level and their logs are kept (to
        // follow an input named in a failure through the instances that handled it).
        let keep = ProcessInfo.processInfo.environment["MOMENTS_CHAOS_KEEP"] == "1"
        defer { if keep { print("chaos test: logs kept in \(dir.path)") } else { try? FileManager.default.removeItem(at: dir) } }
        try FileManager.default.copyItem(at: root.appendingPathComponent("config/moments.yaml"), to: dir.appendingPathComponent("moments.yaml"))
        // One produce request in flight per connection: librdkafka 2.0.2's mock does not check
        // the idempotent producer's sequence numbers, so while an injected error fails one request
        // it appends the next; librdkafka then takes the failed one for persisted (a real broker
        // would have refused the next as out of order) and reports its messages delivered though
        // they never reached the log. Seen here as an alert missing while its coaching signal
        // from the same event arrived; reproduced with a bare producer on the mock.
        try """
            kafka:
              bootstrap_servers: \(broker.bootstrapServers)
              group_id: chaos
              consumer_properties: { fetch.wait.max.ms: 20, session.timeout.ms: 6000, heartbeat.interval.ms: 500 }
              producer_properties: { max.in.flight.requests.per.connection: 1 }
            processing: { commit_interval: 200ms, wall_clock_advance: false }
            admin: { enabled: false }
            logging: { level: \(keep ? "debug" : "info") }
            rules: moments.yaml
            """.write(to: dir.appendingPathComponent("daemon.yaml"), atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("daemon.yaml").path

        let collector = try OutputCollector(bootstrapServers: broker.bootstrapServers, topics: [OutputTopics().alerts, OutputTopics().recovery, OutputTopics().coaching])
        defer { collector.stop() }
        var rng = SplitMix64(seed: 2026)
        /// A running instance and the log it writes (read by `settled`).
        var instances: [(process: Process, log: URL)] = []
        var launches = 0
        func launch() throws -> (process: Process, log: URL) {
            launches += 1
            let log = dir.appendingPathComponent("instance-\(launches).log")
            return (try DaemonOperationsTests.launch(binary, config: config, log: log), log)
        }
        // Settled: the running instances' logs show every partition owned by exactly one of them
        // and each of them owning one (three instances, four partitions) — the rebalance after
        // the last kill is over and the killed member has left the group.
        func settled() -> Bool {
            var owners: [String: Int] = [:]
            for instance in instances {
                guard instance.process.isRunning else { return false }
                let owned = Self.ownedPartitions(log: instance.log)
                if owned.isEmpty { return false }
                for tp in owned { owners[tp, default: 0] += 1 }
            }
            return owners.count == partitions && owners.values.allSatisfy { $0 == 1 }
        }
        // What each instance's log says it owns, for a group that did not settle.
        func ownership() -> String {
            instances.map { instance in
                let owned = Self.ownedPartitions(log: instance.log).sorted().joined(separator: ",")
                return "\(instance.log.lastPathComponent)\(instance.process.isRunning ? "" : " (exited)"): [\(owned)]"
            }.joined(separator: "; ")
        }
        // The group coordinator is tracked so that it can fail over (see the default case below).
        var coordinator: Int32 = 1
        try broker.cluster.setCoordinator(type: "group", key: "chaos", broker: coordinator)
        for _ in 0..<3 { instances.append(try launch()) }
        defer { for (p, _) in instances where p.isRunning { kill(p.processIdentifier, SIGKILL) } }

        var kills = 0
        var faults: [String] = []
        let chunks = stride(from: 0, to: events.count, by: 500).map { Array(events[$0..<min($0 + 500, events.count)]) }
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": broker.bootstrapServers]), onDelivery: { _ in })
        for (i, chunk) in chunks.enumerated() {
            for (j, e) in chunk.enumerated() {
                try producer.produce(topic: "interactions", partition: partition(e.key), key: Array(e.key.utf8), value: Array(e.json.utf8), token: UInt64(i * 1000 + j))
            }
            try producer.flush(timeoutMs: 30_000)
            Thread.sleep(forTimeInterval: Double(rng.between(300, 1500)) / 1000)
            switch i % 4 {
            case 1:
                // Kill one instance outright, restart it a little later.
                let victim = Int(rng.between(0, Int64(instances.count - 1)))
                let p = instances[victim].process
                if p.isRunning {
                    kill(p.processIdentifier, SIGKILL)
                    p.waitUntilExit()
                    kills += 1
                }
                Thread.sleep(forTimeInterval: Double(rng.between(200, 2000)) / 1000)
                instances[victim] = try launch()
            case 2:
                // Produce requests fail (retriable), then the broker answers slowly for a while.
                broker.cluster.pushRequestErrors(apiKey: KafkaAPI.produce, errors: [KafkaError.notLeaderForPartition, KafkaError.requestTimedOut, KafkaError.notLeaderForPartition])
                try broker.cluster.setRoundTripTime(150)
                faults.append("produce errors ×3, rtt 150 ms")
                Thread.sleep(forTimeInterval: 1.5)
                try broker.cluster.setRoundTripTime(0)
            case 3:
                // Outages hit a settled group only. librdkafka 2.0.2's mock (a) does not count a
                // member as alive while it waits for a JoinGroup answer, so an outage late in a
                // rebalance expires members that are alive, and (b) names members after the
                // address of their freed record, so the next member to join gets the expired
                // one's id; when the live owner of that id joins again, the mock's assertion
                // `!member->resp` aborts the whole process. A real broker answers
                // UNKNOWN_MEMBER_ID instead.
                #expect(waitFor(seconds: 60, settled), "the group did not settle after kill \(kills): \(ownership())")
                // Commits and fetches fail for a moment; the broker goes down and comes back.
                // Not NOT_COORDINATOR here: see the coordinator failover below for why.
                broker.cluster.pushRequestErrors(apiKey: KafkaAPI.offsetCommit, errors: [KafkaError.coordinatorLoadInProgress, KafkaError.requestTimedOut])
                broker.cluster.pushRequestErrors(apiKey: KafkaAPI.fetch, errors: [KafkaError.notLeaderForPartition])
                try broker.cluster.setBrokerDown()
                faults.append("commit errors ×2, fetch error, broker down 2 s")
                Thread.sleep(forTimeInterval: 2)
                try broker.cluster.setBrokerUp()
            default:
                #expect(waitFor(seconds: 60, settled), "the group did not settle after kill \(kills): \(ownership())")
                // The group coordinator's broker fails and another broker takes the group over.
                // Its connections must close with it: librdkafka 2.0.2's mock keeps a member's
                // pending JoinGroup/SyncGroup response on a connection it has stopped reading,
                // so a member that reconnects elsewhere mid-rebalance (a bare coordinator move,
                // or NOT_COORDINATOR on a commit) trips its assertion `!member->resp` and aborts
                // the process. A real coordinator failover closes those connections too.
                let target = coordinator % 3 + 1
                try broker.cluster.setBrokerDown(coordinator)
                try broker.cluster.setCoordinator(type: "group", key: "chaos", broker: target)
                Thread.sleep(forTimeInterval: 1)
                try broker.cluster.setBrokerUp(coordinator)
                faults.append("group coordinator failed over from broker \(coordinator) to \(target)")
                coordinator = target
            }
        }
        let complete = waitFor(seconds: 120) { expected.isSubset(of: Set(collector.ids)) }
        Thread.sleep(forTimeInterval: 1)
        for (p, _) in instances where p.isRunning { kill(p.processIdentifier, SIGTERM) }
        for (p, _) in instances { p.waitUntilExit() }

        let ids = collector.ids
        let got = Set(ids)
        let recovery = got.filter { id in expectedRecovery.contains(id) || id.hasSuffix(":apology-discount") || id.hasSuffix(":priority-callback") }
        print("chaos test: \(launches) launches, \(kills) SIGKILLs, faults: \(faults.joined(separator: "; ")); outputs expected \(expected.count), found \(got.intersection(expected).count), raw duplicates \(ids.count - got.count)")
        if keep {
            // For following a failure through the instances' logs: what was missing, from where.
            let missing = expected.subtracting(got).sorted().map { "\($0) \(origin[$0] ?? "?")" }
            try? missing.joined(separator: "\n").write(to: dir.appendingPathComponent("missing.txt"), atomically: true, encoding: .utf8)
            try? ids.joined(separator: "\n").write(to: dir.appendingPathComponent("collected.txt"), atomically: true, encoding: .utf8)
        }
        #expect(complete, "missing \(expected.subtracting(got).sorted().prefix(5).map { "\($0) (from \(origin[$0] ?? "?"))" })")
        #expect(got.subtracting(expected).isEmpty, "unexpected \(got.subtracting(expected).sorted().prefix(5))")
        #expect(recovery == expectedRecovery)
        #expect(kills >= 2)
    }

    /// The partitions an instance owns according to its log: assigned and not revoked since.
    static func ownedPartitions(log: URL) -> Set<String> {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        var owned: Set<String> = []
        for line in text.split(separator: "\n") {
            guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("partition=") }) else { continue }
            let tp = String(field.dropFirst("partition=".count))
            if line.contains("msg=\"partition assigned\"") { owned.insert(tp) }
            else if line.contains("msg=\"partition revoked\"") || line.contains("msg=\"partition lost\"") { owned.remove(tp) }
        }
        return owned
    }
}
