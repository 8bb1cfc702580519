extension Array where Element == Double {
    /// The middle value (the upper one of an even count), as the benches report every series.
    var median: Double { sorted()[count / 2] }
}
