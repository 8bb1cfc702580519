import Kafka
import Logging
import MomentsCore

/// Exactly-once: one transaction per commit interval holds the outputs, the changelog writes and
/// the input offsets. An abortable failure aborts it and rewinds every partition to its last
/// committed offset with its state rebuilt (Kafka Streams' "task corrupted"); a fatal one (a
/// newer instance with the same transactional id fenced this one) stops the pipeline.
///
/// Committing and aborting are resumable (rdkafka.h): a call that returns a retriable error (its
/// timeout, the coordinator out of reach) leaves the operation going on in the background, and
/// only calling the same function again finishes it. Until then librdkafka refuses every other
/// transactional call (a retriable `__CONFLICT`) and every produce (`__STATE`). So the pipeline
/// remembers the call (`transactionEnding`), and its loop makes it again, and nothing else,
/// until it succeeds, fails for good, or must be aborted. (Until 2026-12-05 a commit that timed
/// out was left unfinished: the next outputs failed, the aborts that followed were refused, and
/// the pipeline never committed or emitted again until it was restarted.)
extension Pipeline {
    /// A commit or abort librdkafka has not finished (see above).
    enum TransactionEnding {
        /// Committing the open transaction, which carries these input offsets.
        case committing([TopicPartition: Int64])
        /// Aborting it; every partition is rewound once it is done.
        case aborting
    }

    func commitTransaction() throws {
        lastCommitWall = wallClock.milliseconds()
        switch transactionEnding {
        case .committing(let offsets):
            try endCommit(offsets)
            return
        case .aborting:
            try endAbort()
            return
        case nil:
            break
        }
        // The state first: a record of it refused on the spot (a customer's state over
        // `message.max.bytes`, a queue still full) fails the transaction as an output does, and
        // was not seen when the checks below came before it: the offsets went past state that
        // never reached the changelog, and the next abort rewound to a restore without it.
        writeChangelog(only: nil)
        if transactionFailed {
            try abortAndRewind(reason: "an output of the transaction failed")
            return
        }
        // An output waiting to be produced again is in no transaction: committing would take its
        // input's offset with it. (Exactly-once fails the transaction instead of retrying, see
        // `produce`; this keeps a retry from ever being committed past.)
        if !retries.isEmpty {
            try abortAndRewind(reason: "an output of the transaction waits to be produced again")
            return
        }
        var offsets: [TopicPartition: Int64] = [:]
        for (tp, task) in tasks where !task.isRestoring {
            if let last = task.lastOffset, task.lastCommitted.map({ last + 1 > $0 }) ?? true { offsets[tp] = last + 1 }
        }
        guard inTransaction || !offsets.isEmpty else { return }
        // Each transactional call may hold the thread its 30 s, and a commit's run of them
        // (offsets, commit, an abort) is a sign of life at each step (`Pipeline+Liveness`). A
        // call made again because the last one did not finish (`transactionEnding`) is not.
        noteAlive()
        let sent = Result { () throws(KafkaError) in
            if !inTransaction {
                try producer.beginTransaction()
                inTransaction = true
            }
            try producer.sendOffsetsToTransaction(offsets, consumer: consumer, timeoutMs: transactionCallTimeoutMs())
        }
        switch sent {
        case .success:
            noteAlive()
            try endCommit(offsets)
        case .failure(let error) where error.isFatal:
            log(.critical, "fenced or fatal transactional error; stopping", [("error", "\(error)")])
            throw error
        case .failure(let error) where error.txnRequiresAbort:
            try abortAndRewind(reason: error.description)
        case .failure(let error):
            // Not committing yet: the transaction stays open, and the next interval sends its
            // offsets again (retriable, not resumable).
            log(.warning, "sending the offsets to the transaction failed; retrying at the next interval", [("error", "\(error)")])
        }
    }

    /// A transactional call's bound (`transactionCallTimeout`, 30 s), within the stop's deadline
    /// while stopping: a stop's offsets and commit could take 30 s each, twice the grace period
    /// the deployment files give a stop before SIGKILL (until 2026-12-07). A call cut short
    /// goes on in librdkafka, and the next instance with this transactional id finishes it.
    func transactionCallTimeoutMs() -> Int32 { boundedWaitMs(usual: configuration.transactionCallTimeout.milliseconds) }

    /// Commits the open transaction, which carries `offsets`, or resumes its commit.
    private func endCommit(_ offsets: [TopicPartition: Int64]) throws {
        let result = Result { () throws(KafkaError) in
            try producer.commitTransaction(timeoutMs: transactionCallTimeoutMs())
        }
        switch result {
        case .success:
            transactionEnding = nil
            inTransaction = false
            for (tp, next) in offsets { tasks[tp]?.lastCommitted = next }
            // As at-least-once commits do (until 2026-12-06 exactly-once left the status's
            // committed offsets empty, which the tests and benches read).
            statusBox.update { status in
                status.commits += 1
                status.committed.merge(offsets) { _, new in new }
            }
        case .failure(let error) where error.isFatal:
            log(.critical, "fenced or fatal transactional error; stopping", [("error", "\(error)")])
            throw error
        case .failure(let error) where error.txnRequiresAbort:
            transactionEnding = nil
            try abortAndRewind(reason: error.description)
        case .failure(let error) where error.isRetriable:
            transactionEnding = .committing(offsets)
            log(.warning, "transaction commit not finished; calling it again, new work waits", [("error", "\(error)")])
        case .failure(let error):
            // Neither retriable, abortable nor fatal: rdkafka.h advises treating it as fatal.
            log(.critical, "transaction commit failed; stopping", [("error", "\(error)")])
            throw error
        }
    }

    func abortAndRewind(reason: String) throws {
        log(.warning, "aborting the transaction and reprocessing from the last commit", [("reason", reason)])
        noteAlive()
        try endAbort()
    }

    /// Aborts the open transaction, or resumes its abort; once it is done, rewinds.
    private func endAbort() throws {
        let result = Result { () throws(KafkaError) in
            try producer.abortTransaction(timeoutMs: transactionCallTimeoutMs())
        }
        switch result {
        case .failure(let error) where error.isFatal:
            throw error
        case .failure(let error) where error.isRetriable || error.txnRequiresAbort:
            // Not finished: it goes on in the background (retriable), or the coordinator refused
            // it and librdkafka starts it over when called again (abortable). Rewound before it
            // ends, the redone work would be produced into a transaction that cannot begin.
            transactionEnding = .aborting
            log(.warning, "transaction abort not finished; calling it again, new work waits", [("error", "\(error)")])
            return
        case .success, .failure:
            // Aborted, or nothing to abort (`__STATE`: no transaction was open).
            transactionEnding = nil
        }
        try rewind()
    }

    /// Every partition back to its last commit, its state rebuilt, after an abort.
    private func rewind() throws {
        inTransaction = false
        transactionFailed = false
        pending.removeAll()
        retries.removeAll()
        // Partitions on their way out — a revocation's, or every one at a stop — are not restored:
        // their next owner starts from the last commit anyway. Restored here (until 2026-12-07),
        // they held up the group's rebalance, or the stop, for a restore thrown away at once,
        // and a lookup failing for one of them stopped the daemon.
        let partitions = leaving ? [] : tasks.keys.filter { !partitionsLeaving.contains($0) }
        tasks.removeAll()
        // Rewound to exactly the last commit: `assigned` learns it as on an assignment (a broker
        // that does not answer in time stops the pipeline) and names it as each partition's start.
        // Nothing to restore (all leaving): no lookup either, which at a stop can wait for a
        // coordinator that no longer answers this member.
        let starts = partitions.isEmpty ? [:] : assigned(partitions)
        guard unrecoverable == nil else { return }
        for tp in partitions {
            noteAlive()
            // Never committed: from the oldest retained record, whatever `auto.offset.reset`
            // says (`latest` would name the end), so no record of the aborted transaction is
            // passed over.
            let start: Int64
            do {
                start = try (tasks[tp]?.lastCommitted == nil ? nil : starts[tp]) ?? persistently("oldest retained offset", of: [tp]) { try consumer.watermarks(tp, timeoutMs: 5000).low }
            } catch {
                _ = cannotResume(partitions, error)
                return
            }
            // A partition left where it was would go on from its old position on state rebuilt at
            // the commit, skipping the aborted records: it stops the pipeline instead, as a
            // lookup that fails does (a revocation would otherwise log it and go on).
            do {
                try consumer.seek(tp, to: start)
            } catch {
                _ = cannotResume(partitions, error)
                return
            }
        }
        statusBox.update { $0.transactionsAborted += 1 }
    }
}
