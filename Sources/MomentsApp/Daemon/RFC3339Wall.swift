import MomentsCore

/// Wall-clock instants in the same RFC 3339 form as event times (logs, simulated traffic).
public enum RFC3339Wall {
    public static func format(milliseconds: Int64) -> String { RFC3339.format(Timestamp(milliseconds: milliseconds)) }
}
