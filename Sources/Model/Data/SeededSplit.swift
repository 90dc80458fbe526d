// A seeded split of a set of examples into the ones kept and the ones held out: the indices
// 0..<count shuffled once by a generator derived from the run's seed and the split's purpose, the
// last round(count × fraction) of them held out. The test split of a CSV file and the validation
// split of a training set are both made this way; each purpose has its own generator, so that the
// two splits of one run are independent of each other.

public enum SeededSplit {
    /// What a split is for: its generator is seeded with the run's seed XOR this tag (eight ASCII
    /// letters, so that the tags stay apart from small seeds).
    public enum Purpose: UInt64, Sendable {
        /// The test rows of a CSV file ("TESTSPLI").
        case test = 0x5445_5354_5350_4C49
        /// The validation examples of a training set ("VALIDATE").
        case validation = 0x5641_4C49_4441_5445
    }

    /// The examples kept and held out, by index, in the shuffled order; nil when the fraction
    /// holds out none or all of them (`heldCount` says which).
    public static func split(count: Int, fraction: Float, seed: UInt64, purpose: Purpose)
        -> (kept: ArraySlice<Int32>, held: ArraySlice<Int32>)?
    {
        let order = shuffled(count: count, seed: seed, purpose: purpose)
        let held = heldCount(count: count, fraction: fraction)
        guard held >= 1, held < count else { return nil }
        return (order[0..<(count - held)], order[(count - held)...])
    }

    /// The indices 0..<count in the split's seeded order.
    public static func shuffled(count: Int, seed: UInt64, purpose: Purpose) -> [Int32] {
        var order = (0..<Int32(count)).map { $0 }
        var rng = RandomGenerator(seed: seed ^ purpose.rawValue)
        order.withUnsafeMutableBufferPointer { rng.shuffle($0) }
        return order
    }

    /// How many of `count` examples a split of `fraction` holds out.
    public static func heldCount(count: Int, fraction: Float) -> Int { Int((Float(count) * fraction).rounded()) }
}
