import Foundation
import Kafka
import KafkaMock
import MomentsApp
import MomentsCore
import MomentsRuntime
import MomentsTestSupport
import Prometheus
import Testing

/// Silences pushed to a running pipeline reach its engines; what they mute, and what inhibition
/// holds back, is still counted in the metrics.
@Suite(.serialized, .timeLimit(.minutes(2))) struct SilencePipelineTests {
    static let rules = try! RulesParser.parse(yaml: """
        moments:
          - id: escalation
            kind: pain
            inhibits: [{ moment: rude-agent, scope: interaction }]
            when: { match: { event: interaction.escalated } }
          - id: rude-agent
            kind: pain
            when: { match: { event: agent.flagged, where: { flag: rude } } }
        """, file: "r.yaml").get()

    static func event(_ id: String, _ type: String, interaction: String, queue: String, data: String = "{}") -> [UInt8] {
        Array(#"{"event_id":"\#(id)","type":"\#(type)","occurred_at":"2026-11-24T09:00:0\#(id.suffix(1)).000Z","interaction_id":"\#(interaction)","customer_id":"c-1","channel":"voice","queue":"\#(queue)","agent_id":"a-1","data":\#(data)}"#.utf8)
    }

    @Test func aSilenceSetAtRunTimeMutesButCounts() throws {
        let broker = try EmbeddedBroker(topics: ["interactions"] + OutputTopics().all, partitions: 1)
        let registry = PrometheusCollectorRegistry()
        let pipeline = Pipeline(configuration: DaemonOperationsTests.pipelineConfig(broker, group: "silences"), rules: Self.rules,
                                metricsFactory: PrometheusMetricsFactory(registry: registry))
        pipeline.replaceSilences([Silence(
            id: "s-1", matchers: SilenceMatchers(queues: ["billing"]),
            startsAt: RFC3339.parse("2026-11-24T08:00:00Z")!, endsAt: RFC3339.parse("2026-11-24T10:00:00Z")!)])
        let done = DispatchSemaphore(value: 0)
        pipeline.runInBackground { _ in done.signal() }
        try DaemonOperationsTests.produce(broker, [
            ("c-1", Self.event("e-1", "interaction.escalated", interaction: "i-billing", queue: "billing")),  // silenced
            ("c-1", Self.event("e-2", "interaction.escalated", interaction: "i-tech", queue: "tech")),        // emitted
            ("c-1", Self.event("e-3", "agent.flagged", interaction: "i-tech", queue: "tech", data: #"{"flag":"rude"}"#)),  // inhibited
        ])
        #expect(waitFor(seconds: 30) { pipeline.status.eventsProcessed >= 3 && pipeline.status.outputsDelivered >= 1 })
        Thread.sleep(forTimeInterval: 1.5)   // suppressed moments are counted with the gauges, once a second
        let text = registry.emitToString()
        pipeline.stop()
        done.wait()

        #expect(pipeline.status.outputsDelivered == 1)
        #expect(DaemonOperationsTests.metric(text, "moments_outputs_produced_total", #"topic="moments.alerts""#) == 1)
        #expect(DaemonOperationsTests.metric(text, "moments_silenced_total", #"rule="escalation""#) == 1)
        #expect(DaemonOperationsTests.metric(text, "moments_inhibited_total", #"by="escalation""#) == 1)
        #expect(DaemonOperationsTests.metric(text, "moments_moments_detected_total", #"rule="escalation""#) == 2)
        #expect(DaemonOperationsTests.metric(text, "moments_moments_detected_total", #"rule="rude-agent""#) == 1)
    }
}
