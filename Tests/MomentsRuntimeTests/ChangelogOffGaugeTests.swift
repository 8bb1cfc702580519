import Foundation
import KafkaMock
import MomentsApp
import MomentsCore
import Prometheus
import Testing
@testable import MomentsRuntime

/// A changelog that could not be set up at the start is left off until a restart, every
/// assignment then replaying all retained input: a gauge says so, for an alert (until
/// 2026-12-07 only a warning at the start did). Only its 0 and its absence are seen here: the
/// embedded broker makes the topic whenever it is asked about it, so the start never fails to.
@Suite(.serialized) struct ChangelogOffGaugeTests {
    static func changelogOff(_ registry: PrometheusCollectorRegistry) -> [Double] { samples(registry, "moments_state_changelog_off").map(\.value) }

    @Test func aChangelogInUseIsNotOffAndNoneConfiguredIsNotSaid() throws {
        let bed = try TestBed(partitions: 1)
        let on = PrometheusCollectorRegistry()
        let withChangelog = RunningPipeline(bed.pipeline(group: "changelog-on", rules: try Stream.defaultRules(), metricsFactory: PrometheusMetricsFactory(registry: on)))
        #expect(waitFor(seconds: 60) { withChangelog.pipeline.status.ready && Self.changelogOff(on) == [0] }, "\(Self.changelogOff(on))")
        #expect(withChangelog.stop() == nil)
        let none = PrometheusCollectorRegistry()
        let without = RunningPipeline(bed.pipeline(group: "changelog-none", rules: try Stream.defaultRules(), changelog: false, metricsFactory: PrometheusMetricsFactory(registry: none)))
        #expect(waitFor(seconds: 60) { without.pipeline.status.ready })
        Thread.sleep(forTimeInterval: 1.5)   // a gauge update or more
        #expect(Self.changelogOff(none).isEmpty)
        #expect(without.stop() == nil)
    }
}
