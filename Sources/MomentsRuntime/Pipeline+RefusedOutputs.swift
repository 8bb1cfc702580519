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
    /// What librdkafka adds to a message's key, value and headers when it checks the limit
    /// (some tens of bytes), with room to spare.
    static let standInMargin = 256

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
    /// (`unrecoverable`, as a fatal producer error does): nothing smaller can be written, and
    /// producing it again for ever would hold its partition's commits.
    func replaceRefused(_ p: borrowing PendingOutput, _ failure: KafkaError) -> Bool {
        guard p.record.kind != .state, let value = p.record.value,
            let owner = task(for: p.partition, generation: p.generation), let offset = owner.tracker.offset(of: p.sequence)
        else { return false }
        guard !p.isStandIn else {
            // Not the producer's fatal error: a limit nothing smaller can meet. As for one, what
            // was acknowledged is committed and nothing past this output; with exactly-once the
            // open transaction (which carries its input's offset) must not commit.
            let error = KafkaError(
                code: failure.code,
                message: "the dead letter of an output too large for Kafka is refused too (\(p.record.size) bytes, message.max.bytes \(producerMessageLimit)); raise the producer's message.max.bytes")
            if unrecoverable == nil {
                unrecoverable = error
                log(.critical, "a dead letter is refused as too large too; stopping", p.logFields + [("error", "\(error)")])
            }
            if configuration.exactlyOnce { transactionFailed = true }
            return true
        }
        // Refused before the producer took it, so its id is still held (`PendingOutput.releaseProduced`
        // lets go of it only once produced); its time came from the engine thread (`OutputFacts`).
        let id = p.record.id
        var letter = DeadLetter(
            original: value,
            // Kafka's error adds nothing to this (it is always the same), and under a low limit
            // every byte counts: the reason is written twice.
            error: DecodeError(
                field: nil,
                reason: "output \(id) for \(p.record.topic) refused by Kafka as too large: \(p.record.size) bytes, message.max.bytes \(producerMessageLimit)"),
            // The input's key is not known here; the dead letter's own key is the output's.
            origin: .kafka(topic: p.partition.topic, partition: p.partition.partition, offset: offset, key: nil),
            time: p.time ?? Timestamp(milliseconds: wallClock.milliseconds()),
            id: "dlq:too-large:\(id)", originalLimit: 0)
        // As much of the original as fits the producer's limit, with a margin for what librdkafka
        // adds: without it the dead letter is some hundreds of bytes, its reason written twice
        // (in the value and in a header); under a limit lower still, the header says less.
        var record = configuration.routing.record(for: letter, originalKey: p.record.key)
        let room = producerMessageLimit - Self.standInMargin - record.size
        if room > 0 {
            letter.originalLimit = min(Self.refusedOutputKeptBytes, room / 4 * 3)
            record = configuration.routing.record(for: letter, originalKey: p.record.key)
        } else if let i = record.headers.firstIndex(where: { $0.0 == "moments.reason" }) {
            record.headers[i].1 = Array("output \(id) refused by Kafka as too large".utf8)
        }
        record.sourceTimestampMs = p.record.sourceTimestampMs
        var standIn = PendingOutput(
            record: record, partition: p.partition, generation: p.generation, sequence: p.sequence, arrivalWall: p.arrivalWall,
            producedWall: p.producedWall, epoch: p.epoch, metrics: metrics)
        standIn.isStandIn = true
        metrics.count("moments_outputs_too_large_total", [("topic", p.record.topic)])
        log(.warning, "output refused by Kafka as too large; its dead letter goes in its place (see the rules' templates)", p.logFields + [("error", "\(failure)")])
        produce(standIn)
        return true
    }

    /// A batch the broker refused as too large: its outputs are produced again (every output of
    /// the batch fails alike, so the output at hand may be small). Said at most every ten
    /// seconds: each of a batch's outputs, at every attempt, brings a report.
    func warnOfABatchTooLarge(_ p: borrowing PendingOutput, _ error: KafkaError) {
        let now = wallClock.milliseconds()
        guard now - lastBatchTooLargeWarningWall >= 10_000 else { return }
        lastBatchTooLargeWarningWall = now
        log(.warning, "the broker refused a batch as too large; set kafka.producer_properties message.max.bytes below the output topics' max.message.bytes (librdkafka keeps its batches within about that size, and replaces a larger output by its dead letter)", p.logFields + [("error", "\(error)")])
    }
}

extension OutputRecord {
    /// Its key, value and headers in bytes, about what the producer counts against its limit.
    var size: Int { (key?.count ?? 0) + (value?.count ?? 0) + headers.reduce(0) { $0 + $1.0.utf8.count + $1.1.count } }
}
