import Logging
import Kafka
import MomentsCore

/// Ids of outputs Kafka refused as too large, so that producing one again (a retry, or the
/// redo after an aborted transaction) produces its dead letter instead.
///
/// Bounded: past `capacity` ids it forgets them all, and each is then refused once more before
/// it is replaced again (a stream of that many oversized outputs is a rules file to fix, and
/// the warnings say so).
struct RefusedOutputs {
    /// Each id with the error Kafka gave for it.
    private var reasons: [String: String] = [:]
    static let capacity = 10_000

    var isEmpty: Bool { reasons.isEmpty }
    func reason(for id: String) -> String? { reasons[id] }

    mutating func insert(_ id: String, reason: String) {
        if reasons.count >= Self.capacity { reasons.removeAll() }
        reasons[id] = reason
    }
}

/// An output Kafka will never take — larger than the producer's `message.max.bytes`, which
/// librdkafka checks before queueing it, or than the topic's `max.message.bytes`, which the
/// broker checks — is replaced by a dead letter that says so, carries the output's first
/// `refusedOutputKeptBytes` (with its size and SHA-256), and is accounted in its place, so
/// its input is committed and the partition goes on. Only templates of a rules file can make
/// one (event fields are bounded), and the refusal is the same at every attempt: produced
/// again as before 2026-12-06, it was refused for ever and held its partition's commits (with
/// exactly-once, each commit interval aborted and redid the work).
extension Pipeline {
    /// How much of a refused output its dead letter carries: the output's ids, moment and
    /// first template lines are in its first bytes; the whole is 16 KiB in base64 at most
    /// 22 kB, far below any message size limit a dead-letter topic is given.
    static let refusedOutputKeptBytes = 16 * 1024

    static func isTooLarge(_ error: KafkaError) -> Bool { error.code == KafkaError.messageTooLarge }

    /// Why Kafka refused `p` as too large, if it is an output it already refused, to be replaced
    /// before it is produced again. Costs nothing while no output was ever refused.
    func refusalAsTooLarge(of p: borrowing PendingOutput) -> String? {
        guard !refusedAsTooLarge.isEmpty, p.record.kind != .state, !p.isStandIn else { return nil }
        return refusedAsTooLarge.reason(for: p.record.id)
    }

    /// The dead letter standing in for `p`, refused as too large because of `reason`: the same
    /// partition, generation, sequence and epoch, so its acknowledgement settles what the
    /// output's would have. Nil for a changelog record (it must not be replaced: see
    /// `stateRecordFailed`), for a stand-in itself, and when its input is no longer known
    /// (its task is gone; the next owner processes the input again).
    func standIn(for p: borrowing PendingOutput, reason: String) -> PendingOutput? {
        guard p.record.kind != .state, !p.isStandIn, let value = p.record.value,
            let owner = task(for: p.partition, generation: p.generation), let offset = owner.tracker.offset(of: p.sequence)
        else { return nil }
        let envelope = Self.envelope(of: value)
        let id = p.record.id.isEmpty ? envelope.id ?? "" : p.record.id
        let letter = DeadLetter(
            original: value,
            error: DecodeError(field: nil, reason: "output \(id) for \(p.record.topic) refused by Kafka as too large (\(value.count) bytes): \(reason)"),
            // The input's key is not known here; the dead letter's own key is the output's.
            origin: .kafka(topic: p.partition.topic, partition: p.partition.partition, offset: offset, key: nil),
            time: envelope.time ?? Timestamp(milliseconds: wallClock.milliseconds()),
            id: "dlq:too-large:\(id)", originalLimit: Self.refusedOutputKeptBytes)
        var record = configuration.routing.record(for: letter, originalKey: p.record.key)
        record.sourceTimestampMs = p.record.sourceTimestampMs
        var standIn = PendingOutput(
            record: record, output: nil, partition: p.partition, generation: p.generation, sequence: p.sequence, arrivalWall: p.arrivalWall,
            producedWall: p.producedWall, epoch: p.epoch, metrics: metrics)
        standIn.isStandIn = true
        return standIn
    }

    /// An output the broker refused as too large (the topic's `max.message.bytes` is below the
    /// producer's `message.max.bytes`): its id is remembered, and it is produced again as its
    /// dead letter — at once with at-least-once (`retries`), when the aborted transaction's
    /// work is redone with exactly-once (a failed delivery makes librdkafka's transaction
    /// abortable). False, for the general handling of a failed delivery, when it is not an
    /// output of a running task or its id cannot be read.
    func refusedByBrokerAsTooLarge(_ p: inout PendingOutput, _ report: DeliveryReport, _ error: KafkaError) -> Bool {
        guard p.record.kind != .state, !p.isStandIn, task(for: p.partition, generation: p.generation) != nil, p.restore(from: report) else { return false }
        let id = p.record.id.isEmpty ? Self.envelope(of: p.record.value ?? []).id ?? "" : p.record.id
        guard !id.isEmpty else { return false }
        p.record.id = id
        refusedAsTooLarge.insert(id, reason: "\(error)")
        statusBox.update { $0.produceErrors += 1 }
        metrics.count("moments_produce_errors_total", [("topic", p.record.topic)])
        if configuration.exactlyOnce {
            log(.warning, "output refused by Kafka as too large inside the transaction; the transaction is aborted, and its dead letter goes in its place when the work is redone", p.logFields + [("error", "\(error)")])
            transactionFailed = true
        } else {
            retries.append(p)
        }
        return true
    }

    /// Counts and logs an output replaced by its dead letter.
    func noteReplaced(_ p: borrowing PendingOutput, reason: String) {
        metrics.count("moments_outputs_too_large_total", [("topic", p.record.topic)])
        log(.warning, "output refused by Kafka as too large; its dead letter goes in its place (see the rules' templates)", p.logFields + [("error", reason)])
    }

    /// The id and time of an output's CloudEvent: its id was let go once the producer had it
    /// (`PendingOutput.releaseProduced`), and a failed delivery brings back only its bytes.
    static func envelope(of value: [UInt8]) -> (id: String?, time: Timestamp?) {
        var limits = JSONParser.Limits()
        limits.maxBytes = max(limits.maxBytes, value.count)
        guard let document = try? JSONParser.parse(value, limits: limits) else { return (nil, nil) }
        return (document["id"]?.stringValue, document["time"]?.stringValue.flatMap { RFC3339.parse($0) })
    }
}
