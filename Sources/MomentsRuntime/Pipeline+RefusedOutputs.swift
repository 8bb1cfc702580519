import Kafka
import Logging
import MomentsCore

/// An output larger than the producer's `message.max.bytes` — which librdkafka checks, one
/// message at a time, before queueing it — is replaced by a dead letter that says so, carries
/// the output's first `refusedOutputKeptBytes` (with its size and SHA-256), and is accounted
/// in its place, so its input is committed and the partition goes on. Only templates of a rules
/// file can make one (event fields are bounded), and the refusal is the same at every attempt:
/// produced again as before 2026-12-06, it was refused for ever and held its partition's
/// commits (with exactly-once, each commit interval aborted and redid the work).
///
/// A broker's refusal (`MSG_SIZE_TOO_LARGE` in a delivery report, the topic's
/// `max.message.bytes`) is not treated so: that limit applies to a whole batch of records, and
/// librdkafka fails every output of a refused batch alike, small ones too, so those are produced
/// again, with a warning that says what to set (`warnOfABatchTooLarge`).
extension Pipeline {
    /// How much of a refused output its dead letter carries: the output's ids, moment and
    /// first template lines are in its first bytes; in base64, at most 22 kB.
    static let refusedOutputKeptBytes = 16 * 1024

    static func isTooLarge(_ error: KafkaError) -> Bool { error.code == KafkaError.messageTooLarge }

    /// The largest message the producer takes (`message.max.bytes`, librdkafka's default
    /// otherwise).
    var producerMessageLimit: Int { configuration.producerProperties["message.max.bytes"].flatMap { Int($0) } ?? 1_000_000 }

    /// Produces the dead letter of `p`, an output librdkafka refused as larger than
    /// `message.max.bytes`, in its place: the same partition, generation, sequence and epoch,
    /// so its acknowledgement settles what the output's would have. False, for the general
    /// handling of a failed produce, for a changelog record (it must not be replaced: see
    /// `stateRecordFailed`) and when its input is no longer known (its task is gone; the next
    /// owner processes the input again). A dead letter refused in turn stops the pipeline
    /// (`producerFailed`): nothing smaller can be written, and producing it again for ever would
    /// hold its partition's commits.
    func replaceRefused(_ p: borrowing PendingOutput, _ failure: KafkaError) -> Bool {
        guard p.record.kind != .state, let value = p.record.value,
            let owner = task(for: p.partition, generation: p.generation), let offset = owner.tracker.offset(of: p.sequence)
        else { return false }
        guard !p.isStandIn else {
            producerFailed(KafkaError(
                code: failure.code,
                message: "the dead letter of an output too large for Kafka is refused too (\(value.count) bytes); raise the producer's message.max.bytes: \(failure.message)"))
            return true
        }
        let envelope = Self.envelope(of: value)
        let id = p.record.id.isEmpty ? envelope.id ?? "" : p.record.id
        var letter = DeadLetter(
            original: value,
            error: DecodeError(field: nil, reason: "output \(id) for \(p.record.topic) refused by Kafka as too large (\(value.count) bytes): \(failure)"),
            // The input's key is not known here; the dead letter's own key is the output's.
            origin: .kafka(topic: p.partition.topic, partition: p.partition.partition, offset: offset, key: nil),
            time: envelope.time ?? Timestamp(milliseconds: wallClock.milliseconds()),
            id: "dlq:too-large:\(id)", originalLimit: Self.refusedOutputKeptBytes)
        var record = configuration.routing.record(for: letter, originalKey: p.record.key)
        // Under a limit this low (the producer's message.max.bytes may be as low as 1,000),
        // the size and the digest say which output it was; its first bytes would not fit.
        if record.size + 1024 > producerMessageLimit {
            letter.originalLimit = 0
            record = configuration.routing.record(for: letter, originalKey: p.record.key)
        }
        record.sourceTimestampMs = p.record.sourceTimestampMs
        var standIn = PendingOutput(
            record: record, output: nil, partition: p.partition, generation: p.generation, sequence: p.sequence, arrivalWall: p.arrivalWall,
            producedWall: p.producedWall, epoch: p.epoch, metrics: metrics)
        standIn.isStandIn = true
        metrics.count("moments_outputs_too_large_total", [("topic", p.record.topic)])
        log(.warning, "output refused by Kafka as too large; its dead letter goes in its place (see the rules' templates)", p.logFields + [("error", "\(failure)")])
        produce(standIn)
        return true
    }

    /// A batch the broker refused as too large: its outputs are produced again (every output of
    /// the batch fails alike, so the output at hand may be small). Said once per delivery
    /// report, at warning level, with what to change.
    func warnOfABatchTooLarge(_ p: borrowing PendingOutput, _ error: KafkaError) {
        log(.warning, "the broker refused a batch as too large; set kafka.producer_properties message.max.bytes at or below the output topics' max.message.bytes (librdkafka then never builds a larger batch, and replaces a larger output by its dead letter)", p.logFields + [("error", "\(error)")])
    }

    /// The id and time of an output's CloudEvent: its id was let go once the producer had it
    /// (`PendingOutput.releaseProduced`).
    static func envelope(of value: [UInt8]) -> (id: String?, time: Timestamp?) {
        var limits = JSONParser.Limits()
        limits.maxBytes = max(limits.maxBytes, value.count)
        guard let document = try? JSONParser.parse(value, limits: limits) else { return (nil, nil) }
        return (document["id"]?.stringValue, document["time"]?.stringValue.flatMap { RFC3339.parse($0) })
    }
}

extension OutputRecord {
    /// Its key, value and headers in bytes, about what the producer counts against its limit.
    var size: Int { (key?.count ?? 0) + (value?.count ?? 0) + headers.reduce(0) { $0 + $1.0.utf8.count + $1.1.count } }
}
