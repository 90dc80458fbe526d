// The generator of every test's random data: seeded, so each run draws the same values and a
// failure reproduces.

/// A 64-bit linear congruential generator with Knuth's MMIX constants: `next()` is the new state.
/// Its high bits are the random ones (the lowest bit alternates): draw through the standard
/// library (`Int.random(in:using:)`, `Double.random(in:using:)`, `shuffled(using:)`, which take
/// the high bits) or shift (`next() >> 33`), never `next() % n`. The synthetic datasets and the
/// checkpoint fixtures made from them were drawn from this sequence, so it stays as it is.
/// A test that draws many cases names `seed` in its failure messages.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The seed this generator started from.
    public let seed: UInt64
    private var state: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    public mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state
    }

    /// A value in 0..<bound, drawn from the high bits.
    public mutating func next(_ bound: Int) -> Int { Int.random(in: 0..<bound, using: &self) }
}
