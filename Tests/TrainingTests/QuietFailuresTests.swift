// The rules of QuietFailures on their own: when a loss has run away, when accuracy stayed at chance,
// when labels leave most classes empty; and what is not.
import XCTest

@testable import Training

final class QuietFailuresTests: XCTestCase {
    func testRunawayLoss() {
        XCTAssertNotNil(QuietFailures.runawayLoss(first: 2.3, last: 1.8e6, learningRate: 1e6))
        XCTAssertNotNil(QuietFailures.runawayLoss(first: 0.7, last: 3.2, learningRate: 1))
        XCTAssertNil(QuietFailures.runawayLoss(first: 2.3, last: 0.1, learningRate: 0.05), "it learnt")
        XCTAssertNil(QuietFailures.runawayLoss(first: 2.3, last: 3.0, learningRate: 0.05), "a little above: noise")
        XCTAssertNil(QuietFailures.runawayLoss(first: 0.01, last: 0.05, learningRate: 0.05), "five times a tiny loss is still tiny")
        XCTAssertNil(QuietFailures.runawayLoss(first: 2.3, last: .nan, learningRate: 1), "NaN is a divergence, an error")
    }

    func testAtChance() {
        let counts = [700, 200, 100]
        XCTAssertNotNil(
            QuietFailures.atChance(trainAccuracies: [0.69, 0.7, 0.7], heldOut: (0.705, "test"), classCounts: counts, learningRate: 1))
        XCTAssertNotNil(QuietFailures.atChance(trainAccuracies: [0.69, 0.7, 0.7], heldOut: nil, classCounts: counts, learningRate: 1))
        XCTAssertNil(
            QuietFailures.atChance(trainAccuracies: [0.69, 0.75, 0.8], heldOut: nil, classCounts: counts, learningRate: 1),
            "the training accuracy rose above chance")
        XCTAssertNil(
            QuietFailures.atChance(trainAccuracies: [0.69, 0.7, 0.7], heldOut: (0.8, "test"), classCounts: counts, learningRate: 1),
            "the held-out accuracy is above chance")
        XCTAssertNil(
            QuietFailures.atChance(trainAccuracies: [0.7, 0.7], heldOut: nil, classCounts: counts, learningRate: 1),
            "two epochs are too few to say it stayed")
        XCTAssertNil(QuietFailures.atChance(trainAccuracies: [1, 1, 1], heldOut: nil, classCounts: [10, 0], learningRate: 1), "one class")
    }

    func testEmptyClasses() {
        var counts = [Int](repeating: 0, count: 201)
        for c in 0..<10 { counts[c] = 100 }
        counts[200] = 1
        XCTAssertNotNil(QuietFailures.emptyClasses(path: "l", classCounts: counts))
        XCTAssertNil(QuietFailures.emptyClasses(path: "l", classCounts: [5, 0, 5, 5, 5, 5, 5, 5, 5, 5]), "one empty class of ten")
        XCTAssertNil(QuietFailures.emptyClasses(path: "l", classCounts: [5, 5]))
        XCTAssertNotNil(QuietFailures.emptyClasses(path: "l", classCounts: [5, 0, 0, 0, 1]))
    }
}
