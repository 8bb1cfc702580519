import Foundation
import Kafka
import Logging
@testable import MomentsApp
import MomentsCore
import MomentsRuntime
import Prometheus
import Testing

/// A stalled pipeline is said in the log and a gauge when it begins and when it ends, once
/// each: `/healthz` answered 503 and the daemon was restarted with nothing saying why.
@Suite struct StallWatchTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var all: [String] = []
        func append(_ line: String) { lock.lock(); all.append(line); lock.unlock() }
        var value: [String] { lock.lock(); defer { lock.unlock() }; return all }
    }

    @Test func aStallIsSaidWhenItBeginsAndWhenItEnds() {
        let second: UInt64 = 1_000_000_000
        let lastSign = Lines()   // the last sign of life, in seconds, as text: one lock for the test
        lastSign.append("100")
        let lines = Lines()
        let registry = PrometheusCollectorRegistry()
        let reporter = StallReporter(
            status: {
                var s = PipelineStatus()
                s.running = true
                s.lastSignOfLifeNs = UInt64(lastSign.value.last!)! * second
                return s
            },
            stallTimeout: .seconds(120),
            logger: Logger(label: "test") { MomentsLogHandler(label: $0, format: .logfmt, level: .info, sink: LogSink { lines.append($0) }) },
            metricsFactory: PrometheusMetricsFactory(registry: registry))
        func gauge() -> [Double] { samples(registry, "moments_pipeline_stalled") }
        #expect(gauge() == [0])
        reporter.look(nowNs: 200 * second)
        #expect(lines.value.isEmpty)
        #expect(gauge() == [0])
        reporter.look(nowNs: 221 * second)
        #expect(lines.value.count == 1)
        #expect(lines.value.last?.contains("level=error") == true)
        #expect(lines.value.last?.contains("silent_ms=121000") == true, "\(lines.value)")
        #expect(gauge() == [1])
        reporter.look(nowNs: 300 * second)
        #expect(lines.value.count == 1, "said again: \(lines.value)")
        #expect(gauge() == [1])
        lastSign.append("305")
        reporter.look(nowNs: 306 * second)
        #expect(lines.value.count == 2)
        #expect(lines.value.last?.contains("the pipeline thread goes on again") == true)
        #expect(gauge() == [0])
    }

    /// The samples' values of metric `name` (no labels here).
    func samples(_ registry: PrometheusCollectorRegistry, _ name: String) -> [Double] {
        registry.emitToString().split(separator: "\n").filter { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") }.compactMap { Double($0.split(separator: " ").last!) }
    }
}
