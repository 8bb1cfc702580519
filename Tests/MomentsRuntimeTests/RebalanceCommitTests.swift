import Foundation
import Kafka
import MomentsApp
import MomentsRuntime
import Testing

/// Periodic commits never cross a rebalance. Sent by the pipeline every `commit_interval`, one
/// now and then left while this member's JoinGroup was pending (the coordinator reads a
/// connection's requests in order, so it waited behind the join) and arrived in the next
/// generation, carrying the old one; librdkafka 2.0.2 takes that ILLEGAL_GENERATION for a lost
/// assignment and joins again, which starts another rebalance. With traffic flowing, a group of
/// instances then lost its partitions round after round (the chaos test's group never settled).
/// Now librdkafka's own committer sends them, and it starts none while the member is joining.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RebalanceCommitTests {
    @Test func aMemberJoiningUnderTrafficCostsNoOneTheirPartitions() throws {
        let bed = try TestBed(partitions: 4)
        let rules = try Stream.defaultRules()
        // Heartbeats often, so members notice a rebalance (and join) soon after it starts, as in
        // the chaos test; commits every 200 ms (the test bed's interval).
        func member() -> RunningPipeline {
            RunningPipeline(bed.pipeline(group: "settle", rules: rules, changelog: false, consumerProperties: ["heartbeat.interval.ms": "500"]))
        }
        // What the group has committed, as the broker says: the sum over the four partitions.
        let read = try bed.committedReader(group: "settle")
        let partitions = (0..<Int32(4)).map { TopicPartition(topic: bed.input, partition: $0) }
        func committed() -> Int64? { read(partitions)?.values.reduce(0, +) }

        // Traffic on every partition all along, so every member has progress to commit.
        let feeding = try Feeder(bed: bed, messages: Stream.messages(Stream.busyTraffic(count: 10_000), partitions: 4))
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
        // Several more rebalance windows' worth of steady traffic: nobody loses anything, and
        // commits keep reaching the broker.
        let before = try #require(committed(), "the group's committed offsets could not be read")
        Thread.sleep(forTimeInterval: 12)
        let lost = members.map { $0.pipeline.status.partitionsLost }
        #expect(lost == [0, 0, 0], "partitions lost per member: \(lost)")
        let after = committed()
        #expect(after != nil && after! > before, "no commit reached the broker while the group was settled (\(before) → \(after.map(String.init) ?? "unreadable"))")
        feeding.stop()
        for m in members { #expect(m.stop() == nil) }
    }
}

/// Produces `messages` in small slices, with one producer, on its own thread until stopped,
/// starting over when through them (the engines take repeats for duplicates; the traffic is
/// what matters), so that a slow machine cannot run it dry before the test is done.
private final class Feeder: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    init(bed: TestBed, messages: [(key: String?, value: [UInt8], partition: Int32?)]) throws {
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": bed.broker.bootstrapServers]), onDelivery: { _ in })
        Thread.detachNewThread { [self] in
            defer { done.signal() }
            var next = 0
            while !isStopped {
                for _ in 0..<40 {
                    let m = messages[next % messages.count]
                    try? producer.produce(topic: bed.input, partition: m.partition, key: m.key.map { Array($0.utf8) }, value: m.value, token: UInt64(next))
                    next += 1
                }
                producer.poll(timeoutMs: 0)
                Thread.sleep(forTimeInterval: 0.05)
            }
            try? producer.flush(timeoutMs: 10_000)
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
