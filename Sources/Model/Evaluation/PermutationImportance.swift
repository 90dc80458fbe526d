// Permutation importance (Breiman 2001; scikit-learn's permutation_importance): how much a model's
// score drops when one group of input features is shuffled across the rows, breaking its link with
// the target while keeping its distribution.
//
// A group is the features of one original column (several one-hot indicators move together, by the
// same permutation of the rows) or a single feature (an image's pixel). For group g and repeat r:
//     drop[g][r] = s₀ − s(X with group g's features permuted by π_gr)   (s₀: the score of X itself)
// negated for a score where lower is better (a loss), so that a positive drop always means the
// model relies on the group. The result is each group's mean drop and its standard deviation over
// the R repeats (population, ddof 0, as scikit-learn reports importances_std).
//
// π_gr is a Fisher–Yates shuffle drawn from a generator seeded by (seed, g, r) alone, so the figures
// do not depend on how the (group, repeat) tasks are spread over threads. The tasks run on `lanes`
// lanes, a chunk of the parallel loop each: lane j does tasks j, j + lanes, j + 2·lanes, … one after
// the other in its own copy of X (permute the group's columns, score, put them back), so the work
// needs `lanes` copies of X and nothing per task. `score` is called with the lane it runs on and
// must be safe to call on different lanes at once: a network per lane (layers keep buffers), whose
// own loops run inline, not on the runner the lanes run on.

public enum PermutationImportance {
    public struct Result: Equatable, Sendable {
        /// The score of the unshuffled features.
        public let baseline: Double
        /// Per group: the mean drop over the repeats, and its standard deviation.
        public let mean: [Double]
        public let standardDeviation: [Double]
        /// drops[g][r]: group g's drop in repeat r.
        public let drops: [[Double]]
        /// Group indices by decreasing mean drop (ties: the lower index first).
        public var ranking: [Int] { mean.indices.sorted { mean[$0] > mean[$1] || (mean[$0] == mean[$1] && $0 < $1) } }
    }

    /// - Parameters:
    ///   - features: `rows` rows of `width` features, row-major.
    ///   - groups: the feature indices of each group (each in 0 ..< width).
    ///   - repeats: shuffles per group, R ≥ 1.
    ///   - seed: the generators' seed.
    ///   - lanes: how many copies of the features the tasks share out (at most the tasks' count is used).
    ///   - loops: where the lanes run (one chunk each); inline by default.
    ///   - higherIsBetter: false for a score that is a loss.
    ///   - score: the score of `rows` rows of features at the pointer, called with the lane's index.
    public static func compute(
        features: [Float], rows: Int, width: Int, groups: [[Int]], repeats: Int, seed: UInt64,
        lanes: Int = 1, loops: Loops = Loops(), higherIsBetter: Bool = true,
        score: (_ lane: Int, _ features: UnsafePointer<Float>) -> Double
    ) -> Result {
        precondition(rows >= 1 && width >= 1 && features.count == rows * width, "features are rows of `width` values")
        precondition(repeats >= 1 && lanes >= 1, "one repeat and one lane or more")
        precondition(groups.allSatisfy { g in g.allSatisfy { $0 >= 0 && $0 < width } }, "a group names a feature outside the width")
        let baseline = features.withUnsafeBufferPointer { score(0, $0.baseAddress!) }
        let tasks = groups.count * repeats
        let used = max(1, min(lanes, tasks))
        var drops = [Double](repeating: 0, count: tasks)
        // Per lane: a copy of the features and a permutation buffer.
        let copies = UnsafeMutablePointer<Float>.allocate(capacity: used * rows * width)
        let permutations = UnsafeMutablePointer<Int32>.allocate(capacity: used * rows)
        defer {
            copies.deallocate()
            permutations.deallocate()
        }
        // Group members, flattened: members[offsets[g] ..< offsets[g + 1]].
        var offsets = [0]
        var members = [Int]()
        for g in groups {
            members.append(contentsOf: g)
            offsets.append(members.count)
        }
        features.withUnsafeBufferPointer { x in
            for lane in 0..<used { (copies + lane * rows * width).initialize(from: x.baseAddress!, count: rows * width) }
            withoutActuallyEscaping(score) { score in
                offsets.withUnsafeBufferPointer { offsets in
                    members.withUnsafeBufferPointer { members in
                        drops.withUnsafeMutableBufferPointer { drops in
                            let job = Job(
                                x: x.baseAddress!, copies: copies, permutations: permutations, rows: rows, width: width,
                                offsets: offsets.baseAddress!, members: members.baseAddress!, repeats: repeats,
                                tasks: tasks, lanes: used, seed: seed, baseline: baseline,
                                sign: higherIsBetter ? 1 : -1, drops: drops.baseAddress!, score: score)
                            loops.run(chunks: used, context: job) { context, lane in
                                context.assumingMemoryBound(to: Job.self).pointee.run(lane: lane)
                            }
                        }
                    }
                }
            }
        }
        var mean = [Double]()
        var deviation = [Double]()
        var byGroup = [[Double]]()
        for g in groups.indices {
            let d = Array(drops[(g * repeats)..<((g + 1) * repeats)])
            let m = d.reduce(0, +) / Double(repeats)
            mean.append(m)
            deviation.append((d.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(repeats)).squareRoot())
            byGroup.append(d)
        }
        return Result(baseline: baseline, mean: mean, standardDeviation: deviation, drops: byGroup)
    }

    /// The generator of group g's repeat r: its own stream, whatever lane draws it.
    public static func generator(seed: UInt64, group: Int, repeat r: Int) -> RandomGenerator {
        RandomGenerator(seed: seed ^ (UInt64(group) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(r) &* 0xD1B5_4A32_D192_ED03) ^ 0x5045_524D_5554_45)
    }

    /// One computation's arguments, shared by its lanes.
    private struct Job {
        let x: UnsafePointer<Float>, copies: UnsafeMutablePointer<Float>, permutations: UnsafeMutablePointer<Int32>
        let rows: Int, width: Int
        let offsets: UnsafePointer<Int>, members: UnsafePointer<Int>
        let repeats: Int, tasks: Int, lanes: Int, seed: UInt64, baseline: Double, sign: Double
        let drops: UnsafeMutablePointer<Double>
        let score: (Int, UnsafePointer<Float>) -> Double

        func run(lane: Int) {
            let copy = copies + lane * rows * width
            let perm = permutations + lane * rows
            var task = lane
            while task < tasks {
                let g = task / repeats
                let r = task % repeats
                var rng = PermutationImportance.generator(seed: seed, group: g, repeat: r)
                for i in 0..<rows { perm[i] = Int32(i) }
                rng.shuffle(UnsafeMutableBufferPointer(start: perm, count: rows))
                let group = offsets[g]..<offsets[g + 1]
                for m in group {
                    let j = members[m]
                    for i in 0..<rows { copy[i * width + j] = x[Int(perm[i]) * width + j] }
                }
                drops[task] = sign * (baseline - score(lane, UnsafePointer(copy)))
                for m in group {
                    let j = members[m]
                    for i in 0..<rows { copy[i * width + j] = x[i * width + j] }
                }
                task += lanes
            }
        }
    }
}
