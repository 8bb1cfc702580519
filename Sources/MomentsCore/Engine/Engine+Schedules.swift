/// Schedules: a rule's active days and hours in its time zone, evaluated at event time.
///
/// `outside: off` gates the moment at its own time (for a wait, the instant its limit is
/// reached). Other limits outside the schedule are chosen when the measurement starts: the
/// opening event of a wait (its limit is fixed then, as overrides are), the event of a threshold.
extension Engine {
    func isOn(_ r: Int, at time: Timestamp) -> Bool {
        guard let s = rules.moments[r].schedule, case .off = s.outside else { return true }
        return s.schedule.contains(time)
    }

    /// The limit of a wait that `opener` opens at `time`: an override for this customer first
    /// (in the opener's queue: a late opener from before a transfer waited in the queue of
    /// then), then the outside-hours limit when the schedule is not active, then `longer_than`.
    func waitLimit(_ r: Int, _ shared: Shared<WaitCondition>, at time: Timestamp, opener: Event?, ix: InteractionState) -> Duration {
        if !shared.value.overrides.isEmpty {
            let queue = opener.map { Self.queueAndAgent(of: $0, in: ix).queue } ?? ix.queue
            for o in shared.value.overrides where o.filter.matches(channel: ix.channel, queue: queue, attributes: ix.attributes) { return o.longerThan }
        }
        if let s = rules.moments[r].schedule, case .waitLimit(let outside) = s.outside, !s.schedule.contains(time) { return outside }
        return shared.value.longerThan
    }

    /// Whether `v` crosses the bounds a threshold compares against at `time`: the rule's own, or
    /// its schedule's outside its hours.
    func crossed(_ r: Int, _ shared: Shared<ThresholdCondition>, by v: Double, at time: Timestamp) -> Bool {
        if let s = rules.moments[r].schedule, case .threshold(let outside) = s.outside, !s.schedule.contains(time) { return outside.crossed(by: v) }
        return shared.value.crossed(by: v)
    }
}
