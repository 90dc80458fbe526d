// Search spaces as flags and files give them, and the trials drawn from them.
import Experiments
import Formats
import XCTest

final class SearchSpaceTests: XCTestCase {
    func testRangesAndChoicesParse() throws {
        XCTAssertEqual(
            try SearchDimension.parse(name: "lr", "1e-4..1e-2:log", integer: false).domain,
            .range(lo: 1e-4, hi: 1e-2, log: true, integer: false))
        XCTAssertEqual(
            try SearchDimension.parse(name: "batch-size", "16..256:log", integer: true).domain,
            .range(lo: 16, hi: 256, log: true, integer: true))
        XCTAssertEqual(
            try SearchDimension.parse(name: "hidden", "64|128|256,128", integer: false).domain, .choices(["64", "128", "256,128"]))
        XCTAssertEqual(
            try SearchDimension.parse(name: "dropout", json: .object([("min", 0), ("max", 0.5)]), integer: false).domain,
            .range(lo: 0, hi: 0.5, log: false, integer: false))
        for bad in ["0..1e-3:log", "1..0", "a..b", "1..2:cubic", "adam|"] {
            XCTAssertThrowsError(try SearchDimension.parse(name: "x", bad, integer: false), bad)
        }
    }

    func testRandomTrialsStayInTheSpaceAndRepeatForASeed() throws {
        let space = [
            try SearchDimension.parse(name: "lr", "1e-4..1e-2:log", integer: false),
            try SearchDimension.parse(name: "batch-size", "16..256:log", integer: true),
            try SearchDimension.parse(name: "optimizer", "adam|sgd", integer: false),
        ]
        let trials = SearchSampler.random(space, count: 200, seed: 5)
        XCTAssertEqual(trials.map { $0.map(\.value) }, SearchSampler.random(space, count: 200, seed: 5).map { $0.map(\.value) })
        XCTAssertEqual(
            SearchSampler.random(space, count: 3, seed: 5).map { $0.map(\.value) }, trials.prefix(3).map { $0.map(\.value) },
            "trial i does not depend on the count")
        let lrs = trials.map { Double($0[0].value)! }
        let batches = trials.map { Int($0[1].value)! }
        XCTAssertTrue(lrs.allSatisfy { $0 >= 1e-4 && $0 <= 1e-2 })
        XCTAssertTrue(batches.allSatisfy { $0 >= 16 && $0 <= 256 })
        // Log-uniform: about half below the geometric middle (1e-3).
        XCTAssertEqual(Double(lrs.filter { $0 < 1e-3 }.count) / 200, 0.5, accuracy: 0.12)
        XCTAssertEqual(Set(trials.map { $0[2].value }), ["adam", "sgd"])
    }

    func testTheGridTakesEveryCombination() throws {
        let space = [
            try SearchDimension.parse(name: "lr", "1e-3..1e-1:log", integer: false),
            try SearchDimension.parse(name: "hidden", "32|64", integer: false),
        ]
        let grid = SearchSampler.grid(space, points: 3)
        XCTAssertEqual(
            grid.map { $0.map(\.value) },
            [["0.001", "32"], ["0.001", "64"], ["0.01", "32"], ["0.01", "64"], ["0.1", "32"], ["0.1", "64"]])
    }
}
