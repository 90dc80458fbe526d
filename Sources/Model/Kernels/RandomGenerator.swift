// A seeded, serializable random generator: xoshiro256** seeded through SplitMix64.
// Every random choice in training (initialization, shuffling, dropout masks, validation split)
// draws from one of these, so the same seed gives the same run.

public struct RandomGenerator: RandomNumberGenerator {
    /// The whole state; saving and restoring it resumes the exact sequence.
    public var state: (UInt64, UInt64, UInt64, UInt64)
    /// A second normal deviate kept from the last Box–Muller pair, if any.
    private var spareNormal: Float?

    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The state as four words (for checkpoints); the spare normal is dropped, so restore at a
    /// point where none is pending (the trainer only saves between epochs).
    public var words: [UInt64] { [state.0, state.1, state.2, state.3] }

    public init(words: [UInt64]) {
        precondition(words.count == 4, "generator state is four words")
        state = (words[0], words[1], words[2], words[3])
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 24 bits of precision.
    @inline(__always)
    public mutating func uniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform in [lo, hi).
    public mutating func uniform(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * uniform() }

    /// Standard normal, by Marsaglia's polar method (in Double, so the tails are right): one log
    /// and one square root per pair, no trigonometry — initializing C's 1.9 M weights is start-up time.
    public mutating func normal() -> Float {
        if let z = spareNormal {
            spareNormal = nil
            return z
        }
        var u = 0.0
        var v = 0.0
        var s = 0.0
        repeat {
            u = Double(next() >> 11) * (2.0 / 9_007_199_254_740_992.0) - 1
            v = Double(next() >> 11) * (2.0 / 9_007_199_254_740_992.0) - 1
            s = u * u + v * v
        } while s >= 1 || s == 0
        let f = (-2.0 * _log(s) / s).squareRoot()
        spareNormal = Float(v * f)
        return Float(u * f)
    }

    /// Uniform integer in 0..<n without modulo bias.
    public mutating func below(_ n: Int) -> Int { Int(next(upperBound: UInt64(n))) }

    /// Fisher–Yates shuffle in place.
    public mutating func shuffle(_ a: UnsafeMutableBufferPointer<Int32>) {
        var i = a.count - 1
        while i > 0 {
            let j = below(i + 1)
            a.swapAt(i, j)
            i -= 1
        }
    }
}
