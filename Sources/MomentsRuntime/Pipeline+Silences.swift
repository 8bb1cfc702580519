import Kafka
import Logging
import MomentsCore

/// Silences reach every partition's engine the way rules do: handed over from any thread,
/// applied by the pipeline thread between passes. `rules.silences` keeps the current set, so a
/// partition assigned (and restored) later starts with it too.
extension Pipeline {
    /// Replaces the silences of every engine at the next pass. Thread-safe.
    public func replaceSilences(_ silences: [Silence]) {
        statusBox.update { $0.pendingSilences = silences }
        wakeup.signal()
    }

    // Applied with pending rules, in one critical section: `applyPendingChanges`.

    /// Counts what the engines tallied that no delivered output shows (`EngineTallies`): moments
    /// held back (a silenced or inhibited moment emits no alert, so the delivery-time counters
    /// never see it) and moments without alerts, both under `moments_moments_detected_total` as
    /// a delivered alert is; and interactions forgotten at a customer's limit.
    func countTallies() {
        for task in tasks.values {
            let tallies = task.engine.takeTallies()
            guard !task.isRestoring else { continue }   // replayed moments were counted the first time
            if tallies.forgottenAtLimit > 0 { metrics.count("moments_interactions_forgotten_at_limit_total", by: tallies.forgottenAtLimit) }
            // Emitted without an alert (`alert: false`): nothing delivered counts them either.
            for (key, n) in tallies.unalerted { metrics.countDetected(rule: key.rule, kind: key.kind.rawValue, queue: key.queue, by: n) }
            for (key, n) in tallies.suppressed {
                metrics.countDetected(rule: key.rule, kind: key.kind.rawValue, queue: key.queue, by: n)
                switch key.reason {
                case .silenced:
                    metrics.count("moments_silenced_total", [("rule", key.rule)], by: n)
                case .inhibited(let by):
                    metrics.count("moments_inhibited_total", [("rule", key.rule), ("by", by)], by: n)
                }
            }
        }
    }
}
