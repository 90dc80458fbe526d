import TestSupport
import XCTest

@testable import Formats

/// A quick stand-in for the libFuzzer runs: random corruptions of valid inputs must be rejected or
/// accepted, never trap. Deterministic, so a failure reproduces.
final class FuzzSmokeTests: XCTestCase {
    private func mutate(_ bytes: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var out = bytes
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0 where !out.isEmpty: out[Int.random(in: 0..<out.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 1 where !out.isEmpty: out.remove(at: Int.random(in: 0..<out.count, using: &rng))
            case 2:
                out.insert(
                    Array("{}[]\",:0-e.\\u".utf8).randomElement(using: &rng) ?? 0,
                    at: Int.random(in: 0...out.count, using: &rng))
            default: out = Array(out.prefix(Int.random(in: 0...out.count, using: &rng)))
            }
        }
        return out
    }

    func testCorruptedSafetensorsFilesNeverTrap() {
        let valid = Safetensors.encode(
            tensors: [
                SafetensorsTensor(name: "w", shape: [2, 2], values: [1, 2, 3, 4]),
                SafetensorsTensor(name: "b", shape: [2], values: [5, 6]),
            ],
            metadata: [("k", "v\u{1F600}")])
        var rng = SeededGenerator(seed: 1)
        var rejected = 0
        for _ in 0..<20_000 {
            if (try? Safetensors.decode(mutate(valid, &rng), path: "f")) == nil { rejected += 1 }
        }
        XCTAssertGreaterThan(rejected, 0)
    }

    func testCorruptedJSONNeverTraps() {
        let valid = Array(#"{"a":[1,-2.5e3,true,null,{"b":"\u00e9\ud83d\ude00\n"}],"c":{}}"#.utf8)
        var rng = SeededGenerator(seed: 2)
        for i in 0..<20_000 {
            let bytes = mutate(valid, &rng)
            if let value = try? JSONValue.parse(bytes) {
                XCTAssertEqual(try? JSONValue.parse(Array(value.serialized().utf8)), value, "input \(i) from seed \(rng.seed)")
            }
        }
    }
}
