// The stratified split of a classification's examples: over many random label vectors and fractions,
// every class of two or more examples is on both sides, a class of one is kept for training, the
// total held out is SeededSplit's whenever the rules allow it, each class's share is within one
// example of exact when nothing forces it, and the split is a partition that the seed decides.
// The plain seeded split (images) is the shuffle it always was.
import XCTest

@testable import Model

final class StratifiedSplitTests: XCTestCase {
    /// A small seeded generator (Knuth's MMIX constants; the high bits are drawn).
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
    }

    /// Random labels: `classes` classes of very unequal sizes (some of one or two examples).
    func labels(count: Int, classes: Int, _ rng: inout Generator) -> [Int32] {
        // Class c is drawn with weight proportional to a random power, so that sizes differ widely.
        let weights = (0..<classes).map { _ in pow(Double.random(in: 0.01...1, using: &rng), 3) }
        let total = weights.reduce(0, +)
        return (0..<count).map { _ in
            var u = Double.random(in: 0..<total, using: &rng)
            for (c, w) in weights.enumerated() {
                u -= w
                if u < 0 { return Int32(c) }
            }
            return Int32(classes - 1)
        }
    }

    func testEveryClassOnBothSidesAndTheSharesKept() throws {
        var rng = Generator(state: 2024)
        var checked = 0
        var unforced = 0
        for trial in 0..<600 {
            let count = Int.random(in: 2...400, using: &rng)
            let classes = Int.random(in: 1...min(12, count), using: &rng)
            let y = labels(count: count, classes: classes, &rng)
            let fraction = Float.random(in: 0.02...0.9, using: &rng)
            let seed = UInt64.random(in: 0...1000, using: &rng)
            let context = "trial \(trial): \(count) examples, \(classes) classes, fraction \(fraction), seed \(seed)"
            let total = SeededSplit.heldCount(count: count, fraction: fraction)
            guard let (kept, held) = StratifiedSplit.split(labels: y, fraction: fraction, seed: seed, purpose: .validation) else {
                XCTAssertTrue(total < 1 || total >= count, context)
                continue
            }
            checked += 1
            // A partition of the examples.
            XCTAssertEqual(Set(kept).count, kept.count, context)
            XCTAssertEqual(Set(held).count, held.count, context)
            XCTAssertEqual(Set(kept).union(held), Set((0..<Int32(count)).map { $0 }), context)
            XCTAssertTrue(Set(kept).isDisjoint(with: held), context)

            var sizes = [Int](repeating: 0, count: classes)
            var out = [Int](repeating: 0, count: classes)
            for l in y { sizes[Int(l)] += 1 }
            for i in held { out[Int(y[Int(i)])] += 1 }
            let multi = sizes.filter { $0 >= 2 }
            if multi.isEmpty {
                // Every class a single example: the plain seeded split.
                let plain = try XCTUnwrap(SeededSplit.split(count: count, fraction: fraction, seed: seed, purpose: .validation))
                XCTAssertEqual(Array(held), Array(plain.held), context)
                continue
            }
            for c in 0..<classes {
                if sizes[c] >= 2 {
                    XCTAssertGreaterThanOrEqual(out[c], 1, "class \(c) of \(sizes[c]) has none held out; \(context)")
                    XCTAssertLessThanOrEqual(out[c], sizes[c] - 1, "class \(c) of \(sizes[c]) has none kept; \(context)")
                } else if sizes[c] == 1 {
                    XCTAssertEqual(out[c], 0, "a class of one example stays for training; \(context)")
                }
            }
            // The total is SeededSplit's whenever the rules allow it.
            let least = multi.count
            let most = multi.reduce(0) { $0 + $1 - 1 }
            if total >= least && total <= most { XCTAssertEqual(held.count, total, context) }
            // Each class within one example of its exact share when no class is pushed by the rules.
            let quota = sizes.map { Double($0) * Double(total) / Double(count) }
            let free = (0..<classes).allSatisfy { sizes[$0] == 0 || (quota[$0] >= 1 && quota[$0] <= Double(sizes[$0] - 1)) }
            if free {
                unforced += 1
                for c in 0..<classes {
                    XCTAssertLessThan(abs(Double(out[c]) - quota[c]), 1, "class \(c): \(out[c]) held out, exact \(quota[c]); \(context)")
                }
            }
            // The seed decides it.
            let again = try XCTUnwrap(StratifiedSplit.split(labels: y, fraction: fraction, seed: seed, purpose: .validation))
            XCTAssertEqual(Array(again.held), Array(held), context)
        }
        XCTAssertGreaterThan(checked, 500)
        XCTAssertGreaterThan(unforced, 100, "the shares are checked on many splits")
    }

    func testARareClassIsHeldOutThoughThePlainSplitMissesIt() throws {
        // 196 examples of class 0 and 4 of class 1; a 10% split holds out 20.
        let y = [Int32](repeating: 0, count: 196) + [1, 1, 1, 1]
        var missed = 0
        for seed in UInt64(0)..<50 {
            let (_, held) = try XCTUnwrap(StratifiedSplit.split(labels: y, fraction: 0.1, seed: seed, purpose: .test))
            XCTAssertEqual(held.count, 20)
            XCTAssertEqual(held.filter { y[Int($0)] == 1 }.count, 1, "seed \(seed): the rare class's share, 0.4, rounds up to its one")
            let plain = try XCTUnwrap(SeededSplit.split(count: 200, fraction: 0.1, seed: seed, purpose: .test))
            if !plain.held.contains(where: { y[Int($0)] == 1 }) { missed += 1 }
        }
        XCTAssertGreaterThan(missed, 10, "the plain shuffle leaves the rare class out of the held-out rows often")
    }

    func testHeldPerClassExactShares() {
        // 60/30/10 examples, 20% held out: exactly 12/6/2.
        let y = [Int32](repeating: 0, count: 60) + [Int32](repeating: 1, count: 30) + [Int32](repeating: 2, count: 10)
        XCTAssertEqual(StratifiedSplit.heldPerClass(labels: y, total: 20), [12, 6, 2])
        // A class of one stays for training; a class of two gives one.
        let z = [Int32](repeating: 0, count: 20) + [1] + [2, 2]
        XCTAssertEqual(StratifiedSplit.heldPerClass(labels: z, total: 5), [4, 0, 1])
    }

    func testThePlainSeededSplitIsTheSeededShuffle() throws {
        // Images split by a plain seeded shuffle: the last round(count × fraction) of the indices
        // shuffled by the generator of the seed XOR the purpose's tag.
        for (count, fraction, seed) in [(60_000, Float(0.1), UInt64(1)), (256, 0.25, 7), (10, 0.5, 0)] {
            var order = (0..<Int32(count)).map { $0 }
            var rng = RandomGenerator(seed: seed ^ SeededSplit.Purpose.validation.rawValue)
            order.withUnsafeMutableBufferPointer { rng.shuffle($0) }
            let heldCount = Int((Float(count) * fraction).rounded())
            let (kept, held) = try XCTUnwrap(SeededSplit.split(count: count, fraction: fraction, seed: seed, purpose: .validation))
            XCTAssertEqual(Array(held), Array(order[(count - heldCount)...]))
            XCTAssertEqual(Array(kept), Array(order[..<(count - heldCount)]))
        }
    }
}
