// K folds of a set of rows for cross-validation, seeded: every row in exactly one test fold. For a
// classification the folds are stratified: each class's rows, shuffled, are dealt to the folds in
// turn (continuing where the previous class stopped), so every fold holds each class's share of
// the rows to within one row and the folds' sizes differ by at most one, as scikit-learn's
// StratifiedKFold makes them. For a regression the shuffled rows are dealt the same way.
import Model

public enum StratifiedFolds {
    /// The test rows of each of `k` folds (sorted), for `count` rows with class `labels` (nil or
    /// empty: a regression), shuffled with a generator seeded from `seed`.
    public static func folds(count: Int, labels: [Int32]?, k: Int, seed: UInt64) -> [[Int]] {
        precondition(k >= 2 && k <= count, "between 2 and the row count folds")
        var rng = RandomGenerator(seed: seed ^ 0x464F_4C44_5348_5546)  // "FOLDSHUF"
        var groups: [[Int32]]
        if let labels, !labels.isEmpty {
            let classes = Int(labels.max()!) + 1
            groups = [[Int32]](repeating: [], count: classes)
            for (i, y) in labels.enumerated() { groups[Int(y)].append(Int32(i)) }
        } else {
            groups = [(0..<Int32(count)).map { $0 }]
        }
        var folds = [[Int]](repeating: [], count: k)
        var next = 0
        for g in groups.indices {
            groups[g].withUnsafeMutableBufferPointer { rng.shuffle($0) }
            for i in groups[g] {
                folds[next].append(Int(i))
                next = (next + 1) % k
            }
        }
        return folds.map { $0.sorted() }
    }
}
