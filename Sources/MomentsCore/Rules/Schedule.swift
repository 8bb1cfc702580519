import Foundation

/// Active days and hours in a named IANA time zone (a queue's business hours).
///
/// Pure: an instant is converted to local time with the zone's rules (tzdata), never with the
/// wall clock, so the same event time always gives the same answer, across DST changes too.
public struct Schedule: Sendable {
    /// The name under `schedules:`, or nil for one written inline on a rule.
    public var name: String?
    public var timeZone: TimeZone
    /// ISO weekdays on which the hours apply: 1 = Monday ... 7 = Sunday.
    public var days: Set<Int>
    /// Local time ranges in minutes since midnight, start inclusive, end exclusive.
    public var hours: [ClosedOpenMinutes]

    public struct ClosedOpenMinutes: Sendable, Equatable {
        public var start: Int
        public var end: Int
    }

    public init(name: String? = nil, timeZone: TimeZone, days: Set<Int>, hours: [ClosedOpenMinutes]) {
        self.name = name; self.timeZone = timeZone; self.days = days; self.hours = hours
    }

    /// Whether `time` falls on an active day within active hours, in the schedule's zone.
    public func contains(_ time: Timestamp) -> Bool {
        let local = localTime(time)
        guard days.contains(local.weekday) else { return false }
        return hours.contains { local.minute >= $0.start && local.minute < $0.end }
    }

    /// ISO weekday and minute of the day at `time` in the schedule's zone.
    func localTime(_ time: Timestamp) -> (weekday: Int, minute: Int) {
        let date = Date(timeIntervalSince1970: Double(time.milliseconds) / 1000)
        let offsetMs = Int64(timeZone.secondsFromGMT(for: date)) * 1000
        let localMs = time.milliseconds + offsetMs
        let day = localMs >= 0 ? localMs / 86_400_000 : (localMs - 86_399_999) / 86_400_000
        let minute = Int((localMs - day * 86_400_000) / 60_000)
        // 1970-01-01 was a Thursday (ISO weekday 4).
        let weekday = Int(((day % 7) + 7 + 3) % 7) + 1
        return (weekday, minute)
    }
}

/// A rule's schedule and what the rule does outside it.
public struct RuleSchedule: Sendable {
    public var schedule: Schedule
    public var outside: OutsideHours
}

public enum OutsideHours: Sendable {
    /// The rule detects nothing outside the schedule.
    case off
    /// A wait uses this limit instead of `longer_than` (overrides still apply first).
    case waitLimit(Duration)
    /// A threshold compares against these bounds instead.
    case threshold(ThresholdCondition)
}
