import Foundation
import Kafka
import Logging
import MomentsCore

/// A newly assigned partition whose resume position or state could not be learned in time.
public struct ResumeError: Error, CustomStringConvertible {
    public var partitions: [TopicPartition]
    public var underlying: any Error

    public var description: String {
        "cannot learn where \(partitions.map(String.init(describing:)).joined(separator: ", ")) resume: \(underlying); stopping rather than processing them without their state (their inputs stay uncommitted)"
    }
}

/// Partitions librdkafka refused to assign (`RebalanceEvent.refused`).
public struct AssignmentRefused: Error, CustomStringConvertible {
    public var partitions: [TopicPartition]
    public var reason: String

    public var description: String {
        "librdkafka refused the assignment of \(partitions.map(String.init(describing:)).joined(separator: ", ")): \(reason); stopping, since the consumer would wait for it for good (their inputs stay uncommitted)"
    }
}

/// A stop was asked for while newly assigned partitions waited for the broker: they are given up
/// without a task (nothing of them is processed or committed), and the stop goes on.
struct StoppedBeforeResuming: Error, CustomStringConvertible {
    var description: String { "the pipeline is stopping" }
}

extension Pipeline {
    var isStopRequested: Bool { statusBox.read { $0.stopRequested } }

    /// Asks the broker `ask` until it answers, backing off, for up to `assignmentTimeout`, or
    /// until a stop is asked for. (It runs in the rebalance handler, where the loop does not see
    /// a stop: with the broker out of reach, a SIGTERM waited `assignmentTimeout` for each
    /// partition assigned, minutes past any grace period before a SIGKILL.)
    ///
    /// Real time, not `wallClock`: this is waiting for a broker (tests drive `wallClock` by hand).
    func persistently<T>(_ what: String, of partitions: [TopicPartition], _ ask: () throws -> T) throws -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        let limit = UInt64(max(0, configuration.assignmentTimeout.milliseconds)) * 1_000_000
        var pauseMs: UInt64 = 100
        while true {
            // Asked inside the rebalance handler: the retries must not outlast the group's
            // patience (`KafkaConsumer.markAlive`).
            consumer.markAlive()
            noteAlive()
            do {
                return try ask()
            } catch {
                if isStopRequested { throw StoppedBeforeResuming() }
                guard DispatchTime.now().uptimeNanoseconds - start + pauseMs * 1_000_000 < limit else { throw error }
                statusBox.update { $0.resumeLookupRetries += 1 }
                metrics.count("moments_resume_lookup_retries_total")
                log(.warning, "newly assigned partitions wait for the broker; asking again", [
                    ("what", what), ("partitions", partitions.map(String.init(describing:)).joined(separator: ",")), ("error", "\(error)"),
                ])
                Thread.sleep(forTimeInterval: Double(pauseMs) / 1000)
                pauseMs = min(pauseMs * 2, 2000)
            }
        }
    }

    /// Gives up on an assignment: no task is created for it (its records are not processed,
    /// its offsets not committed), and the loop stops the pipeline (`unrecoverable`) so that
    /// a supervisor restarts it, rather than running the partitions without their state.
    func cannotResume(_ partitions: [TopicPartition], _ error: any Error) -> [TopicPartition: Int64] {
        for tp in partitions { tasks[tp] = nil }
        if error is StoppedBeforeResuming {
            log(.info, "stopping before newly assigned partitions resumed; they stay uncommitted", [("partitions", partitions.map(String.init(describing:)).joined(separator: ","))])
            return [:]
        }
        let failure = ResumeError(partitions: partitions, underlying: error)
        unrecoverable = failure
        log(.critical, "cannot resume newly assigned partitions; stopping", [("error", failure.description)])
        return [:]
    }
}
