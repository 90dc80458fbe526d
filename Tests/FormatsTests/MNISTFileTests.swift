// The real MNIST files, when Scripts/fetch-mnist.sh has put them in data/mnist/: all four parse and pair up.

import Formats
import Foundation
import TestSupport
import XCTest

final class MNISTFileTests: XCTestCase {
    private let dir = Package.path("data/mnist")

    func testRealFilesParse() throws {
        for (split, count) in [("train", 60000), ("t10k", 10000)] {
            let imagesPath = "\(dir)/\(split)-images-idx3-ubyte.gz"
            let labelsPath = "\(dir)/\(split)-labels-idx1-ubyte.gz"
            guard FileManager.default.fileExists(atPath: imagesPath) else {
                throw XCTSkip("run Scripts/fetch-mnist.sh to test the real MNIST files")
            }
            let images = try IDXReader.readImages(path: imagesPath)
            let labels = try IDXReader.readLabels(path: labelsPath)
            XCTAssertEqual([images.count, images.rows, images.cols], [count, 28, 28])
            XCTAssertEqual(images.pixels.count, count * 28 * 28)
            try IDXReader.checkPair(images: images, imagesPath: imagesPath, labels: labels, labelsPath: labelsPath)
            XCTAssertEqual(Set(labels), Set(0...9))
        }
    }
}
