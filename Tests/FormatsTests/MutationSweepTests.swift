// A cheap stand-in for fuzzing: every prefix and many random mutations of valid files must
// either parse or throw a FormatError; none may trap.

import TestSupport
import XCTest

@testable import Formats

final class MutationSweepTests: XCTestCase {
    private func exercise(_ bytes: [UInt8]) {
        do {
            let array = try IDXReader.parse(bytes, path: "f", maxDecompressed: 1 << 20)
            _ = try? IDXReader.images(array, path: "f")
            _ = try? IDXReader.labels(array, path: "f")
        } catch is FormatError {
        } catch {
            XCTFail("not a FormatError: \(error) (bytes \(bytes))")
        }
    }

    func testEveryPrefix() {
        let raw = IDXWriter.encode(dims: [3, 4, 4], data: (0..<48).map { UInt8($0) })
        let gz = Gzip.compress(raw)
        for file in [raw, gz] {
            for end in 0...file.count { exercise(Array(file[..<end])) }
        }
    }

    func testRandomMutations() {
        var random = SeededGenerator(seed: 0x9E37_79B9_7F4A_7C15)
        let raw = IDXWriter.encode(dims: [2, 3, 3], data: (0..<18).map { UInt8($0 * 13) })
        let seeds = [raw, Gzip.compress(raw), IDXWriter.encode(dims: [5], data: [1, 2, 3, 4, 5])]
        for _ in 0..<20000 {
            var bytes = seeds[random.next(seeds.count)]
            for _ in 0...random.next(4) {
                switch random.next(4) {
                case 0: bytes[random.next(bytes.count)] = UInt8(random.next(256))
                case 1: bytes[random.next(bytes.count)] = [0x00, 0xFF, 0x7F, 0x80][random.next(4)]
                case 2: bytes.insert(UInt8(random.next(256)), at: random.next(bytes.count + 1))
                default: if bytes.count > 1 { bytes.remove(at: random.next(bytes.count)) }
                }
            }
            exercise(bytes)
        }
    }
}
