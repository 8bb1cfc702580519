import Foundation
import Kafka
import Logging
import MomentsCore

extension Pipeline {
    func log(_ level: Logger.Level, _ message: String, _ fields: [(String, String)]) {
        guard level >= logger.logLevel else { return }
        var metadata = Logger.Metadata()
        for (k, v) in fields { metadata[k] = .string(v) }
        logger.log(level: level, Logger.Message(stringLiteral: message), metadata: metadata)
    }

    /// Gauges that describe state rather than events, refreshed once a second.
    func updateGauges() {
        lastGaugesWall = wallClock.milliseconds()
        countTallies()
        var open = 0, customers = 0, restoring = 0
        var budgets: [String: Int] = [:]
        for (tp, task) in tasks {
            open += task.engine.openInteractions
            customers += task.engine.customerCount
            if task.isRestoring { restoring += 1 }
            if let high = consumer.cachedHighWatermark(tp) {
                let next = (task.lastOffset ?? ((task.tracker.committable ?? high) - 1)) + 1
                metrics.gauge("moments_consumer_lag", [("topic", tp.topic), ("partition", String(tp.partition))], Double(max(0, high - next)))
            }
            for r in rules.recovery where r.dailyBudget != nil { budgets[r.id, default: 0] += task.engine.budgetUsedToday(rule: r.id) }
        }
        metrics.gauge("moments_open_interactions", [], Double(open))
        metrics.gauge("moments_customers_in_state", [], Double(customers))
        metrics.gauge("moments_partitions_assigned", [], Double(tasks.count))
        // Near `queued.min.messages` while a backlog is read: the prefetch is what paces it.
        metrics.gauge("moments_consumer_prefetched", [], Double(consumer.queuedCount))
        // At most one a partition; staying there, its outputs are not being acknowledged.
        if changelog != nil && !configuration.exactlyOnce { metrics.gauge("moments_state_waiting", [], Double(deferredState.count)) }
        // 1 while the outputs' broker holds input back (Pipeline+Backpressure).
        metrics.gauge("moments_input_paused", [], inputPaused.isEmpty ? 0 : 1)
        // A changelog configured and off (its topic could not be created at the start, or its
        // reader not set up):
        // every assignment replays all retained input until a restart. Logged once at the
        // start, which no alert saw (until 2026-12-07).
        if configuration.changelogTopic != nil { metrics.gauge("moments_state_changelog_off", [], changelog == nil ? 1 : 0) }
        // A rule no partition of this instance counts any more (all revoked, or the rule gone in
        // a reload) is withdrawn, not left at its last value.
        metrics.gauges("moments_discount_budget_used", label: "rule", budgets.mapValues(Double.init))
        statusBox.update { $0.restoringPartitions = restoring }
        metrics.gauge("moments_ready", [], status.ready ? 1 : 0)
    }

    /// The gauges of a partition that left (revoked or lost): its lag is its next owner's to
    /// report now. Left as it was, every former owner kept exporting its last lag, and the
    /// alerts' `sum by (job, topic)` counted it once more for each.
    func withdrawGauges(of tp: TopicPartition) {
        metrics.removeGauge("moments_consumer_lag", [("topic", tp.topic), ("partition", String(tp.partition))])
    }

    /// Switches every engine to rules handed over by `replaceRules`, keeping their state, then to
    /// silences handed over by `replaceSilences`.
    ///
    /// Both are taken and cleared in one critical section. Read in one and cleared in the next,
    /// rules handed over in between were cleared unapplied (the engines kept the old ones while
    /// /rules showed the new, and the watcher does not hand the same rules over again). Taken in
    /// two, silences handed over while the engines were being rebuilt for earlier rules were
    /// applied at once, and the rules handed over before them, applied at the next pass, set
    /// the engines back to the silences they carried, older: a silence just made did not mute,
    /// or one just expired went on muting (until 2026-12-07). Silences pending when rules are
    /// taken are never older than the rules' own (the registry hands both over in its order).
    func applyPendingChanges() {
        let (nextRules, nextSilences) = statusBox.update { status -> (RuleSet?, [Silence]?) in
            defer { status.pendingRules = nil; status.pendingSilences = nil }
            if status.pendingRules != nil { status.rulesReloads += 1 }
            return (status.pendingRules, status.pendingSilences)
        }
        if let next = nextRules {
            rules = next
            for task in tasks.values { task.engine = task.engine.reloaded(with: next) }
            // At debug: the reload itself is logged once, by whoever loaded the rules (the
            // daemon's watcher says `rules reloaded` with their source and hash); this said it a
            // second time, at notice, until 2026-12-08.
            log(.debug, "rules applied to the engines", [("moments", String(next.moments.count)), ("partitions", String(tasks.count))])
        }
        if let next = nextSilences {
            rules.silences = next
            for task in tasks.values { task.engine.setSilences(next) }
            // By where each stands on the wall clock: the engines keep an ended silence a day
            // for late events, and the one count (`silences=`) said 2 after one of 2 was expired
            // (until 2026-12-08).
            let now = Timestamp(milliseconds: wallClock.milliseconds())
            let inForce = next.count { $0.isActive(at: now) }, pending = next.count { $0.startsAt > now }
            log(.info, "silences updated", [
                ("in_force", String(inForce)), ("pending", String(pending)), ("ended", String(next.count - inForce - pending)),
                ("partitions", String(tasks.count)),
            ])
        }
    }

    /// Asks the cluster for metadata every two seconds (every half second while it does not
    /// answer) from a thread of its own, so readiness reflects whether a broker answers, without
    /// stalling the pipeline thread. It ends as soon as the pipeline stops (`healthCheckPause`).
    func startHealthCheck() {
        let consumer = self.consumer!
        let box = statusBox
        let done = healthCheckDone
        let pause = healthCheckPause
        let thread = Thread {
            // Named from the thread itself, which is when Linux applies it (`top -H`, `perf`).
            Thread.current.name = "moments-health"
            defer { done.signal() }
            // Every way of stopping (`stop`, `abandon`, `shutdown`) interrupts `pause`.
            while !pause.isInterrupted {
                let ok = consumer.brokerReachable(timeoutMs: 1500)
                if pause.isInterrupted { break }
                box.update { $0.brokerReachable = ok }
                guard pause.sleep(seconds: ok ? 2 : 0.5) else { break }
            }
        }
        thread.start()
        healthCheck = thread
    }
}
