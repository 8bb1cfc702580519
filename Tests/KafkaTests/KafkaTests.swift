import Foundation
import Kafka
import KafkaMock
import Testing

/// The librdkafka wrapper against the mock cluster, over TCP on 127.0.0.1.
@Suite(.serialized) struct KafkaTests {
    /// After `stopDeliveryReports`, the reports of messages still in flight reach no handler,
    /// not even from the flush at `deinit` (a pipeline stopping with its broker gone).
    @Test func deliveryReportsStopWhenAsked() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 1)
        let reports = Reports()
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers]), onDelivery: reports.add)
        try producer.produce(topic: "t", key: nil, value: Array("first".utf8), token: 1)
        try producer.flush(timeoutMs: 10_000)
        #expect(reports.all.map(\.token) == [1])
        producer.stopDeliveryReports()
        try producer.produce(topic: "t", key: nil, value: Array("second".utf8), token: 2)
        try producer.flush(timeoutMs: 10_000)
        #expect(reports.all.map(\.token) == [1], "a report reached the handler after stopDeliveryReports")
    }

    @Test func aFailedDeliveryReportBringsBackTheMessagesBytes() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 1)
        let reports = Reports()
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers, "message.timeout.ms": "1000"]), log: { _, _, _ in },   // the outage is meant
            onDelivery: reports.add)
        // Delivered first, so that the topic's leader is known; then the broker goes away and
        // the next messages time out in the queue. The metadata is fetched before the first
        // message, so that its timeout covers no connection set-up: with 300 ms and no
        // metadata yet, a busy machine (a parallel test run) timed the first message out too.
        #expect(producer.prepare(topics: ["t"], timeoutMs: 10_000).isEmpty)
        try producer.produce(topic: "t", key: nil, value: Array("first".utf8), token: 1)
        try producer.flush(timeoutMs: 10_000)
        try cluster.setBrokerDown()
        try producer.produce(topic: "t", key: Array("k".utf8), value: Array("v".utf8), headers: [("h1", Array("a".utf8)), ("h2", [])], token: 2)
        try producer.produce(topic: "t", key: nil, value: nil, token: 3)   // a tombstone without a key
        try? producer.flush(timeoutMs: 10_000)
        let byToken = Dictionary(reports.all.map { ($0.token, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byToken[1]?.error == nil && byToken[1]?.undelivered == nil)
        let failed = try #require(byToken[2]?.undelivered)
        #expect(byToken[2]?.error != nil)
        #expect(failed.key == Array("k".utf8))
        #expect(failed.value == Array("v".utf8))
        #expect(failed.headers == [KafkaHeader(name: "h1", value: Array("a".utf8)), KafkaHeader(name: "h2", value: [])])
        let tombstone = try #require(byToken[3]?.undelivered)
        #expect(tombstone.key == nil && tombstone.value == nil && tombstone.headers.isEmpty)
        try cluster.setBrokerUp()
    }

    @Test func produceAndConsumeThroughAGroup() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 2)
        let reports = Reports()
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers]), onDelivery: reports.add)
        for i in 0..<10 {
            try producer.produce(topic: "t", key: Array("k\(i % 3)".utf8), value: Array("v\(i)".utf8), headers: [("h", Array("x\(i)".utf8))], token: UInt64(100 + i))
        }
        try producer.flush(timeoutMs: 10_000)
        #expect(Set(reports.all.map(\.token)) == Set((0..<10).map { UInt64(100 + $0) }))
        #expect(reports.all.allSatisfy { $0.error == nil && $0.offset >= 0 && $0.topic == "t" })

        var rebalances: [RebalanceEvent] = []
        let consumer = try KafkaConsumer(configuration: consumerConfig(cluster, group: "g1"), onRebalance: { event in
            rebalances.append(event)
            return [:]
        })
        try consumer.subscribe(topics: ["t"])
        let records = try read(consumer, count: 10)
        #expect(records.count == 10)
        #expect(Set(records.compactMap { $0.value.map { String(decoding: $0, as: UTF8.self) } }) == Set((0..<10).map { "v\($0)" }))
        let r7 = try #require(records.first { $0.value == Array("v7".utf8) })
        #expect(r7.key == Array("k1".utf8))
        #expect(r7.header("h") == Array("x7".utf8))
        #expect(rebalances.first == .assigned([TopicPartition(topic: "t", partition: 0), TopicPartition(topic: "t", partition: 1)]))
        // Same key, same partition.
        let byKey = Dictionary(grouping: records, by: { $0.key! }).mapValues { Set($0.map(\.partition)) }
        #expect(byKey.values.allSatisfy { $0.count == 1 })
        consumer.close()
        #expect(rebalances.last == .revoked([TopicPartition(topic: "t", partition: 0), TopicPartition(topic: "t", partition: 1)]))
    }

    /// A coordinator that cannot answer is an error, never "no committed offset": taken for the
    /// latter, a newly assigned partition would start without the state of its open interactions.
    @Test func committedOffsetsTheCoordinatorCannotGiveAreAnError() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 1)
        let tp = TopicPartition(topic: "t", partition: 0)
        let consumer = try KafkaConsumer(configuration: consumerConfig(cluster, group: "lookup"))
        try consumer.commit([tp: 3], synchronous: true)
        #expect(try consumer.committed([tp], timeoutMs: 5000) == [tp: 3])
        cluster.pushRequestErrors(apiKey: KafkaAPI.offsetFetch, errors: Array(repeating: KafkaError.coordinatorLoadInProgress, count: 40))
        var answer: [TopicPartition: Int64]?
        var failure: KafkaError?
        do { answer = try consumer.committed([tp], timeoutMs: 3000) } catch { failure = error }
        #expect(answer == nil, "an unanswered lookup was reported as \(answer.map { "\($0)" } ?? "")")
        #expect(failure != nil)
        // Once the coordinator answers again, so does the lookup.
        cluster.clearRequestErrors(apiKey: KafkaAPI.offsetFetch)
        #expect(try consumer.committed([tp], timeoutMs: 5000) == [tp: 3])
    }

    /// A commit that waits for its answer waits no longer than asked: librdkafka holds a
    /// commit while the group has no coordinator (up to `session.timeout.ms`, 45 s by default,
    /// then a request's timeout), and a revocation or a stop waited that long (past systemd's
    /// and Kubernetes' 30 s grace) until 2026-12-07. Once the coordinator is back, the held
    /// commit lands first and a later one after it.
    @Test func aBoundedCommitGivesUpWhenTheCoordinatorCannotAnswer() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 1)
        let tp = TopicPartition(topic: "t", partition: 0)
        let consumer = try KafkaConsumer(configuration: consumerConfig(cluster, group: "bounded", ["session.timeout.ms": "45000"]), log: { _, _, _ in })   // the outage is meant
        try consumer.commit([tp: 2], timeoutMs: 10_000)
        #expect(try consumer.committed([tp], timeoutMs: 5000) == [tp: 2])

        try cluster.setBrokerDown()
        let started = Date()
        var failure: KafkaError?
        do { try consumer.commit([tp: 3], timeoutMs: 1000) } catch { failure = error }
        let waited = Date().timeIntervalSince(started)
        #expect(failure?.code == KafkaError.timedOut, "expected a timeout, found \(failure.map { "\($0)" } ?? "success")")
        // Far below the 45 s librdkafka holds it (a loose bound: the machine is shared).
        #expect(waited < 20, "the commit waited \(waited) s")

        try cluster.setBrokerUp()
        try consumer.commit([tp: 7], timeoutMs: 30_000)
        #expect(try consumer.committed([tp], timeoutMs: 5000) == [tp: 7])
    }

    @Test func tombstonesAndKeylessRecordsAreData() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 1)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers]), onDelivery: { _ in })
        try producer.produce(topic: "t", key: nil, value: [], token: 1)
        try producer.flush(timeoutMs: 10_000)
        let consumer = try KafkaConsumer(configuration: consumerConfig(cluster, group: "g"))
        try consumer.subscribe(topics: ["t"])
        let records = try read(consumer, count: 1)
        #expect(records.count == 1)
        #expect(records.first?.key == nil)
        #expect(records.first?.value == nil || records.first?.value == [])
    }

    /// The buffered poll gives the same records as the plain one, their keys and values one
    /// after another in the caller's buffer: keyless records, null values (every fifth) and an
    /// empty value (offset 1) included, none reading into another's bytes.
    @Test func bufferedPollPutsEachRecordsBytesInTheSharedBuffer() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 1)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers]), onDelivery: { _ in })
        let sent: [(key: [UInt8]?, value: [UInt8]?)] = (0..<40).map { i in
            (i % 4 == 0 ? nil : Array("key-\(i)".utf8), i % 5 == 0 ? nil : Array(String(repeating: "v\(i),", count: i - 1).utf8))
        }
        for (i, r) in sent.enumerated() { try producer.produce(topic: "t", partition: 0, key: r.key, value: r.value, token: UInt64(i)) }
        try producer.flush(timeoutMs: 10_000)
        let consumer = try KafkaConsumer(configuration: consumerConfig(cluster, group: "buffered"))
        try consumer.subscribe(topics: ["t"])
        var bytes: [UInt8] = [0xEE]   // something before: ranges are the buffer's, not the batch's
        var got: [BufferedRecord] = []
        let deadline = Date().addingTimeInterval(20)
        while got.count < sent.count, Date() < deadline {
            if let r = try consumer.poll(timeoutMs: 100, appendingTo: &bytes) { got.append(r) }
        }
        consumer.close()
        #expect(got.map(\.offset) == (0..<Int64(sent.count)).map { $0 })
        for (r, s) in zip(got, sent) {
            #expect(r.topic == "t" && r.partition == 0)
            #expect(r.key.map { Array(bytes[$0]) } == s.key, "key of offset \(r.offset)")
            if let value = s.value, !value.isEmpty {
                #expect(r.value.map { Array(bytes[$0]) } == value, "value of offset \(r.offset)")
            } else if s.value == nil {
                // A null value is no range at all, never an empty one: the pipeline tells them apart.
                #expect(r.value == nil, "null value of offset \(r.offset)")
            } else {
                // librdkafka may hand an empty value over as no payload.
                #expect(r.value.map { bytes[$0].isEmpty } ?? true, "empty value of offset \(r.offset)")
            }
            #expect(r.timestampMs != nil)
        }
        // Nothing but the records' keys and values was appended.
        #expect(bytes.count == 1 + sent.reduce(0) { $0 + ($1.key?.count ?? 0) + ($1.value?.count ?? 0) })
    }

    @Test func aNewConsumerResumesAtTheCommittedOffset() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 1)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers]), onDelivery: { _ in })
        for i in 0..<6 { try producer.produce(topic: "t", key: nil, value: Array("\(i)".utf8), token: UInt64(i)) }
        try producer.flush(timeoutMs: 10_000)
        let tp = TopicPartition(topic: "t", partition: 0)
        do {
            let first = try KafkaConsumer(configuration: consumerConfig(cluster, group: "resume"))
            try first.subscribe(topics: ["t"])
            let records = try read(first, count: 6)
            #expect(records.count == 6)
            try first.commit([tp: 4], synchronous: true)   // 0...3 finished
            #expect(try first.committed([tp], timeoutMs: 5000) == [tp: 4])
            let marks = try first.watermarks(tp, timeoutMs: 5000)
            #expect(marks.low == 0 && marks.high == 6)
            first.close()
        }
        let second = try KafkaConsumer(configuration: consumerConfig(cluster, group: "resume"))
        try second.subscribe(topics: ["t"])
        let rest = try read(second, count: 2)
        #expect(rest.map(\.offset) == [4, 5])
    }

    @Test func theRebalanceHookChoosesStartOffsets() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 1)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers]), onDelivery: { _ in })
        for i in 0..<5 { try producer.produce(topic: "t", key: nil, value: Array("\(i)".utf8), token: UInt64(i)) }
        try producer.flush(timeoutMs: 10_000)
        let tp = TopicPartition(topic: "t", partition: 0)
        let consumer = try KafkaConsumer(configuration: consumerConfig(cluster, group: "rewind"), onRebalance: { event in
            if case .assigned = event { return [tp: 3] }
            return [:]
        })
        try consumer.subscribe(topics: ["t"])
        #expect(try read(consumer, count: 2).map(\.offset) == [3, 4])
    }

    @Test func deliveriesSurviveABrokerOutage() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 1)
        let reports = Reports()
        let logs = LogLines()
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers, "message.timeout.ms": "30000"]),
            log: logs.add, onDelivery: reports.add)
        try producer.produce(topic: "t", key: nil, value: [1], token: 1)
        try producer.flush(timeoutMs: 10_000)
        try cluster.setBrokerDown()
        try producer.produce(topic: "t", key: nil, value: [2], token: 2)
        // Nothing may arrive while the broker is down: serve reports for a while and check.
        let downUntil = Date().addingTimeInterval(0.5)
        while Date() < downUntil { producer.poll(timeoutMs: 50) }
        #expect(reports.all.count == 1)
        #expect(producer.outstanding == 1)
        try cluster.setBrokerUp()
        try producer.flush(timeoutMs: 20_000)
        #expect(reports.all.map(\.token) == [1, 2])
        // The outage reached the log handler (not stderr), at warning level or above.
        #expect(logs.all.contains { $0.level <= 4 && $0.message.contains("127.0.0.1") })
        #expect(reports.all.allSatisfy { $0.error == nil })
    }

    @Test func injectedProduceErrorsAreRetriedOrReported() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 1)
        let reports = Reports()
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers]), onDelivery: reports.add)
        try producer.produce(topic: "t", key: nil, value: [0], token: 0)
        try producer.flush(timeoutMs: 10_000)
        // A retriable error is retried by librdkafka; the message still arrives.
        cluster.pushRequestErrors(apiKey: KafkaAPI.produce, errors: [KafkaError.notLeaderForPartition, KafkaError.requestTimedOut])
        try producer.produce(topic: "t", key: nil, value: [1], token: 1)
        try producer.flush(timeoutMs: 20_000)
        #expect(reports.all.last?.token == 1)
        #expect(reports.all.last?.error == nil)
    }

    @Test func invalidPropertiesAreNamed() {
        #expect(throws: KafkaError.self) { _ = try KafkaProducer(configuration: KafkaConfiguration(["no.such.property": "1"]), onDelivery: { _ in }) }
        do {
            _ = try KafkaConsumer(configuration: KafkaConfiguration(["bootstrap.servers": "127.0.0.1:1"]))
            Issue.record("a consumer without group.id was created")
        } catch {
            #expect(error.message.contains("group.id"))
        }
    }

    @Test func theRelayServesAFixedLoopbackPort() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 1)
        let target = String(cluster.bootstrapServers.split(separator: ",")[0])
        // Port 0: one the system chooses, which the relay's address then names (it named port 0,
        // where nothing could connect); `localhost` is taken as 127.0.0.1.
        let r = try BootstrapRelay(host: "localhost", port: 0, target: target)
        defer { r.stop() }
        #expect(r.port != 0)
        #expect(r.address == "127.0.0.1:\(r.port)")
        let reports = Reports()
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": r.address]), log: LogLines().add, onDelivery: reports.add)
        try producer.produce(topic: "t", key: nil, value: Array("via relay".utf8), token: 9)
        try producer.flush(timeoutMs: 10_000)
        #expect(reports.all.first?.error == nil)
        let consumer = try KafkaConsumer(configuration: KafkaConfiguration([
            "bootstrap.servers": r.address, "group.id": "relay", "auto.offset.reset": "earliest", "fetch.wait.max.ms": "20",
        ]), log: LogLines().add)
        try consumer.subscribe(topics: ["t"])
        #expect(try read(consumer, count: 1).first?.value == Array("via relay".utf8))
        #expect(throws: RelayError.self) { _ = try BootstrapRelay(host: "0.0.0.0", port: 39300, target: target) }
        #expect(throws: RelayError.self) { _ = try BootstrapRelay(host: "127.0.0.1", port: 39300, target: "10.0.0.1:9092") }
        // stop() cuts the relayed connections and releases the port at once.
        consumer.close()
        r.stop()
        let again = try BootstrapRelay(host: "127.0.0.1", port: r.port, target: target)
        again.stop()
    }
}
