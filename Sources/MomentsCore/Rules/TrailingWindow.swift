/// A threshold compared against the average of recent values of one interaction instead of
/// each value alone (`average_over: 3` scores, or `average_over: 120s`).
public struct TrailingWindow: Sendable, Equatable {
    public enum Span: Sendable, Equatable {
        /// The last n values.
        case samples(Int)
        /// The values of the last span of event time, up to the newest value.
        case duration(Duration)
    }
    public var span: Span
    /// The average is compared only once this many values are in the window.
    public var minSamples: Int

    /// Values kept per interaction for a time window, so state stays bounded whatever the rate.
    public static let maxSamples = 100
}
