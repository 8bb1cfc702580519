#if canImport(Glibc)
import Glibc
#endif
import MomentsCore

/// A partition's notion of now: the largest event time seen, advanced by wall-clock time while
/// no event arrives, so "still waiting after 120 s" is reported while the customer still waits.
///
/// Wall time is only ever used as a difference from the moment the last event arrived, so a
/// backlog replayed at full speed stays in event time.
public struct PartitionClock: Sendable {
    private var anchorEvent: Timestamp?
    private var anchorWall: Int64 = 0

    public init() {}

    /// An event with time `eventTime` (already applied to the engine) arrived at `wallMs`.
    public mutating func observed(engineClock: Timestamp, wallMs: Int64) {
        anchorEvent = engineClock
        anchorWall = wallMs
    }

    /// The time the engine should advance to at `wallMs`, or nil before the first event.
    public func now(wallMs: Int64) -> Timestamp? {
        guard let anchorEvent else { return nil }
        return anchorEvent + Duration(milliseconds: max(0, wallMs - anchorWall))
    }

    /// The first wall time at which `now(wallMs:)` reaches `time`, or nil before the first event:
    /// how long an idle partition may sleep before its next timer is due.
    public func wallMs(reaching time: Timestamp) -> Int64? {
        guard let anchorEvent else { return nil }
        return anchorWall + max(0, (time - anchorEvent).milliseconds)
    }
}

/// This host's real-time clock (UTC) as a timestamp: what "now" is for a silence's defaults, a
/// restore's lookback and `maxEventAhead`. (Monotonic time, for durations, is `WallClock`'s.)
public enum RealTimeClock {
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(milliseconds: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }
}

/// Monotonic wall time in milliseconds; injected so tests can drive it.
public protocol WallClock: Sendable {
    func milliseconds() -> Int64
}

public struct SystemWallClock: WallClock {
    public init() {}
    public func milliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
