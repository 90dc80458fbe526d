// A network whose last layer has the wrong width is told what it needs, in the words of its task:
// one unit per class, or per target of a regression, singular or plural.
import Foundation
import XCTest

final class OutputLayerTests: XCTestCase {
    static let data = Package.path("data/tabular")

    func testTheOutputLayersWidthIsWordedForTheTask() throws {
        let dir = try TempDir()
        let out = ["--epochs", "1", "--out", dir.file("m.safetensors")]
        let diabetes = Self.data + "/diabetes.csv.gz"
        let r = try MLP.run(["train", "--data", diabetes, "--layers", "8:relu,3"] + out)
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(
            r.stderr.hasPrefix(
                "error: --layers: the architecture must end with a dense layer of 1 unit, one per regression target (e.g. '...,1'), got '3'\n"
            ), r.stderr)
        try dir.write("two.csv", Array("x,y,z\n1,2,3\n2,3.5,4.5\n3,1.25,0.5\n4,8.5,2\n".utf8))
        let two = try MLP.run(["train", "--data", dir.file("two.csv"), "--target", "y,z", "--layers", "8:relu,1"] + out)
        XCTAssertTrue(
            two.stderr.hasPrefix(
                "error: --layers: the architecture must end with a dense layer of 2 units, one per regression target (e.g. '...,2'), got '1'\n"
            ), two.stderr)
        let iris = try MLP.run(["train", "--data", Self.data + "/iris.csv.gz", "--layers", "8:relu,1"] + out)
        XCTAssertTrue(
            iris.stderr.hasPrefix(
                "error: --layers: the architecture must end with a dense layer of 3 units, one per class (e.g. '...,3'), got '1'\n"),
            iris.stderr)
    }
}
