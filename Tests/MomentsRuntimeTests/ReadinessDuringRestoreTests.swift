import Foundation
import MomentsCore
import MomentsRuntime
import MomentsSimulation
import Prometheus
import Testing

/// A partition assigned with state to rebuild is reported restoring from the moment it is
/// reported assigned: the two were updated apart (restoring only with the gauges, once a
/// second), and `/readyz` said ready in between, long enough for a probe to mark a pod ready
/// whose state was still being replayed.
@Suite struct ReadinessDuringRestoreTests {
    @Test func aPartitionIsRestoringFromItsFirstReportedAssignment() throws {
        let rules = try Stream.defaultRules()
        let bed = try TestBed(partitions: 1)
        try bed.produce(Stream.messages(Stream.busyTraffic(count: 2000), partitions: 1))
        let first = RunningPipeline(bed.pipeline(group: "readiness", rules: rules, changelog: false))
        // Everything committed before the second instance joins: its join starts a rebalance, in
        // which the mock refuses commits, and an earlier commit left the second instance records
        // to process as new (counted as consumed) instead of replaying them (CI saw 1,958).
        let committed = try bed.committedOffset(group: "readiness")
        #expect(waitFor(seconds: 60) { first.pipeline.status.eventsProcessed >= 2000 && committed() == 2000 })
        // A second instance joins and runs (its gauges refreshed) with nothing assigned, as
        // long as the first holds the partition; the first leaves, and the second replays the
        // committed records to rebuild the state.
        let registry = PrometheusCollectorRegistry()
        let second = RunningPipeline(bed.pipeline(
            group: "readiness", rules: rules, changelog: false, metricsFactory: PrometheusMetricsFactory(registry: registry)))
        Thread.sleep(forTimeInterval: 2)
        #expect(second.pipeline.status.assigned.isEmpty)
        #expect(first.stop() == nil)
        var firstAssigned: PipelineStatus?
        let deadline = Date().addingTimeInterval(60)
        while firstAssigned == nil, Date() < deadline {
            let s = second.pipeline.status
            if !s.assigned.isEmpty { firstAssigned = s } else { usleep(200) }
        }
        #expect(waitFor(seconds: 60) { second.pipeline.status.ready })
        #expect(second.stop() == nil)
        // The replayed records are not consumed events (they counted again at every rebalance).
        #expect(samples(registry, "moments_events_consumed_total").allSatisfy { $0.value == 0 }, "\(samples(registry, "moments_events_consumed_total"))")
        let s = try #require(firstAssigned)
        #expect(s.restoringPartitions == 1, "\(EndToEndTests.readiness(s))")
        #expect(!s.ready)
        #expect(second.pipeline.status.restoredEvents > 0)
    }
}
