import Foundation

/// A small, fast, seedable generator (SplitMix64): the simulator never touches global
/// randomness, so a seed always gives the same traffic.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<1.
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Uniform in the closed range, in milliseconds or any integer unit.
    public mutating func between(_ a: Int64, _ b: Int64) -> Int64 { a + Int64(next() % UInt64(b - a + 1)) }

    public mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }

    /// Exponentially distributed with the given mean (Poisson arrivals).
    public mutating func exponential(mean: Double) -> Double { -mean * Foundation.log(1 - unit()) }
}
