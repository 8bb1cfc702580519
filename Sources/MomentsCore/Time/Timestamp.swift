/// Event time: milliseconds since the Unix epoch, UTC.
///
/// Moments never reads the wall clock in its core; every instant is one of these values,
/// parsed from an event or handed in by the runtime.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var milliseconds: Int64

    @inlinable public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    @inlinable public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }
    @inlinable public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(milliseconds: lhs.milliseconds &+ rhs.milliseconds)
    }
    @inlinable public static func - (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(milliseconds: lhs.milliseconds &- rhs.milliseconds)
    }
    /// The span between two instants.
    @inlinable public static func - (lhs: Timestamp, rhs: Timestamp) -> Duration {
        Duration(milliseconds: lhs.milliseconds &- rhs.milliseconds)
    }

    /// The UTC day number, used for daily budgets.
    public var utcDay: Int64 { milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000 }

    /// RFC 3339 for the years 0000–9999 it can write; any other instant (a sentinel such as
    /// `Int64.max` milliseconds, in a test's failure message) as its number: the civil-date
    /// arithmetic overflowed on it, and the trap took a whole test run down.
    public var description: String {
        guard Self.formattable.contains(milliseconds) else { return "Timestamp(milliseconds: \(milliseconds))" }
        return RFC3339.format(self)
    }

    /// 0000-01-01T00:00:00.000Z through 9999-12-31T23:59:59.999Z.
    static let formattable: ClosedRange<Int64> = -62_167_219_200_000...253_402_300_799_999
}

/// A length of time in milliseconds (rules say "120s", "30d").
public struct Duration: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var milliseconds: Int64

    @inlinable public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    public static func seconds(_ s: Int64) -> Duration { Duration(milliseconds: s * 1000) }
    public static func minutes(_ m: Int64) -> Duration { Duration(milliseconds: m * 60_000) }
    public static func hours(_ h: Int64) -> Duration { Duration(milliseconds: h * 3_600_000) }
    public static func days(_ d: Int64) -> Duration { Duration(milliseconds: d * 86_400_000) }
    public static let zero = Duration(milliseconds: 0)

    @inlinable public static func < (lhs: Duration, rhs: Duration) -> Bool { lhs.milliseconds < rhs.milliseconds }

    public var seconds: Double { Double(milliseconds) / 1000 }

    /// Human form used in summaries and tips: "45 s", "2 min 10 s", "1 h 5 min", "3 d".
    public var description: String { HumanDuration.format(self) }
}

enum HumanDuration {
    static func format(_ d: Duration) -> String {
        var s = d.milliseconds / 1000
        if s < 0 { s = 0 }
        if s < 60 { return "\(s) s" }
        let days = s / 86_400, hours = (s % 86_400) / 3600, minutes = (s % 3600) / 60, seconds = s % 60
        if days > 0 { return hours > 0 ? "\(days) d \(hours) h" : "\(days) d" }
        if hours > 0 { return minutes > 0 ? "\(hours) h \(minutes) min" : "\(hours) h" }
        return seconds > 0 ? "\(minutes) min \(seconds) s" : "\(minutes) min"
    }
}
