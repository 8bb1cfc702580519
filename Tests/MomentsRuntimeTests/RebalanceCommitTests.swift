import Foundation
import Kafka
import MomentsRuntime
import Testing

/// Periodic commits never cross a rebalance. Sent by the pipeline every `commit_interval`, one
/// now and then left while this member's JoinGroup was pending (the coordinator reads a
/// connection's requests in order, so it waited behind the join) and arrived in the next
/// generation, carrying the old one; librdkafka 2.0.2 takes that ILLEGAL_GENERATION for a lost
/// assignment and joins again, which starts another rebalance. With traffic flowing, a group of
/// instances then lost its partitions round after round (the chaos test's group never settled).
@Suite(.serialized, .timeLimit(.minutes(3))) struct RebalanceCommitTests {
    @Test func aMemberJoiningUnderTrafficCostsNoOneTheirPartitions() throws {
        let bed = try TestBed(partitions: 4)
        let rules = try Stream.defaultRules()
        // Heartbeats often, so members notice a rebalance (and join) soon after it starts, as in
        // the chaos test; commits every 200 ms (the test bed's interval).
        func member() -> RunningPipeline {
            RunningPipeline(bed.pipeline(group: "settle", rules: rules, changelog: false, consumerProperties: ["heartbeat.interval.ms": "500"]))
        }
        // Traffic on every partition all along, so every member has progress to commit.
        let events = Stream.busyTraffic(count: 20_000)
        let feeding = Feeder(bed: bed, messages: Stream.messages(events, partitions: 4))
        defer { feeding.stop() }

        let a = member(), b = member()
        #expect(waitFor(seconds: 30) { a.pipeline.status.assigned.count == 2 && b.pipeline.status.assigned.count == 2 })
        let c = member()
        let members = [a, b, c]
        // The join's rebalance is over once every member holds a partition and all four are held.
        let settled = waitFor(seconds: 30) {
            let held = members.map { $0.pipeline.status.assigned }
            return held.allSatisfy { !$0.isEmpty } && Set(held.joined()).count == 4 && held.map(\.count).reduce(0, +) == 4
        }
        #expect(settled, "assignments: \(members.map { $0.pipeline.status.assigned })")
        // Several more rebalance windows' worth of steady traffic: nobody loses anything.
        Thread.sleep(forTimeInterval: 12)
        let lost = members.map { $0.pipeline.status.partitionsLost }
        #expect(lost == [0, 0, 0], "partitions lost per member: \(lost)")
        #expect(members.allSatisfy { $0.pipeline.status.commits > 0 })
        feeding.stop()
        for m in members { #expect(m.stop() == nil) }
    }
}

/// Produces `messages` in small slices on its own thread until stopped (or out of messages).
private final class Feeder: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    init(bed: TestBed, messages: [(key: String?, value: [UInt8], partition: Int32?)]) {
        Thread.detachNewThread { [self] in
            defer { done.signal() }
            var next = 0
            while next < messages.count && !isStopped {
                let slice = Array(messages[next..<min(next + 40, messages.count)])
                try? bed.produce(slice)
                next += slice.count
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    func stop() {
        lock.lock()
        let first = !stopped
        stopped = true
        lock.unlock()
        if first { done.wait() }
    }
}
