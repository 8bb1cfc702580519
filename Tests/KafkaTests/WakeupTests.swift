import Foundation
import Kafka
import KafkaMock
import Testing

/// The pipe librdkafka writes to when a watched queue receives something after it was served.
/// Each test serves only after a wake-up, and fails if a wait ever runs out: what arrived must
/// have woken the waiter.
@Suite(.serialized) struct WakeupTests {
    @Test func aDeliveryReportWakesTheWaiter() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("w", partitions: 1)
        let reports = Reports()
        let producer = try KafkaProducer(configuration: producerConfig(cluster), onDelivery: reports.add)
        let wakeup = KafkaWakeup()
        producer.notify(wakeup)
        producer.poll(timeoutMs: 0)   // served: whatever comes next writes a wake-up
        try producer.produce(topic: "w", key: nil, value: Array("v".utf8), token: 7)
        var timedOut = false
        while reports.all.isEmpty && !timedOut {
            timedOut = !wakeup.wait(timeoutMs: 20_000)
            producer.poll(timeoutMs: 0)
        }
        #expect(!timedOut)
        #expect(reports.all.map(\.token) == [7])
    }

    @Test func recordsWakeTheWaiterAndWhatIsLeftIsSeen() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("w", partitions: 1)
        let producer = try KafkaProducer(configuration: producerConfig(cluster), onDelivery: { _ in })
        for i in 0..<5 { try producer.produce(topic: "w", key: nil, value: Array("v\(i)".utf8), token: UInt64(i)) }
        try producer.flush(timeoutMs: 10_000)

        let consumer = try KafkaConsumer(configuration: consumerConfig(cluster, group: "wake"))
        let wakeup = KafkaWakeup()
        consumer.notify(wakeup)
        try consumer.subscribe(topics: ["w"])
        var first: ConsumerRecord?
        var timedOut = false
        while first == nil && !timedOut {
            timedOut = !wakeup.wait(timeoutMs: 20_000)
            first = try consumer.poll(timeoutMs: 0)
        }
        #expect(!timedOut)
        #expect(first?.value == Array("v0".utf8))
        // The five were produced as one batch and fetched as one: four are still queued, and a
        // waiter must serve them rather than sleep, since they will write no further wake-up.
        #expect(consumer.hasQueued)
        var rest: [ConsumerRecord] = []
        while let r = try consumer.poll(timeoutMs: 0) { rest.append(r) }
        #expect(rest.map(\.offset) == [1, 2, 3, 4])
        #expect(!consumer.hasQueued)
        consumer.close()
    }

    @Test func aSignalFromAnotherThreadWakesTheWaiter() {
        let wakeup = KafkaWakeup()
        let thread = Thread { wakeup.signal() }
        thread.start()
        #expect(wakeup.wait(timeoutMs: 20_000))
        #expect(!wakeup.wait(timeoutMs: 0))   // consumed: one signal wakes once
    }
}
