/// Hot reload: the same state under new rules. Open interactions, waits, counts, contact history,
/// cooldowns, budgets and the duplicate window all carry over; state is matched to rules by id,
/// so a renamed or removed rule simply starts fresh (or is dropped).
extension Engine {
    public func reloaded(with newRules: RuleSet) -> Engine {
        var next = Engine(rules: newRules, clock: clock)
        next.stats = stats
        // The ids seen carry over, in a window of the new rules' size.
        next.duplicates = duplicates.resized(to: newRules.settings.duplicateWindow)
        next.budgets = budgets
        next.tallies = tallies
        next.waitTimerLateness = max(waitTimerLateness, newRules.settings.allowedLateness)
        // A runtime's changelog still needs the customers changed since its last checkpoint, and
        // every change from now on: without these a reload silently stopped the changelog (no
        // customer record written again, while commits went on).
        next.tracksChanges = tracksChanges
        next.changed = changed
        var newIndex: [String: Int] = [:]
        for (i, m) in newRules.moments.enumerated() { newIndex[m.id] = i }
        // Old rule index → new rule index, only where the rule still exists with a compatible condition.
        var map: [Int: Int] = [:]
        for (i, m) in rules.moments.enumerated() {
            guard let j = newIndex[m.id], Self.sameKind(m.condition, newRules.moments[j].condition) else { continue }
            map[i] = j
        }
        next.customers = customers.mapValues { customer in
            var c = customer
            c.interactions = customer.interactions.mapValues { ix in
                var moved = ix
                moved.fired = SmallIntSet(ix.fired.compactMap { map[$0] })
                moved.waits = SmallIntMap(uniqueKeysWithValues: ix.waits.compactMap { k, v in map[k].map { ($0, v) } })
                moved.counts = SmallIntMap(uniqueKeysWithValues: ix.counts.compactMap { k, v in map[k].map { ($0, v) } })
                moved.windows = SmallIntMap(uniqueKeysWithValues: ix.windows.compactMap { k, v in map[k].map { ($0, v) } })
                return moved
            }
            return c
        }
        next.timers = timers.remapped { timer in
            switch timer {
            case let .wait(customer, interaction, rule, episode):
                return map[rule].map { .wait(customer: customer, interaction: interaction, rule: $0, episode: episode) }
            default:
                return timer
            }
        }
        // State of a rule removed or changed in kind was dropped above, but the changelog still
        // holds it until each customer changes again: restored from there (by rule id), a rule
        // back under its id found its old state (a moment fired, so never again in that
        // interaction). Every customer is written again at the next checkpoint instead; a
        // reload that keeps every rule changes no record.
        if tracksChanges && map.count < rules.moments.count { next.markAllChanged() }
        return next
    }

    static func sameKind(_ a: Condition, _ b: Condition) -> Bool {
        switch (a, b) {
        case (.wait, .wait), (.count, .count), (.match, .match), (.threshold, .threshold), (.ended, .ended),
            (.repeatContact, .repeatContact), (.phrases, .phrases), (.resolution, .resolution):
            return true
        default:
            return false
        }
    }

    /// Recovery actions issued today (by the engine's clock) for a rule with a daily budget.
    public func budgetUsedToday(rule: String) -> Int {
        guard let b = budgets[rule], b.day == clock.utcDay else { return 0 }
        return b.used
    }
}

extension TimerQueue {
    /// The same timers in the same order, rewritten or dropped by `transform`.
    func remapped(_ transform: (Timer) -> Timer?) -> TimerQueue {
        var q = TimerQueue()
        q.setNextSequence(nextSequence)
        for e in entries.sorted(by: { $0.before($1) }) {
            if let t = transform(e.timer) { q.insertPreservingSequence(Entry(deadline: e.deadline, sequence: e.sequence, timer: t)) }
        }
        return q
    }
}
