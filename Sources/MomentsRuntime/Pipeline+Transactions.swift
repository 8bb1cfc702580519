import Kafka
import Logging
import MomentsCore

/// Exactly-once: one transaction per commit interval holds the outputs, the changelog writes and
/// the input offsets. An abortable failure aborts it and rewinds every partition to its last
/// committed offset with its state rebuilt (Kafka Streams' "task corrupted"); a fatal one (a
/// newer instance with the same transactional id fenced this one) stops the pipeline.
extension Pipeline {
    func commitTransaction() throws {
        lastCommitWall = wallClock.milliseconds()
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
        writeChangelog(only: nil)
        var offsets: [TopicPartition: Int64] = [:]
        for (tp, task) in tasks where !task.isRestoring {
            if let last = task.lastOffset, task.lastCommitted.map({ last + 1 > $0 }) ?? true { offsets[tp] = last + 1 }
        }
        guard inTransaction || !offsets.isEmpty else { return }
        switch commit(offsets) {
        case .success:
            inTransaction = false
            for (tp, next) in offsets { tasks[tp]?.lastCommitted = next }
            statusBox.update { $0.commits += 1 }
        case .failure(let error) where error.isFatal:
            log(.critical, "fenced or fatal transactional error; stopping", [("error", "\(error)")])
            throw error
        case .failure(let error) where error.txnRequiresAbort:
            try abortAndRewind(reason: error.description)
        case .failure(let error):
            log(.warning, "transaction commit failed; retrying at the next interval", [("error", "\(error)")])
        }
    }

    private func commit(_ offsets: [TopicPartition: Int64]) -> Result<Void, KafkaError> {
        Result { () throws(KafkaError) in
            if !inTransaction {
                try producer.beginTransaction()
                inTransaction = true
            }
            try producer.sendOffsetsToTransaction(offsets, consumer: consumer)
            try producer.commitTransaction()
        }
    }

    func abortAndRewind(reason: String) throws {
        log(.warning, "aborting the transaction and reprocessing from the last commit", [("reason", reason)])
        if case .failure(let error) = Result(catching: { () throws(KafkaError) in try producer.abortTransaction() }), error.isFatal {
            throw error
        }
        inTransaction = false
        transactionFailed = false
        pending.removeAll()
        retries.removeAll()
        unacknowledgedByEpoch.removeAll()
        let partitions = Array(tasks.keys)
        tasks.removeAll()
        // Rewound to exactly the last commit: `assigned` learns it as on an assignment (a broker
        // that does not answer in time stops the pipeline) and names it as each partition's start.
        let starts = assigned(partitions)
        guard unrecoverable == nil else { return }
        for tp in partitions {
            // Never committed: from the oldest retained record.
            let start: Int64
            do {
                start = try starts[tp] ?? persistently("oldest retained offset", of: [tp]) { try consumer.watermarks(tp, timeoutMs: 5000).low }
            } catch {
                _ = cannotResume(partitions, error)
                return
            }
            try consumer.seek(tp, to: start)
        }
        statusBox.update { $0.transactionsAborted += 1 }
    }
}
