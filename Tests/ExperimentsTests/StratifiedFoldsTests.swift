// The folds of cross-validation: every row in exactly one test fold, each class's share kept in
// every fold to within a row, the same folds for the same seed and others for another.
import Tables
import XCTest

final class StratifiedFoldsTests: XCTestCase {
    func testEveryRowIsInExactlyOneTestFoldAndEachClassKeepsItsShare() {
        // 103 rows of three unbalanced classes (60, 30, 13).
        let labels: [Int32] = (0..<103).map { $0 < 60 ? 0 : $0 < 90 ? 1 : 2 }.shuffled(using: &StableShuffle.generator)
        for k in [2, 5, 7] {
            let folds = StratifiedFolds.folds(count: labels.count, labels: labels, k: k, seed: 42)
            XCTAssertEqual(folds.count, k)
            XCTAssertEqual(folds.flatMap { $0 }.sorted(), Array(0..<labels.count), "k \(k): each row in one test fold")
            let sizes = folds.map(\.count)
            XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "k \(k): fold sizes \(sizes)")
            for c in Int32(0)...2 {
                let perFold = folds.map { f in f.filter { labels[$0] == c }.count }
                XCTAssertLessThanOrEqual(perFold.max()! - perFold.min()!, 1, "k \(k), class \(c): \(perFold)")
            }
        }
    }

    func testTheSameSeedGivesTheSameFoldsAndAnotherSeedOthers() {
        let labels: [Int32] = (0..<50).map { Int32($0 % 2) }
        XCTAssertEqual(
            StratifiedFolds.folds(count: 50, labels: labels, k: 5, seed: 7), StratifiedFolds.folds(count: 50, labels: labels, k: 5, seed: 7)
        )
        XCTAssertNotEqual(
            StratifiedFolds.folds(count: 50, labels: labels, k: 5, seed: 7), StratifiedFolds.folds(count: 50, labels: labels, k: 5, seed: 8)
        )
        // A regression (no labels): shuffled rows dealt in turn.
        let folds = StratifiedFolds.folds(count: 11, labels: nil, k: 3, seed: 1)
        XCTAssertEqual(folds.flatMap { $0 }.sorted(), Array(0..<11))
        XCTAssertEqual(folds.map(\.count).sorted(), [3, 4, 4])
    }
}

/// A fixed permutation for the test's labels (SplitMix64).
enum StableShuffle {
    struct Generator: RandomNumberGenerator {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
    nonisolated(unsafe) static var generator = Generator()
}
