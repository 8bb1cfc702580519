import Foundation
import Logging
import Metrics
import MomentsCore
import Prometheus
import Testing
@testable import Kafka
@testable import MomentsRuntime

/// The samples of metric `name` in Prometheus text: their labels and values.
func samples(_ registry: PrometheusCollectorRegistry, _ name: String) -> [(labels: [String: String], value: Double)] {
    registry.emitToString().split(separator: "\n").compactMap { line in
        guard line.hasPrefix(name + "{") || line.hasPrefix(name + " ") else { return nil }
        var labels: [String: String] = [:]
        if let open = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}") {
            for pair in line[line.index(after: open)..<close].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
        }
        return (labels, Double(line.split(separator: " ").last!)!)
    }
}

/// Metrics whose label values or series could outgrow what the instance has: queues from the
/// input, gauges of partitions and budgets that left. No broker.
@Suite struct PipelineMetricsTests {
    /// The queue comes from the input, any string: only the first `queueLabelLimit` have a label
    /// value of their own; moments of the others are counted under "other", and none is lost.
    /// The limit is the default or `admin.metrics_queue_labels` (0: every queue is "other").
    @Test(arguments: [PipelineConfiguration.defaultQueueLabelLimit, 7, 0])
    func queueLabelsStopAtTheLimitAndLaterQueuesAreCountedAsOther(limit: Int) {
        let registry = PrometheusCollectorRegistry()
        let metrics = PipelineMetrics(factory: PrometheusMetricsFactory(registry: registry), queueLabelLimit: limit)
        let queuesMet = limit * 5 / 2 + 5
        var total = 0
        // Two and a half times the limit of queues (and five), a moment of two rules each, twice
        // over: the second time, the first queues still count under their own labels.
        for _ in 0..<2 {
            for q in 0..<queuesMet {
                metrics.countDetected(rule: "long-wait", kind: "pain", queue: "q-\(q)", by: 1)
                metrics.countDetected(rule: "abandoned", kind: "pain", queue: "q-\(q)", by: 2)
                total += 3
            }
        }
        metrics.countDetected(rule: "long-wait", kind: "pain", queue: nil, by: 1)   // not a queue of the input
        total += 1

        let detected = samples(registry, "moments_moments_detected_total")
        let queues = Set(detected.compactMap { $0.labels["queue"] })
        #expect(queues.count == limit + 2, "\(queues.count) queue labels")   // + "other" and "none"
        #expect(queues.contains(PipelineMetrics.otherQueue) && queues.contains("none"))
        #expect(queues.subtracting([PipelineMetrics.otherQueue, "none"]) == Set((0..<limit).map { "q-\($0)" }))   // the first ones
        #expect(detected.count == 2 * (limit + 1) + 1)   // per rule: its queues and "other"
        #expect(Int(detected.reduce(0) { $0 + $1.value }) == total)
        let other = detected.filter { $0.labels["queue"] == PipelineMetrics.otherQueue && $0.labels["rule"] == "long-wait" }
        #expect(other.map(\.value) == [Double(2 * (queuesMet - limit))])
        guard limit > 0 else { return }
        let first = detected.filter { $0.labels["queue"] == "q-0" && $0.labels["rule"] == "abandoned" }
        #expect(first.map(\.value) == [4])
    }

    /// A moment of a rule with `alert: false` is counted as detected: counted from delivered
    /// alerts, it never was (a moment of glory meant only for coaching was on no dashboard).
    @Test func aMomentWithoutAnAlertIsCountedAsDetected() throws {
        let registry = PrometheusCollectorRegistry()
        let p = try PendingHandoverTests.pipeline(metricsFactory: PrometheusMetricsFactory(registry: registry))
        p.consumer = try KafkaConsumer(configuration: KafkaConfiguration(["bootstrap.servers": "127.0.0.1:1", "group.id": "unalerted"]), log: { _, _, _ in })
        let rules = try RulesParser.parse(yaml: """
            moments:
              - id: kudos
                kind: glory
                alert: false
                when: { match: { event: agent.flagged } }
            coaching:
              - { id: praise, on: kudos, kind: positive, tip: well done }
            """, file: "r.yaml").get()
        let tp = TopicPartition(topic: "interactions", partition: 0)
        let task = PartitionTask(partition: tp, generation: 0, rules: rules, committed: nil)
        p.tasks[tp] = task
        let event = try EventDecoder().decode(Array(#"{"event_id":"e-1","type":"agent.flagged","occurred_at":"2026-11-24T09:00:00Z","interaction_id":"i-1","customer_id":"c-1","channel":"voice","queue":"billing","agent_id":"a-1","data":{"flag":"great"}}"#.utf8)).get()
        #expect(task.engine.process(event).map(\.id) == ["i-1:kudos:1:praise"])
        p.updateGauges()
        #expect(samples(registry, "moments_moments_detected_total").map { "\($0.labels["rule"] ?? "") \($0.labels["queue"] ?? "") \($0.value)" } == ["kudos billing 1.0"])
        p.updateGauges()
        #expect(samples(registry, "moments_moments_detected_total").map(\.value) == [1], "counted twice")
        // Replayed by a restore, it is not counted again (it was, once the restore ended).
        task.restoreUntil = 1
        let replayed = try EventDecoder().decode(Array(#"{"event_id":"e-2","type":"agent.flagged","occurred_at":"2026-11-24T09:01:00Z","interaction_id":"i-2","customer_id":"c-2","channel":"voice","queue":"billing","agent_id":"a-1","data":{"flag":"great"}}"#.utf8)).get()
        #expect(task.engine.process(replayed).count == 1)
        task.noteProcessed(offset: 0)
        #expect(!task.isRestoring)
        p.updateGauges()
        #expect(samples(registry, "moments_moments_detected_total").map(\.value) == [1], "a replayed moment was counted")
    }

    /// A rule's budget gauge is the sum over this instance's partitions: once none is left, it
    /// is withdrawn rather than kept at its last value.
    /// Counters without labels are in `/metrics` at 0 from the start: one that first appears at
    /// 1 is not seen to rise by `increase()`, so an alert on it missed the first occurrence.
    @Test func unlabelledCountersStartAtZero() throws {
        let registry = PrometheusCollectorRegistry()
        _ = try PendingHandoverTests.pipeline(metricsFactory: PrometheusMetricsFactory(registry: registry))
        for name in ["moments_dead_letters_total", "moments_partitions_lost_total", "moments_stale_deliveries_total",
                     "moments_state_records_failed_total", "moments_resume_lookup_retries_total", "moments_interactions_forgotten_at_limit_total"] {
            #expect(samples(registry, name).map(\.value) == [0], "\(name)")
        }
    }

    @Test func theBudgetGaugeIsWithdrawnWithTheLastPartition() throws {
        let registry = PrometheusCollectorRegistry()
        let p = try PendingHandoverTests.pipeline(metricsFactory: PrometheusMetricsFactory(registry: registry))
        // No broker: its watermarks are unknown, so no lag is reported; nothing else needs one.
        p.consumer = try KafkaConsumer(configuration: KafkaConfiguration(["bootstrap.servers": "127.0.0.1:1", "group.id": "gauges"]), log: { _, _, _ in })
        let tp = TopicPartition(topic: "interactions", partition: 0)
        p.tasks[tp] = PartitionTask(partition: tp, generation: 0, rules: p.rules, committed: nil)
        p.updateGauges()
        #expect(samples(registry, "moments_discount_budget_used").map(\.labels) == [["rule": "apology-discount"]])
        _ = p.rebalanced(.revoked([tp]))
        p.updateGauges()
        #expect(samples(registry, "moments_discount_budget_used").isEmpty)
        #expect(samples(registry, "moments_partitions_assigned").map(\.value) == [0])
        // Back with a partition, back in /metrics.
        p.tasks[tp] = PartitionTask(partition: tp, generation: 1, rules: p.rules, committed: nil)
        p.updateGauges()
        #expect(samples(registry, "moments_discount_budget_used").map(\.labels) == [["rule": "apology-discount"]])
    }
}

/// Rules and silences are handed over from other threads and applied by the pipeline thread.
/// Read and cleared in two critical sections, a hand-over landing in between was cleared
/// without ever being applied. No broker: an applier thread stands in for the pipeline's.
@Suite struct PendingHandoverTests {
    static func pipeline(metricsFactory: (any MetricsFactory)? = nil) throws -> Pipeline {
        let routing = OutputRouting(alerts: "moments.alerts", coaching: "moments.coaching", recovery: "moments.recovery", deadLetter: "moments.dead-letter")
        let config = PipelineConfiguration(consumerProperties: [:], producerProperties: [:], inputTopics: ["interactions"], routing: routing)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        return Pipeline(
            configuration: config, rules: try Stream.defaultRules(), logger: logger,
            metricsFactory: metricsFactory ?? PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()))
    }

    static func silences(_ id: String) -> [Silence] {
        [Silence(id: id, matchers: SilenceMatchers(rules: ["long-wait"]), startsAt: Timestamp(milliseconds: 0), endsAt: Timestamp(milliseconds: 1))]
    }

    /// Each round hands over two sets back to back while the applier spins on the pending value;
    /// the second must be applied. With the old read-then-clear, the second landed between the
    /// applier's read of the first and its clear within a few thousand rounds (the rules case in
    /// every run tried, the silences case in most), and was never applied. "mixed": rules (whose
    /// silences are the first set), then silences alone, as a reload and a `POST /silences` right
    /// after it: with rules and silences taken in two critical sections, the silences were
    /// applied first and the rules, at the next pass, set the older ones back (until 2026-12-07).
    @Test(arguments: ["silences", "rules", "mixed"])
    func theLastHandOverIsAlwaysApplied(_ what: String) throws {
        let p = try Self.pipeline()
        var base = p.rules
        let handOver: (String) -> Void
        switch what {
        case "rules": handOver = { id in base.silences = Self.silences(id); p.replaceRules(base) }
        case "silences": handOver = { id in p.replaceSilences(Self.silences(id)) }
        default:
            handOver = { id in
                if id.hasPrefix("a-") { base.silences = Self.silences(id); p.replaceRules(base) } else { p.replaceSilences(Self.silences(id)) }
            }
        }
        let applied = AppliedID()
        let stop = AppliedID()
        let applier = Thread {
            while stop.get() == nil {
                p.applyPendingChanges()
                applied.set(p.rules.silences.first?.id)
            }
        }
        applier.start()
        var lost: String?
        for round in 0..<20_000 where lost == nil {
            handOver("a-\(round)")
            handOver("b-\(round)")
            let deadline = Date().addingTimeInterval(2)
            while applied.get() != "b-\(round)" {
                if Date() > deadline { lost = "b-\(round) (applied: \(applied.get() ?? "none"))"; break }
            }
        }
        stop.set("stop")
        while !applier.isFinished { Thread.sleep(forTimeInterval: 0.001) }
        #expect(lost == nil, "a hand-over was never applied: \(lost ?? "")")
    }
}

final class AppliedID: @unchecked Sendable {
    private let lock = NSLock()
    private var id: String?
    func set(_ value: String?) { lock.lock(); id = value; lock.unlock() }
    func get() -> String? { lock.lock(); defer { lock.unlock() }; return id }
}

/// The lag gauge of a partition a rebalance takes to another instance is withdrawn at once:
/// kept, both instances reported it, and the alerts' `sum by (job, topic)` counted it twice.
@Suite struct PartitionGaugesTests {
    static func lagPartitions(_ registry: PrometheusCollectorRegistry) -> Set<String> {
        Set(samples(registry, "moments_consumer_lag").compactMap { $0.labels["partition"] })
    }

    @Test func theLagOfARevokedPartitionIsWithdrawn() throws {
        let rules = try Stream.defaultRules()
        let (events, partitions, _) = Stream.twoPartitionStream(rules: rules)
        let bed = try TestBed(partitions: partitions)
        try bed.produce(Array(Stream.messages(events, partitions: partitions)[..<400]))
        let registry = PrometheusCollectorRegistry()
        let heartbeats = ["heartbeat.interval.ms": "500"]
        let first = RunningPipeline(bed.pipeline(
            group: "gauges", rules: rules, consumerProperties: heartbeats, metricsFactory: PrometheusMetricsFactory(registry: registry)))
        #expect(waitFor(seconds: 60) { first.pipeline.status.assigned.count == 2 && Self.lagPartitions(registry) == ["0", "1"] })

        // A second instance joins: one partition moves to it.
        let second = RunningPipeline(bed.pipeline(
            group: "gauges", rules: rules, consumerProperties: heartbeats, metricsFactory: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())))
        #expect(waitFor(seconds: 60) { first.pipeline.status.assigned.count == 1 && second.pipeline.status.assigned.count == 1 })
        let kept = try #require(first.pipeline.status.assigned.first)
        // Withdrawn at the revocation, before `status` shows it; and not brought back since.
        #expect(Self.lagPartitions(registry) == [String(kept.partition)])
        Thread.sleep(forTimeInterval: 1.5)   // a gauge update or more
        #expect(Self.lagPartitions(registry) == [String(kept.partition)])
        #expect(samples(registry, "moments_discount_budget_used").map(\.labels) == [["rule": "apology-discount"]])

        // The second leaves: the partition comes back, and so does its gauge.
        #expect(second.stop() == nil)
        #expect(waitFor(seconds: 60) { first.pipeline.status.assigned.count == 2 && Self.lagPartitions(registry) == ["0", "1"] })
        #expect(first.stop() == nil)
    }
}
