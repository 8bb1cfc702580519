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
@Suite(.serialized, .timeLimit(.minutes(4))) struct RebalanceCommitTests {
    @Test func aMemberJoiningUnderTrafficCostsNoOneTheirPartitions() throws {
        let bed = try TestBed(partitions: 4)
        let rules = try Stream.defaultRules()
        // Heartbeats often, so members notice a rebalance (and join) soon after it starts, as in
        // the chaos test; commits every 200 ms (the test bed's interval).
        func member() -> RunningPipeline {
            RunningPipeline(bed.pipeline(group: "settle", rules: rules, changelog: false, consumerProperties: ["heartbeat.interval.ms": "500"]))
        }
        // What the group has committed, as the broker says, partition by partition (one never
        // committed is missing).
        let read = try bed.committedReader(group: "settle")
        let partitions = (0..<Int32(4)).map { TopicPartition(topic: bed.input, partition: $0) }

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
        let settledAt = Date()
        // Commits reach the broker again for every partition, whichever member holds it. Not
        // within a fixed time: the mock coordinator holds every rebalance open for 5 s
        // (session.timeout.ms less a second) whoever has rejoined, and on a loaded machine a
        // late heartbeat or SyncGroup adds another round (CI once saw none in the 12 s after
        // the join settled); the original fault, a group that kept itself rebalancing, shows as
        // no commit at all and as lost partitions.
        let atSettle = try #require(read(partitions), "the group's committed offsets could not be read")
        var latest = atSettle
        let advanced = waitFor(seconds: 60) {
            Thread.sleep(forTimeInterval: 0.25)
            guard let now = read(partitions) else { return false }
            latest = now
            return partitions.allSatisfy { (now[$0] ?? -1) > (atSettle[$0] ?? -1) }
        }
        let took = Date().timeIntervalSince(settledAt)
        #expect(advanced, "commits did not reach the broker for every partition within 60 s of the join settling: \(atSettle) → \(latest); assigned \(members.map { $0.pipeline.status.assigned }), commits accepted \(members.map { $0.pipeline.status.commits })")
        print("rebalance commit test: every partition committed again \(String(format: "%.1f", took)) s after the join settled")
        // Several rebalance windows' worth of steady traffic: nobody loses anything.
        if took < 12 { Thread.sleep(forTimeInterval: 12 - took) }
        let lost = members.map { $0.pipeline.status.partitionsLost }
        #expect(lost == [0, 0, 0], "partitions lost per member: \(lost)")
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
