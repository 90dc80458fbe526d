// "Did you mean": a name differing only in case, the start of a name, or a typo of one.
import Formats
import XCTest

final class NearestNameTests: XCTestCase {
    let flags = ["min-accuracy", "min-r2", "max-rmse", "model", "data", "images", "input", "epochs"]

    func testCaseComesFirst() {
        XCTAssertEqual(NearestName.candidates(for: "Species", in: ["sepal", "species", "SPECIES"]), ["species", "SPECIES"])
        XCTAssertEqual(NearestName.candidates(for: "EPOCHS", in: flags), ["epochs"])
    }

    func testAPrefixOfAFewNames() {
        XCTAssertEqual(NearestName.candidates(for: "min-acc", in: flags), ["min-accuracy"])
        XCTAssertEqual(NearestName.candidates(for: "min", in: flags), ["min-accuracy", "min-r2"])
        XCTAssertEqual(NearestName.candidates(for: "M", in: flags), [], "more than three: no guess")
        XCTAssertEqual(
            NearestName.candidates(for: "sepal", in: ["sepal_length_cm", "sepal_width_cm", "species"]),
            ["sepal_length_cm", "sepal_width_cm"])
    }

    func testTypos() {
        XCTAssertEqual(NearestName.candidates(for: "image", in: flags), ["images"])
        XCTAssertEqual(NearestName.candidates(for: "epocsh", in: flags), ["epochs"])
        XCTAssertEqual(NearestName.candidates(for: "ab", in: ["cd"]), [], "two edits of a two-letter name is anything")
        XCTAssertEqual(NearestName.candidates(for: "imags", in: flags, typos: false), [])
        XCTAssertEqual(NearestName.candidates(for: "imags", in: flags), ["images"])
        XCTAssertEqual(NearestName.candidates(for: "zzzzzz", in: flags), [])
        XCTAssertEqual(NearestName.candidates(for: "model", in: flags), [], "the name itself is not a suggestion")
    }

    func testHint() {
        XCTAssertEqual(NearestName.hint(for: "min", in: flags) { "--\($0)" }, "; did you mean --min-accuracy or --min-r2?")
        XCTAssertEqual(NearestName.hint(for: "Species", in: ["species"]) { "'\($0)'" }, "; did you mean 'species'?")
        XCTAssertEqual(NearestName.hint(for: "nothing-like-it", in: flags) { $0 }, "")
        XCTAssertEqual(NearestName.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(NearestName.editDistance("", "abc"), 3)
    }
}
