import Foundation
import Kafka
import KafkaMock
import MomentsApp
import MomentsCore
import Testing
@testable import MomentsRuntime
#if canImport(Glibc)
import Glibc
#endif

/// Reading a changelog partition back to its end. Written in transactions (exactly-once), a
/// changelog ends with a commit marker: an offset librdkafka never hands over as a record. The
/// read counted its position from records alone, so it never reached the end, ran into its
/// timeout, and the state was rebuilt by replaying the input instead (a minute per partition).
///
/// librdkafka 2.0.2's mock cluster writes no transaction markers, so the test appends one
/// itself: a control batch in a Produce request of its own (`appendCommitMarker`), which the
/// mock stores as it is and serves to consumers like a real broker's marker.
@Suite(.serialized) struct ChangelogReadTests {
    let changelog = Changelog(topic: "moments-state-changelog")
    let input = TopicPartition(topic: "interactions", partition: 0)

    func reader(_ bed: TestBed) throws -> KafkaConsumer {
        // As the pipeline's reader of an exactly-once instance (`prepareChangelog`).
        try KafkaConsumer(configuration: KafkaConfiguration([
            "bootstrap.servers": bed.broker.bootstrapServers, "group.id": "changelog-reader", "enable.partition.eof": "false",
            "isolation.level": "read_committed", "fetch.wait.max.ms": "20",
        ]))
    }

    func produce(_ bed: TestBed, _ records: [(key: String, value: [UInt8]?, partitionRecord: Bool)]) throws {
        let failures = Failures()
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": bed.broker.bootstrapServers]), onDelivery: { r in
            if r.error != nil { failures.add() }
        })
        for (i, r) in records.enumerated() {
            try producer.produce(
                topic: changelog.topic, partition: 0, key: Array("\(input.topic)/\(r.key)".utf8), value: r.value,
                headers: r.partitionRecord ? [Changelog.partitionHeader] : [], token: UInt64(i))
        }
        try producer.flush(timeoutMs: 10_000)
        #expect(failures.count == 0)
    }

    @Test func aReadEndsAtACommitMarkerAndRestoresTheLatestState() throws {
        let bed = try TestBed(partitions: 1)
        try bed.broker.cluster.createTopic(changelog.topic, partitions: 1)
        try produce(bed, [("c-1", [1], false), ("c-2", [2], false), ("c-2", nil, false)])
        try appendCommitMarker(bootstrap: bed.broker.bootstrapServers, topic: changelog.topic, partition: 0)   // between transactions
        try produce(bed, [("c-3", [3], false), ("", Array("clock".utf8), true)])
        try appendCommitMarker(bootstrap: bed.broker.bootstrapServers, topic: changelog.topic, partition: 0)   // the last offset
        let reader = try reader(bed)
        #expect(try reader.watermarks(TopicPartition(topic: changelog.topic, partition: 0), timeoutMs: 5000).high == 7)

        // Twice in a row: the second read must not take the position the first one left for its own.
        for _ in 0..<2 {
            let start = Date()
            let state = try changelog.read(input, with: reader, timeoutMs: 5000)
            #expect(Date().timeIntervalSince(start) < 3, "the read ran on after its last record")
            #expect(state.partition == Array("clock".utf8))
            #expect(state.customers == ["c-1": [1], "c-3": [3]])
        }
    }

    /// Each customer record carries its batch's partition record, and a read gives the latest
    /// one per customer (none after a tombstone): a restore takes the clock and budgets of
    /// customers whose batch's partition record never landed from there (`LaterBatchStateTests`).
    @Test func customerRecordsCarryTheirBatchsPartitionRecord() throws {
        let rules = try Stream.defaultRules()
        let task = PartitionTask(partition: input, generation: 1, rules: rules, committed: nil)
        task.engine.tracksChanges = true
        _ = task.engine.process(try EventDecoder().decode(CustomersAheadTests.line(0, "interaction.started")).get())
        task.noteProcessed(offset: 0)
        let records = try #require(changelog.take(task)).finish()
        #expect(records.count == 2)
        let batchState = try #require(records.last?.value)
        #expect(records.first?.headers.first { $0.0 == Changelog.batchStateHeader }?.1 == batchState)

        let bed = try TestBed(partitions: 1)
        try bed.broker.cluster.createTopic(changelog.topic, partitions: 1)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": bed.broker.bootstrapServers]), onDelivery: { _ in })
        for (i, r) in records.enumerated() {
            try producer.produce(topic: changelog.topic, partition: 0, key: r.key, value: r.value, headers: r.headers, token: UInt64(i + 1))
        }
        try producer.flush(timeoutMs: 10_000)
        var contents = try changelog.read(input, with: try reader(bed), timeoutMs: 5000)
        #expect(contents.customerBatchStates == ["c-1": batchState])
        #expect(contents.customerOffsets == ["c-1": 0])
        try produce(bed, [("c-1", nil, false)])
        contents = try changelog.read(input, with: try reader(bed), timeoutMs: 5000)
        #expect(contents.customerBatchStates.isEmpty)
    }

    /// State written while the task passes over records its restored state already holds (the
    /// previous owner wrote state past its last commit; a reload or a timer changes customers
    /// before the pass over ends) says it reflects the restored state's offset. It said the last
    /// record passed over, so the next restore applied the rest of them again (until 2026-12-07).
    @Test func stateWrittenWhilePassingOverReflectsTheRestoredOffset() throws {
        let rules = try Stream.defaultRules()
        let task = PartitionTask(partition: input, generation: 1, rules: rules, committed: 2)
        task.engine.tracksChanges = true
        for n in 0..<3 { _ = task.engine.process(try EventDecoder().decode(CustomersAheadTests.line(n, n == 0 ? "interaction.started" : "interaction.queued")).get()) }
        // Restored from state reflecting offset 6; the input resumes at the commit, 2.
        task.restoredOffset = 6
        task.skipUntil = 7
        task.noteProcessed(offset: 2)
        task.noteProcessed(offset: 3)
        let records = try #require(changelog.take(task)).finish()
        #expect(records.last?.value.flatMap { Engine.inputOffset(ofPartitionState: $0) } == 6)
        #expect(records.first { $0.id == "state:c-1" }?.headers.first { $0.0 == Changelog.offsetHeader }.map { String(decoding: $0.1, as: UTF8.self) } == "6")
        // Past the pass over, the records processed are what the state reflects.
        task.noteProcessed(offset: 9)
        _ = task.engine.process(try EventDecoder().decode(CustomersAheadTests.line(9, "agent.connected", agent: "a-1")).get())
        let later = try #require(changelog.take(task)).finish()
        #expect(later.last?.value.flatMap { Engine.inputOffset(ofPartitionState: $0) } == 9)
    }

    /// Records that change no customer (a duplicate here) still move the partition record on, so
    /// it keeps up with the commit: without one, the commit went past the changelog's partition
    /// record, and the next restore replayed those records as state an owner without the
    /// changelog had left behind, applying the duplicate a second time.
    @Test func recordsThatChangeNoCustomerStillMoveThePartitionRecord() throws {
        let rules = try Stream.defaultRules()
        let task = PartitionTask(partition: input, generation: 1, rules: rules, committed: 0)
        task.engine.tracksChanges = true
        let queued = try EventDecoder().decode(CustomersAheadTests.line(1, "interaction.queued")).get()
        _ = task.engine.process(queued)
        task.noteProcessed(offset: 0)
        let first = try #require(changelog.take(task)).finish()
        #expect(first.last.flatMap { $0.value }.flatMap { Engine.inputOffset(ofPartitionState: $0) } == 0)
        #expect(task.engine.process(queued).isEmpty)   // the same event again: dropped, nobody changed
        task.noteProcessed(offset: 1)
        let second = try #require(changelog.take(task), "the partition record did not move on").finish()
        #expect(second.map(\.id) == ["state:partition"])
        #expect(second.last.flatMap { $0.value }.flatMap { Engine.inputOffset(ofPartitionState: $0) } == 1)
        #expect(changelog.take(task) == nil)   // nothing moved since
        // Restored state that nothing moved writes nothing either.
        let restored = PartitionTask(partition: input, generation: 2, rules: rules, committed: 5)
        restored.restoredOffset = 4
        #expect(changelog.take(restored) == nil)
    }

    /// A customer still ahead of its task (restored from a later batch than the partition record,
    /// its input not reached yet) is written with the offset and batch state it was restored
    /// with when something changes it early (a reload, a timer): written with the task's, it was
    /// no longer ahead at the next restore, and its events up to its own offset applied twice.
    @Test func aCustomerStillAheadKeepsItsOffsetAndBatchState() throws {
        let rules = try Stream.defaultRules()
        let task = PartitionTask(partition: input, generation: 1, rules: rules, committed: 4)
        task.engine.tracksChanges = true
        let ahead = CustomersAheadTests.line(0, "interaction.started")
        let other = ahead.replacingOccurrences(of: "c-1", with: "c-2").replacingOccurrences(of: "i-1", with: "i-2").replacingOccurrences(of: "\"e-0\"", with: "\"e-9\"")
        for line in [ahead, other] { _ = task.engine.process(try EventDecoder().decode(line).get()) }
        task.restoredOffset = 3
        task.customersAhead = CustomersAhead(["c-1": 7, "c-2": 3], resumeAfter: 3)
        task.aheadBatchStates = ["c-1": Array("later batch".utf8)]
        let records = try #require(changelog.take(task)).finish()
        func header(_ customer: String, _ name: String) -> String? {
            records.first { $0.id == "state:\(customer)" }?.headers.first { $0.0 == name }.map { String(decoding: $0.1, as: UTF8.self) }
        }
        #expect(header("c-1", Changelog.offsetHeader) == "7")
        #expect(header("c-1", Changelog.batchStateHeader) == "later batch")
        #expect(header("c-2", Changelog.offsetHeader) == "3")
        #expect(header("c-2", Changelog.batchStateHeader) == records.last?.value.map { String(decoding: $0, as: UTF8.self) })
    }

    /// Without markers (at-least-once), a read ends at its last record, as before.
    @Test func aReadEndsAtItsLastRecord() throws {
        let bed = try TestBed(partitions: 1)
        try bed.broker.cluster.createTopic(changelog.topic, partitions: 1)
        try produce(bed, [("c-1", [1], false), ("", Array("clock".utf8), true), ("c-1", [4], false)])
        let reader = try reader(bed)
        let start = Date()
        let state = try changelog.read(input, with: reader, timeoutMs: 5000)
        #expect(Date().timeIntervalSince(start) < 3)
        #expect(state.partition == Array("clock".utf8))
        #expect(state.customers == ["c-1": [4]])
    }
}

/// Appends a transaction's commit marker to `topic`/`partition` of the broker at `bootstrap`
/// (`127.0.0.1:port`): a Produce request (v3) carrying a record batch with the control and
/// transactional attributes and one control record (key: version 0, type 1 = commit), as a
/// broker writes at the end of a committed transaction. The mock cluster stores it as it is.
func appendCommitMarker(bootstrap: String, topic: String, partition: Int32) throws {
    struct Failure: Error, CustomStringConvertible { var description: String }
    // The record: length, attributes, timestamp delta, offset delta, key, value, no headers.
    var record: [UInt8] = [0]
    record += varint(0) + varint(0)
    let key: [UInt8] = int16(0) + int16(1)
    let value: [UInt8] = int16(0) + int32(0)
    record += varint(Int64(key.count)) + key + varint(Int64(value.count)) + value + varint(0)
    record = varint(Int64(record.count)) + record

    let now = Int64(Date().timeIntervalSince1970 * 1000)
    // From the attributes on: what the CRC covers.
    var covered: [UInt8] = int16(0x30)   // transactional | control
    covered += int32(0) + int64(now) + int64(now)   // last offset delta, first and max timestamp
    covered += int64(1000) + int16(0) + int32(-1)   // producer id and epoch, base sequence
    covered += int32(1) + record
    var batch: [UInt8] = int32(-1) + [2] + uint32(crc32c(covered)) + covered   // leader epoch, magic, CRC
    batch = int64(0) + int32(Int32(batch.count)) + batch   // base offset (the broker sets it), length

    var body: [UInt8] = int16(0) + int16(3) + int32(1) + string("moments-test")   // Produce v3, correlation id, client id
    body += int16(-1) + int16(1) + int32(5000)   // no transactional id, acks 1, timeout
    body += int32(1) + string(topic) + int32(1) + int32(partition) + int32(Int32(batch.count)) + batch
    let request = int32(Int32(body.count)) + body

    let parts = bootstrap.split(separator: ",")[0].split(separator: ":")
    guard parts.count == 2, let port = UInt16(parts[1]) else { throw Failure(description: "bad address \(bootstrap)") }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    guard inet_pton(AF_INET, String(parts[0]), &addr.sin_addr) == 1 else { throw Failure(description: "bad address \(bootstrap)") }
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw Failure(description: "socket") }
    defer { close(fd) }
    let connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard connected == 0 else { throw Failure(description: "connect \(bootstrap)") }
    guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { throw Failure(description: "send") }

    func receive(_ n: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: n)
        while out.count < n {
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, n - out.count, 0) }
            guard got > 0 else { throw Failure(description: "no answer from \(bootstrap)") }
            out += buffer[..<got]
        }
        return out
    }
    let size = try receive(4).reduce(0) { $0 << 8 | Int($1) }
    let response = try receive(size)
    // Correlation id, one topic (its name), one partition: its id, then its error code.
    let nameLength = Int(response[8]) << 8 | Int(response[9])
    let errorAt = 4 + 4 + 2 + nameLength + 4 + 4
    let code = Int16(bitPattern: UInt16(response[errorAt]) << 8 | UInt16(response[errorAt + 1]))
    guard code == 0 else { throw Failure(description: "the broker refused the marker: error \(code)") }
}

private func int16(_ v: Int16) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }
private func int32(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }
private func uint32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }
private func int64(_ v: Int64) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }
private func string(_ s: String) -> [UInt8] { int16(Int16(s.utf8.count)) + Array(s.utf8) }

/// A Kafka record varint: zigzag, then seven bits a byte.
private func varint(_ v: Int64) -> [UInt8] {
    var z = UInt64(bitPattern: (v << 1) ^ (v >> 63))
    var out: [UInt8] = []
    while z >= 0x80 {
        out.append(UInt8(z & 0x7F) | 0x80)
        z >>= 7
    }
    out.append(UInt8(z))
    return out
}

/// CRC-32C (Castagnoli), as record batches carry it.
private func crc32c(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }
    return ~crc
}
