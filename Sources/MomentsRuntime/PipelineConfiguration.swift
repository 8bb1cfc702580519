import Foundation
import MomentsCore

/// What the pipeline needs to run: the Kafka clients' properties, its topics and its pacing.
public struct PipelineConfiguration: Sendable {
    /// librdkafka properties for the consumer (bootstrap.servers, group.id, security...).
    public var consumerProperties: [String: String]
    /// librdkafka properties for the producer.
    public var producerProperties: [String: String]
    public var inputTopics: [String]
    /// The decoder of each topic whose messages are a vendor's stream; other topics are canonical.
    public var dialects: [String: DialectDecoder] = [:]
    public var routing: OutputRouting
    /// How often acknowledged offsets are committed.
    public var commitInterval: Duration = .seconds(1)
    /// Advance idle partitions' clocks with wall-clock time (false: event time only, as in replay).
    public var wallClockAdvance = true
    /// Replay a newly assigned partition from its oldest retained record up to the committed
    /// offset, outputs suppressed, so its state matches the committed position.
    public var restoreState = true
    /// How far back (in record time) the restore replay starts; nil: from the oldest retained
    /// record. Brokers that cannot look offsets up by time fall back to the oldest record.
    public var restoreLookback: Duration?
    /// The compacted topic holding each partition's state (created if missing, with as many
    /// partitions as the input). nil: no changelog; state is rebuilt by replaying the input.
    public var changelogTopic: String?
    /// Exactly-once: a transactional producer; outputs, changelog writes and input offsets are
    /// committed in one transaction per commit interval. Needs `transactionalID`, stable per
    /// instance, so a restarted instance fences its zombie predecessor.
    public var exactlyOnce = false
    public var transactionalID: String?
    /// Exactly-once: the longest one call committing or aborting a transaction blocks the
    /// pipeline thread. One that has not finished by then goes on in the background and is
    /// called again, new work waiting meanwhile. (rdkafka.h recommends -1, the transaction's
    /// remaining time, but librdkafka 2.0.2 does not cap these two calls by it: -1 blocked without
    /// bound while the coordinator could not be reached, deaf to a stop.)
    public var transactionCallTimeout: Duration = .seconds(30)
    /// Longest a graceful stop or a revocation may wait for the broker's acknowledgements.
    public var drainTimeout: Duration = .seconds(15)
    /// Longest a newly assigned partition waits for the broker to tell where it resumes (its
    /// committed offset, its changelog, its oldest record) before the pipeline stops with an
    /// error rather than run it without its state.
    public var assignmentTimeout: Duration = .seconds(60)
    /// Records in one batch at most (a pass takes up to `Pipeline.batchesPerPass` of them
    /// before deliveries and timers get their turn). Large enough that a batch under load spans
    /// several partitions: a partition's records of a batch are one job for one engine thread
    /// (`SerialJobs`), and a fetch brings a few hundred to a few thousand records of each, so
    /// the more partitions a batch holds, the more jobs the engine threads can share. (When a
    /// batch's partitions were split into fixed bins, 2,048 left one thread about two thirds of
    /// the work, 2026-12-03.) A lightly loaded pipeline takes what is there, so this bounds only
    /// a backlog's batches (a few milliseconds of engine work).
    public var batchSize = Self.defaultBatchSize
    /// `batchSize` unless configured; the end-to-end benchmark's plain consumer reads in
    /// batches of this size too.
    public static let defaultBatchSize = 4096
    /// Threads that run the engines, each partition's records on whichever is free, beside the
    /// pipeline thread, which meanwhile applies the batch before and polls the next one (a batch
    /// of fewer than 64 records is computed on the pipeline thread itself, at once). Two by default where there
    /// are two cores: librdkafka's own threads and the pipeline thread share them.
    public var engineThreads = min(2, ProcessInfo.processInfo.activeProcessorCount)
    /// Queues with a `queue` label of their own in `moments_moments_detected_total` (the first
    /// this many met; later ones count as `other`): the queue comes from the input, and every
    /// value is a series for good.
    public var queueLabelLimit = PipelineConfiguration.defaultQueueLabelLimit
    /// More queues than a contact center has (tens, a large one a few hundred skills folded into
    /// fewer queues): at ~10 alert rules, at most a thousand or so series for that counter.
    public static let defaultQueueLabelLimit = 100
    /// Events dated further than this ahead of their record's Kafka timestamp (`EventTimeBound`) go to the dead-letter
    /// topic instead of their partition's engine: one such event (a producer writing local time
    /// with a `Z`, a clock years off) moved the partition's clock to its time for good — every
    /// open wait due at once, every new one due as it opened, the daily budget's day in the
    /// future, all of it kept in the changelog. nil: no bound (simulated time running faster
    /// than the clock, as `moments dev` does; the benchmarks).
    public var maxEventAhead: Duration?
    /// This host's real-time clock, for `maxEventAhead` on records without a timestamp; tests set it.
    public var realTime: @Sendable () -> Timestamp = RealTimeClock.now
    /// Whether logs may carry personal data (the original bytes of a malformed event, which may
    /// hold chat text). Off by default.
    public var logPersonalData = false

    public init(consumerProperties: [String: String], producerProperties: [String: String], inputTopics: [String], routing: OutputRouting) {
        self.consumerProperties = consumerProperties
        self.producerProperties = producerProperties
        self.inputTopics = inputTopics
        self.routing = routing
    }
}

/// Where the pipeline reports what it delivered; `moments dev` prints it, tests collect it.
public struct PipelineHooks: Sendable {
    /// An output (or dead letter) the broker acknowledged; `output` is nil for dead letters.
    /// Nil by default: handing each output to a hook that does nothing copied it.
    public var delivered: (@Sendable (OutputRecord, Output?, DeliveryTiming) -> Void)?
    /// Work left out, for the end-to-end benchmark's attribution runs only (`moments bench
    /// --suite e2e --leave-out`): what a run costs without a part says what the part costs.
    /// Never set by the daemon: left out, events would be acknowledged unread, or outputs lost.
    public var leaveOut: PipelineWork?
    /// Called on the pipeline thread at the start of every pass of its loop; tests block it
    /// there to see a stalled pipeline reported (`Pipeline+Liveness`). Never set by the daemon.
    public var eachPass: (@Sendable () -> Void)?
    public init() {}
}

/// A part of the pipeline's work that an attribution run leaves out (`PipelineHooks.leaveOut`).
public enum PipelineWork: String, Sendable, CaseIterable {
    /// Records are polled, counted as processed and committed, but not decoded or run through
    /// the engine: what is left is consuming, bookkeeping and committing.
    case engine
    /// The engine runs and encodes every output, which is then dropped instead of produced: what
    /// is left out is the outputs' way to the broker (producing, delivery reports, their counting).
    /// Dead letters are still produced.
    case outputs
}

/// Where an acknowledged output's time inside the pipeline went, on the monotonic wall clock
/// (milliseconds): the latency benchmark splits an event's path with it into the broker's
/// part before Moments polled it, Moments' own, and the broker's part after.
public struct DeliveryTiming: Sendable {
    /// From the poll of the batch that held its input (or the timer firing) to its hand-off to
    /// the producer: the batch's engine work up to it.
    public var polledToProducedMs: Int64
    /// From the hand-off to the producer to the broker's acknowledgement reaching the pipeline
    /// (the producer's queue, the round trip, the delivery report's wait for the loop).
    public var producedToAcknowledgedMs: Int64
}
