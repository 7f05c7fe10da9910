import Foundation

/// A small, fast, seedable random source (SplitMix64), so that a run replays exactly from its seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A source seeded with `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform number in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Whether an event of probability `p` happens.
    public mutating func chance(_ p: Double) -> Bool { p > 0 && unit() < p }

    /// An exponentially distributed wait with the given mean.
    public mutating func exponential(mean: Double) -> Double { -mean * log1p(-unit()) }
}
