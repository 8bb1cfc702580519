import CoreMetrics
import Logging
import Foundation
import Kafka
import MomentsCore

extension Pipeline {
    /// Called on the pipeline thread from `consumer.poll` when the group hands partitions over.
    /// Returns the offsets to start newly assigned partitions from (see `assigned`).
    func rebalanced(_ event: RebalanceEvent) -> [TopicPartition: Int64] {
        // Batches still being computed are finished and applied first: a revocation commits
        // what their partitions did, and no engine may be touched while a thread runs it.
        settleBatchesInFlight()
        rebalances += 1
        var starts: [TopicPartition: Int64] = [:]
        switch event {
        case .assigned(let partitions) where leaving:
            log(.info, "partitions assigned while leaving the group; not taken", [("partitions", partitions.map(\.description).joined(separator: ","))])
        case .assigned(let partitions): starts = assigned(partitions)
        case .revoked(let partitions): revoked(partitions)
        case .lost(let partitions): lost(partitions)
        case .refused(let partitions, let reason): refused(partitions, reason: reason)
        }
        // With the partitions restoring, in one update: refreshed only with the gauges (once a
        // second), `/readyz` said ready for up to a second after an assignment whose
        // partitions were still being replayed, long enough for a probe to mark the pod ready.
        let restoring = tasks.values.reduce(0) { $0 + ($1.isRestoring ? 1 : 0) }
        statusBox.update { $0.assigned = tasks.keys.sorted(); $0.restoringPartitions = restoring }
        return starts
    }

    /// New partitions get their state: from the changelog, or replayed from the oldest retained
    /// record up to the committed offset, outputs suppressed, so it matches the committed position.
    /// Returns where each partition's input starts: the replay's first offset, else the committed
    /// offset itself, else (never committed) the start `auto.offset.reset` names.
    func assigned(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        var starts: [TopicPartition: Int64] = [:]
        // Where each partition resumes decides the state it needs, so it is never guessed: a
        // lookup that fails (the coordinator moving, a broker down) is asked again, and one that
        // keeps failing stops the pipeline. Taken for "never committed", it would start the
        // partition without the state of its open interactions and lose their moments.
        let committed: [TopicPartition: Int64]
        do {
            committed = try persistently("committed offsets", of: partitions) { try consumer.committed(partitions, timeoutMs: 5000) }
        } catch {
            return cannotResume(partitions, error)
        }
        let lookback: [TopicPartition: Int64] = configuration.restoreLookback.map { d in
            let since = (RealTimeClock.now() - d).milliseconds
            return consumer.offsets(at: since, for: partitions, timeoutMs: 5000)
        } ?? [:]
        let freshStarts = neverCommittedStarts(partitions.filter { committed[$0] == nil })
        for tp in partitions {
            // Restoring many partitions inside the rebalance handler may outlast
            // `max.poll.interval.ms`, which would make the member leave the group.
            consumer.markAlive()
            let task = PartitionTask(partition: tp, generation: nextGeneration, rules: rules, committed: committed[tp])
            nextGeneration += 1
            task.engine.tracksChanges = changelog != nil
            let restored: Int64??
            do { restored = committed[tp] == nil ? nil : try restoreFromChangelog(task) } catch { return cannotResume(partitions, error) }
            if let c = committed[tp], let reflected = restored {
                // State restored from the changelog: the input resumes at the committed offset,
                // passing over records the state already reflects.
                task.restoredOffset = reflected
                if let s = reflected, s + 1 > c {
                    task.skipUntil = s + 1
                    task.durableOffset = s + 1   // the restored state already reflects those records
                } else if let s = reflected, s + 1 < c, configuration.restoreState {
                    // State behind the commit: an owner without the changelog (switched on in a
                    // rolling restart, or one an instance could not create or read) committed
                    // past it. The records between are applied with their outputs suppressed,
                    // as a replay restores; resumed at the commit, their effects were lost
                    // (until 2026-12-07).
                    let (low, from): (Int64, Int64)
                    do { (low, from) = try replay(task, from: s + 1, until: c, into: &starts) } catch { return cannotResume(partitions, error) }
                    log(.warning, "state restored from the changelog is behind the committed offset; applying the records between", [
                        ("partition", "\(tp)"), ("reflects_offset", String(s)), ("committed", String(c)),
                        ("replay_from", String(from)), ("records_no_longer_retained", String(max(0, low - (s + 1)))),
                    ])
                }
            } else if configuration.restoreState, let c = committed[tp] {
                do { _ = try replay(task, from: lookback[tp], until: c, into: &starts) } catch { return cannotResume(partitions, error) }
            }
            tasks[tp] = task
            log(.info, "partition assigned", [
                ("partition", "\(tp)"), ("committed", committed[tp].map(String.init) ?? "none"),
                ("restore_from", starts[tp].map(String.init) ?? "-"),
            ])
            // The input starts exactly at the offset the state was restored for, not wherever
            // librdkafka's own lookup of the committed offset finds it a moment later: a late
            // commit of the partition's previous owner landing in between would move it past
            // records the restored state does not reflect.
            // Never committed, it starts where `auto.offset.reset` says, named here too: left to
            // librdkafka's lookup, a commit the previous owner made on its way out, landing after
            // the lookup above, would start it mid-stream with an empty state.
            if starts[tp] == nil { starts[tp] = committed[tp] ?? freshStarts[tp] ?? neverCommittedStart }
        }
        return starts
    }

    /// Sets `task` to rebuild its state by replaying its input with outputs suppressed, from
    /// `earliest` (nil: the oldest record retained; never before it) up to the committed offset
    /// `committed`, and the partition to start there. Returns the oldest retained offset and
    /// where the replay starts (at `committed`: nothing to replay).
    func replay(_ task: PartitionTask, from earliest: Int64?, until committed: Int64, into starts: inout [TopicPartition: Int64]) throws -> (low: Int64, from: Int64) {
        let tp = task.partition
        let low = try persistently("oldest retained offset", of: [tp]) { try consumer.watermarks(tp, timeoutMs: 5000).low }
        let from = max(low, earliest ?? low)
        if from < committed {
            task.restoreUntil = committed
            starts[tp] = from
        }
        return (low, from)
    }

    /// The offsets `partitions`, never committed, start from: where `auto.offset.reset` points
    /// now, looked up in one request (a list-offsets request takes the logical offsets as
    /// timestamps). Given the logical offset itself, librdkafka 2.0.2 looks it up once the
    /// partition's leader is known to it, and right after an assignment it is not yet: it tries
    /// again only 500 ms later (`rd_kafka_toppar_offset_request`), so a new group's partitions
    /// started half a second late, and the end-to-end bench stalled for that long in half its
    /// runs (2026-12-07). Partitions the lookup does not answer keep the logical start.
    func neverCommittedStarts(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        guard !partitions.isEmpty, let logical = neverCommittedStart else { return [:] }
        return consumer.offsets(at: logical, for: partitions, timeoutMs: 5000)
    }

    /// Where a partition never committed starts: the logical offset `auto.offset.reset` names
    /// (nil for `error` or a value librdkafka would refuse, left to librdkafka).
    var neverCommittedStart: Int64? { Self.logicalStart(resetPolicy: Self.consumerProperties(configuration.consumerProperties)["auto.offset.reset"]) }

    static func logicalStart(resetPolicy: String?) -> Int64? {
        switch resetPolicy {
        case "earliest", "smallest", "beginning": return -2   // RD_KAFKA_OFFSET_BEGINNING
        case "latest", "largest", "end": return -1   // RD_KAFKA_OFFSET_END
        default: return nil
        }
    }

    /// Before partitions leave: every output acknowledged and offsets committed, so the next
    /// owner starts exactly after what this instance finished.
    func revoked(_ partitions: [TopicPartition]) {
        drainDeliveries()
        partitionsLeaving = Set(partitions)
        defer { partitionsLeaving = [] }
        do {
            try checkpoint(synchronous: true, only: partitions)
        } catch {
            // Only exactly-once throws here, and only what the loop stops on (a fenced or fatal
            // transactional error): it stops after the handler too. Until 2026-12-07 it was only
            // logged, and the fenced instance ran on until its next produce or commit failed.
            log(.error, "commit before revocation failed; the next owner reprocesses from the last commit", [("error", "\(error)")])
            if unrecoverable == nil { unrecoverable = error }
        }
        // Exactly-once: a transaction still open here (its offsets could not be sent) holds the
        // leaving partitions' outputs and state, and the next commit would send offsets only for
        // the partitions that stay: theirs would be committed without their offsets, and their
        // new owner would produce them again. It is aborted at the next commit instead.
        if configuration.exactlyOnce && inTransaction && transactionEnding == nil { transactionFailed = true }
        dropTasks(of: partitions)
        for tp in partitions { log(.info, "partition revoked", [("partition", "\(tp)")]) }
    }

    /// The tasks of partitions leaving this instance (revoked, lost, refused) go, with what is
    /// kept beside them: their tallies counted first (what their engines held back was still
    /// detected), their pause released, their gauges withdrawn.
    func dropTasks(of partitions: [TopicPartition]) {
        countTallies()
        releasePausedInput(partitions)
        // Withdrawn even without a task (an exactly-once abort in the revocation took it already).
        for tp in partitions {
            tasks[tp] = nil
            withdrawGauges(of: tp)
        }
    }

    /// Partitions librdkafka would not assign after `assigned` took them on: they are not read,
    /// and its group state waits for an assignment that succeeds, so no later rebalance reaches
    /// this instance. Their tasks go, nothing of theirs is committed or written (nothing was
    /// processed; an open transaction holds nothing of theirs), and the pipeline stops
    /// (`unrecoverable`), its other partitions delivered and committed, for a supervisor to
    /// start a new consumer. Until 2026-12-07 the refusal was only logged, and the instance
    /// ran on with those partitions unread and the rest of its group waiting for it.
    func refused(_ partitions: [TopicPartition], reason: String) {
        dropTasks(of: partitions)
        let failure = AssignmentRefused(partitions: partitions, reason: reason)
        unrecoverable = failure
        log(.critical, "librdkafka refused the assignment; stopping", [("error", failure.description)])
    }

    /// Partitions taken without a handover (session expired, member fenced): their new owner may
    /// already be processing them from the last commit, so nothing of theirs is committed or
    /// written to the changelog now; it would fail, or move the new owner's position. Outputs in
    /// flight are still waited for (up to `drainTimeout`); those acknowledged later, even once the
    /// partition is back with a new task, are recognised by their task's generation and applied
    /// to no task (`task(for:generation:)`). What was processed since the last commit is
    /// reprocessed by the next owner (at-least-once). Exactly-once: the open transaction holds
    /// their outputs and offsets, so it is aborted at the next commit and the remaining
    /// partitions are rewound with it.
    ///
    /// Their tasks go before the drain: acknowledged during it, a customer record of theirs
    /// would otherwise send its batch's partition record, which could land after the new
    /// owner's and be restored in its place (an older clock and budgets, a resume point behind
    /// the new owner's state), and a failed output of theirs would be produced again.
    func lost(_ partitions: [TopicPartition]) {
        dropTasks(of: partitions)
        let leaving = Set(partitions)
        deferredState.removeAll { leaving.contains($0.partition) }
        drainDeliveries()
        // What was stored for them is forgotten by the consumer itself, before they leave.
        if configuration.exactlyOnce && inTransaction { transactionFailed = true }
        for tp in partitions {
            log(.warning, "partition lost", [("partition", "\(tp)"), ("effect", "not committed; the next owner reprocesses from the last commit")])
        }
        statusBox.update { $0.partitionsLost += partitions.count }
        metrics.count("moments_partitions_lost_total", by: partitions.count)
    }
}

extension Pipeline {
    /// Makes sure the changelog topic exists (creating it, compacted, with as many partitions as
    /// the input); without it, state is rebuilt by replaying the input instead.
    ///
    /// Brokers that do not answer are waited for (a stop ends the wait): until 2026-12-07 a
    /// start while they were out of reach for some 20 s took the topic for missing, failed to
    /// create it, and ran without the changelog until the next restart, every assignment then
    /// replaying all retained input. Once they answer, a topic they do not have is created, and
    /// if that fails (refused, or not done within its 10 s) the changelog is left off, as before.
    func prepareChangelog(consumerProps: [String: String], producerProps: [String: String]) {
        guard let topic = configuration.changelogTopic else { return }
        guard let counts = partitionCountsOnceAnswered() else { return }
        if counts[topic] == nil {
            // From the same answer: a count looked up again could fail, and gave 1 partition.
            let partitions = configuration.inputTopics.compactMap { counts[$0] }.max() ?? 1
            do {
                try producer.createTopic(topic, partitions: partitions, replicationFactor: -1, config: ["cleanup.policy": "compact"])
                log(.notice, "created the state changelog topic", [("topic", topic), ("partitions", String(partitions))])
            } catch {
                log(.warning, "state changelog unavailable; state will be rebuilt by replaying the input", [("topic", topic), ("error", "\(error)")])
                return
            }
        }
        var readerProps = consumerProps
        readerProps["group.id"] = (consumerProps["group.id"] ?? "moments") + "-changelog-reader"
        readerProps["enable.partition.eof"] = "false"
        readerProps["enable.auto.commit"] = "false"   // it reads by assignment and commits nothing
        do {
            changelogReader = try KafkaConsumer(configuration: KafkaConfiguration(readerProps))
            changelog = Changelog(topic: topic)
        } catch {
            log(.warning, "cannot read the state changelog; state will be rebuilt by replaying the input", [("error", "\(error)")])
        }
    }

    /// Every topic's partition count, asked again until the brokers answer (a second, then twice
    /// as long up to 8 s: a large cluster's whole metadata, or a first connection over TLS, may
    /// take more than the first), saying that the start waits, again every minute, and when
    /// they answer; nil once a stop is asked for.
    private func partitionCountsOnceAnswered() -> [String: Int]? {
        let began = wallClock.milliseconds()
        var timeoutMs: Int32 = 1000
        var saidAt: Int64?
        while !isStopRequested {
            noteAlive()
            do {
                let counts = try consumer.partitionCountsIfAnswered(timeoutMs: timeoutMs)
                if saidAt != nil { log(.notice, "the brokers answer; the start goes on", [("waited_ms", String(wallClock.milliseconds() - began))]) }
                return counts
            } catch {
                let now = wallClock.milliseconds()
                if saidAt.map({ now - $0 >= 60_000 }) ?? true {
                    log(.warning, "the brokers do not answer; the start waits for them", [("waited_ms", String(now - began)), ("error", "\(error)")])
                    saidAt = now
                }
                timeoutMs = min(timeoutMs * 2, 8000)
                // A refused connection fails at once: paced. A stop wakes it.
                wakeup.wait(timeoutMs: 500)
            }
        }
        return nil
    }

    /// Restores a task's engine from its changelog partition. Returns nil when there is nothing
    /// to restore, else the last input offset the state reflects (if known). Throws only when a
    /// stop is asked for meanwhile (`StoppedBeforeResuming`): the partition is then given up,
    /// not replayed.
    func restoreFromChangelog(_ task: PartitionTask) throws -> Int64?? {
        guard let changelog, let reader = changelogReader else { return nil }
        do {
            let state = try persistently("state changelog", of: [task.partition]) {
                try changelog.read(task.partition, with: reader, stopping: { isStopRequested }, alive: { consumer.markAlive(); noteAlive() })
            }
            guard state.partition != nil || !state.customers.isEmpty else { return nil }
            let reflected = state.partition.flatMap { Engine.inputOffset(ofPartitionState: $0) }
            let ahead = CustomersAhead(state.customerOffsets, resumeAfter: reflected)
            // Customers ahead of the partition record saw a later clock and budgets than it holds.
            let aheadBatchStates = state.customerBatchStates.filter { ahead?.isAhead($0.key) == true }
            var engine = try Engine.restored(rules: rules, partition: state.partition, customers: state.customers, laterBatchStates: aheadBatchStates)
            engine.tracksChanges = true
            task.engine = engine
            task.customersAhead = ahead
            task.aheadBatchStates = aheadBatchStates
            // Its clock runs on with the wall clock once it has read what waits for it, even if
            // nothing more comes (`anchorCaughtUpClocks`).
            task.anchorsWhenCaughtUp = state.partition != nil
            statusBox.update { $0.restoredCustomers += state.customers.count }
            log(.info, "state restored from the changelog", [
                ("partition", "\(task.partition)"), ("customers", String(state.customers.count)), ("reflects_offset", reflected.map(String.init) ?? "-"),
                ("customers_ahead", String(task.customersAhead?.count ?? 0)),
            ])
            return .some(reflected)
        } catch {
            if error is StoppedBeforeResuming { throw error }
            log(.warning, "changelog restore failed; replaying the input instead", [("partition", "\(task.partition)"), ("error", "\(error)")])
            return nil
        }
    }

    /// Exactly-once: sends what changed in each partition's state since the last time, inside the
    /// open transaction. (At-least-once goes through `deferChangelog`, Pipeline+Checkpoint.)
    func writeChangelog(only partitions: [TopicPartition]?) {
        guard let changelog else { return }
        assert(batchesInFlight.isEmpty, "state taken while engine threads may run the engines")
        for (tp, task) in tasks where !task.isRestoring && (partitions?.contains(tp) ?? true) {
            let records = changelog.records(for: task)
            guard !records.isEmpty, let offset = task.lastOffset ?? task.tracker.committable.map({ $0 - 1 }) else { continue }
            sendState(records, from: task, offset: offset, batch: nil)
        }
    }
}
