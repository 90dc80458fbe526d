// Permutation importance: the column that decides the label ranks first and noise scores within noise
// of 0; one-hot groups move together; the figures do not depend on the lanes or the threads.
import Foundation
import XCTest

@testable import Model

/// Runs the chunks of a loop on Dispatch's threads, all at once.
final class ConcurrentLoopRunner: LoopRunner {
    func run(chunks: Int, context: UnsafeRawPointer, _ body: ChunkFunction) {
        let address = Int(bitPattern: context)
        DispatchQueue.concurrentPerform(iterations: chunks) { body(UnsafeRawPointer(bitPattern: address)!, $0) }
    }
}

final class PermutationImportanceTests: XCTestCase {
    /// A table: column 0 decides the label (y = x0 > 0), column 1 is noise, columns 2-4 a one-hot
    /// noise column. A logistic regression fitted on it in Double weights every feature, the noise
    /// ones a little.
    struct Table {
        let x: [Float], y: [Bool], rows: Int, width = 5
        let weights: [Double], bias: Double

        init(rows: Int, seed: UInt64) {
            var rng = RandomGenerator(seed: seed)
            var x = [Float]()
            var y = [Bool]()
            for _ in 0..<rows {
                let decisive = rng.normal()
                let noise = rng.normal()
                let category = rng.below(3)
                x += [decisive, noise] + (0..<3).map { $0 == category ? 1 : 0 }
                // a little label noise, so the fit is not perfect
                y.append(decisive + 0.3 * rng.normal() > 0)
            }
            self.x = x
            self.y = y
            self.rows = rows
            var w = [Double](repeating: 0, count: 5)
            var b = 0.0
            for _ in 0..<300 {
                var gw = [Double](repeating: 0, count: 5)
                var gb = 0.0
                for r in 0..<rows {
                    var z = b
                    for j in 0..<5 { z += w[j] * Double(x[r * 5 + j]) }
                    let d = 1 / (1 + exp(-z)) - (y[r] ? 1 : 0)
                    for j in 0..<5 { gw[j] += d * Double(x[r * 5 + j]) }
                    gb += d
                }
                for j in 0..<5 { w[j] -= 0.5 * gw[j] / Double(rows) }
                b -= 0.5 * gb / Double(rows)
            }
            weights = w
            bias = b
        }

        /// Accuracy of the fitted model on features at x.
        func accuracy(_ x: UnsafePointer<Float>) -> Double {
            var right = 0
            for r in 0..<rows {
                var z = bias
                for j in 0..<width { z += weights[j] * Double(x[r * width + j]) }
                if (z > 0) == y[r] { right += 1 }
            }
            return Double(right) / Double(rows)
        }
    }

    let groups = [[0], [1], [2, 3, 4]]

    func testTheDecisiveColumnRanksFirstAndNoiseIsNearZero() {
        let t = Table(rows: 2000, seed: 4)
        XCTAssertGreaterThan(abs(t.weights[1]) + abs(t.weights[2]), 0, "the fit gives the noise some weight")
        let r = PermutationImportance.compute(features: t.x, rows: t.rows, width: t.width, groups: groups, repeats: 8, seed: 1) { _, x in
            t.accuracy(x)
        }
        XCTAssertGreaterThan(r.baseline, 0.85)
        XCTAssertEqual(r.ranking.first, 0, "the column that decides the label ranks first: \(r.mean)")
        XCTAssertGreaterThan(r.mean[0], 0.3)
        for g in [1, 2] {
            XCTAssertLessThanOrEqual(
                abs(r.mean[g]), max(3 * r.standardDeviation[g], 0.005), "group \(g): \(r.mean[g]) ± \(r.standardDeviation[g])")
        }
        XCTAssertEqual(r.drops.map(\.count), [8, 8, 8])
        // mean and standard deviation (ddof 0) of each group's drops
        for g in 0..<3 {
            let m = r.drops[g].reduce(0, +) / 8
            XCTAssertEqual(r.mean[g], m, accuracy: 1e-15)
            XCTAssertEqual(r.standardDeviation[g], (r.drops[g].map { ($0 - m) * ($0 - m) }.reduce(0, +) / 8).squareRoot(), accuracy: 1e-15)
        }
        XCTAssertGreaterThan(r.standardDeviation[0], 0, "each repeat draws its own permutation")
    }

    /// A loss (lower is better) gives the same importances as the accuracy: positive when shuffling hurts.
    func testALossCountsItsRiseAsTheDrop() {
        let t = Table(rows: 500, seed: 6)
        let up = PermutationImportance.compute(features: t.x, rows: t.rows, width: t.width, groups: groups, repeats: 3, seed: 2) { _, x in
            t.accuracy(x)
        }
        let down = PermutationImportance.compute(
            features: t.x, rows: t.rows, width: t.width, groups: groups, repeats: 3, seed: 2,
            higherIsBetter: false
        ) { _, x in 1 - t.accuracy(x) }
        for g in 0..<3 { XCTAssertEqual(up.mean[g], down.mean[g], accuracy: 1e-12) }
    }

    /// The columns of a group move by one permutation of the rows (a one-hot row stays one-hot), the
    /// other columns stay put, and every score after the first sees the features put back.
    func testGroupsMoveTogetherAndTheFeaturesAreRestored() {
        let t = Table(rows: 300, seed: 7)
        final class Seen: @unchecked Sendable {
            var calls = 0
            var problems: [String] = []
        }
        let seen = Seen()
        _ = PermutationImportance.compute(features: t.x, rows: t.rows, width: t.width, groups: groups, repeats: 2, seed: 3) { _, x in
            seen.calls += 1
            var moved = Set<Int>()
            for r in 0..<t.rows {
                let oneHot = (2..<5).map { x[r * 5 + $0] }
                if oneHot.reduce(0, +) != 1 { seen.problems.append("row \(r) is not one-hot: \(oneHot)") }
                for j in 0..<5 where x[r * 5 + j] != t.x[r * 5 + j] { moved.insert(j) }
            }
            // the first call scores the features as they are; each later one moves one group only
            if seen.calls > 1 && !groups.contains(where: { Set($0).isSuperset(of: moved) }) { seen.problems.append("moved \(moved)") }
            return t.accuracy(x)
        }
        XCTAssertEqual(seen.calls, 1 + 3 * 2)
        XCTAssertEqual(seen.problems, [])
    }

    /// Each (group, repeat) draws from its own seeded generator: one lane, several lanes inline, or
    /// several lanes on threads give the same bytes; another seed gives other permutations.
    func testFiguresDoNotDependOnLanesOrThreads() {
        let t = Table(rows: 400, seed: 9)
        func run(lanes: Int, loops: Loops, seed: UInt64 = 5) -> PermutationImportance.Result {
            PermutationImportance.compute(
                features: t.x, rows: t.rows, width: t.width, groups: groups, repeats: 5, seed: seed,
                lanes: lanes, loops: loops
            ) { _, x in t.accuracy(x) }
        }
        let one = run(lanes: 1, loops: Loops())
        XCTAssertEqual(run(lanes: 4, loops: Loops()), one)
        XCTAssertEqual(run(lanes: 3, loops: Loops(ConcurrentLoopRunner())), one)
        XCTAssertEqual(run(lanes: 16, loops: Loops(ConcurrentLoopRunner())), one)
        XCTAssertNotEqual(run(lanes: 1, loops: Loops(), seed: 6).drops, one.drops)
    }

    /// The scorer learns which lane calls it, and no two calls on one lane overlap.
    func testEachLaneHasOneCallerAtATime() {
        let t = Table(rows: 200, seed: 10)
        final class Lanes: @unchecked Sendable {
            let lock = NSLock()
            var busy = Set<Int>()
            var overlaps = 0
            var used = Set<Int>()
        }
        let lanes = Lanes()
        _ = PermutationImportance.compute(
            features: t.x, rows: t.rows, width: t.width, groups: groups, repeats: 4, seed: 1,
            lanes: 3, loops: Loops(ConcurrentLoopRunner())
        ) { lane, x in
            lanes.lock.lock()
            if lanes.busy.contains(lane) { lanes.overlaps += 1 }
            lanes.busy.insert(lane)
            lanes.used.insert(lane)
            lanes.lock.unlock()
            let a = t.accuracy(x)
            lanes.lock.lock()
            lanes.busy.remove(lane)
            lanes.lock.unlock()
            return a
        }
        XCTAssertEqual(lanes.overlaps, 0)
        XCTAssertEqual(lanes.used, [0, 1, 2])
    }
}
