/// Threshold conditions: a single value, or the average of a trailing window of values per
/// interaction (`average_over`), against bounds that a schedule may change outside its hours.
extension Engine {
    /// The condition comes as the rule index's shared box, read in place (as the waits' do).
    mutating func evaluateThreshold(
        _ r: Int, _ shared: Shared<ThresholdCondition>, event: Event, ix: inout InteractionState, customer: inout CustomerState, into out: inout [Output]
    ) {
        guard let v = event.data.number(shared.value.field) else { return }
        guard let window = shared.value.window else {
            guard crossed(r, shared, by: v, at: event.occurredAt) else { return }
            let c = shared.value
            fire(r, ix: &ix, customer: &customer, event: event, time: event.occurredAt, measures: [.init(name: c.field, value: v)], into: &out)
            return
        }
        // Once fired (once per interaction), the window is no longer needed.
        guard !ix.fired.contains(r) else { ix.windows[r] = nil; return }
        var samples = ix.windows[r] ?? TrailingSamples()
        samples.insert(at: event.occurredAt, value: v, window: window)
        ix.windows[r] = samples
        guard samples.count >= window.minSamples, let average = samples.average,
            crossed(r, shared, by: average, at: event.occurredAt) else { return }
        let c = shared.value
        fire(r, ix: &ix, customer: &customer, event: event, time: event.occurredAt,
             measures: [.init(name: c.field, value: (average * 1000).rounded() / 1000), .init(name: c.field + "_samples", value: Double(samples.count))],
             ofTheEvent: false, into: &out)   // an average, of the interaction's recent scores
        if ix.fired.contains(r) { ix.windows[r] = nil }
    }
}

/// The recent values of one field in one interaction, oldest first, bounded by the window.
struct TrailingSamples: Sendable, Equatable {
    var values: [(at: Timestamp, value: Double)] = []

    var count: Int { values.count }
    var average: Double? { values.isEmpty ? nil : values.reduce(0) { $0 + $1.value } / Double(values.count) }

    /// Adds a value in event-time order (a late value goes where it belongs), then drops what
    /// fell out of the window: beyond the last n values, or older than the span before the newest.
    mutating func insert(at t: Timestamp, value: Double, window: TrailingWindow) {
        let i = values.lastIndex { $0.at <= t }.map { $0 + 1 } ?? 0
        values.insert((t, value), at: i)
        switch window.span {
        case .samples(let n):
            if values.count > n { values.removeFirst(values.count - n) }
        case .duration(let d):
            let horizon = values[values.count - 1].at - d
            values.removeAll { $0.at < horizon }
            if values.count > TrailingWindow.maxSamples { values.removeFirst(values.count - TrailingWindow.maxSamples) }
        }
    }

    static func == (a: TrailingSamples, b: TrailingSamples) -> Bool {
        a.values.count == b.values.count && zip(a.values, b.values).allSatisfy { $0.at == $1.at && $0.value == $1.value }
    }
}
