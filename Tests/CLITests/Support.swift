import Formats
// Running the built `mlp` binary the way a user does, and making small IDX datasets for it.
import Foundation
// The shared helpers (Run, TempDir, Package, SeededGenerator, ProcessRunner), seen by every file here.
@_exported import TestSupport
import XCTest

enum MLP {
    /// The binary under test: $MLP_BIN, else the debug build next to this package.
    static var binary: String {
        ProcessInfo.processInfo.environment["MLP_BIN"] ?? Package.path(".build/debug/mlp")
    }

    /// The test driver (Sources/MLPTestDriver): mlp with a hook that signals itself at chosen steps.
    static var driver: String {
        URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent("MLPTestDriver").path
    }

    static func run(_ args: [String], cwd: String? = nil, executable: String? = nil) throws -> Run {
        try ProcessRunner.run(executable ?? binary, args, cwd: cwd)
    }
}

enum Synthetic {
    /// XOR-like clusters as 1×2 "images": class = (x high) XOR (y high). Linearly inseparable,
    /// so only a network with a hidden layer fits it.
    static func xor(count: Int, seed: UInt64) -> (images: [UInt8], labels: [UInt8]) {
        var rng = SeededGenerator(seed: seed)
        var images: [UInt8] = []
        var labels: [UInt8] = []
        for i in 0..<count {
            let a = i & 1
            let b = (i >> 1) & 1
            images.append(UInt8((a == 1 ? 200 : 40) + Int(rng.next() >> 33) % 30))
            images.append(UInt8((b == 1 ? 200 : 40) + Int(rng.next() >> 33) % 30))
            labels.append(UInt8(a ^ b))
        }
        return (images, labels)
    }

    /// A dataset of 4×4 images whose class (0 to 3) is set by which quadrant is bright, as the four
    /// MNIST-named files in `dir`.
    static func quadrants(_ dir: TempDir, count: Int = 256) throws {
        var rng = SeededGenerator(seed: 17)
        func noise() -> Int { Int(rng.next() >> 59) }
        var images: [UInt8] = []
        var labels: [UInt8] = []
        for i in 0..<count {
            let c = i % 4
            for r in 0..<4 {
                for col in 0..<4 {
                    let q = (r / 2) * 2 + col / 2
                    images.append(UInt8(q == c ? 180 + noise() : 20 + noise()))
                }
            }
            labels.append(UInt8(c))
        }
        try writeMNISTLike(dir: dir, images: images, labels: labels, rows: 4, cols: 4)
    }

    /// Writes a dataset as the four MNIST-named files (gzip for the training images) into dir.
    static func writeMNISTLike(dir: TempDir, images: [UInt8], labels: [UInt8], rows: Int, cols: Int) throws {
        let n = labels.count
        let img = IDXWriter.encode(dims: [n, rows, cols], data: images)
        let lab = IDXWriter.encode(dims: [n], data: labels)
        try dir.write("train-images-idx3-ubyte.gz", Gzip.compress(img))
        try dir.write("train-labels-idx1-ubyte", lab)
        try dir.write("t10k-images-idx3-ubyte", img)
        try dir.write("t10k-labels-idx1-ubyte", lab)
    }
}
