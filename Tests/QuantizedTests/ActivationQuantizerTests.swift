// Dynamic activation quantization: the grid chosen for a range, the rounding of each value, and the
// agreement of the vector loop with the scalar tail.
import Model
import Quantized
import XCTest

final class ActivationQuantizerTests: XCTestCase {
    func testNonNegativeRangeUsesZeroPointZero() {
        let q = ActivationQuantization(min: 0, max: 5.1)
        XCTAssertEqual(q.zeroPoint, 0)
        XCTAssertEqual(q.scale, 5.1 / 255)
        // A range that does not reach 0 is widened to hold it.
        XCTAssertEqual(ActivationQuantization(min: 2, max: 5.1), q)
    }

    func testNegativeRangeKeepsZeroExact() {
        for (lo, hi) in [(-1.0, 3.0), (-7.3, 0.2), (-2.0, 0.0), (-0.001, 1000.0)] as [(Float, Float)] {
            let q = ActivationQuantization(min: lo, max: hi)
            XCTAssert((0...255).contains(q.zeroPoint))
            XCTAssertEqual(q.dequantize(UInt8(q.zeroPoint)), 0, "0 is a grid point for [\(lo), \(hi)]")
            var x: Float = 0
            var out: UInt8 = 0
            ActivationQuantizer.quantize(&x, count: 1, with: q, into: &out)
            XCTAssertEqual(Int32(out), q.zeroPoint)
        }
    }

    func testReducedGridUsesLevelsUpTo127() {
        let q = ActivationQuantization(min: -1, max: 3, maximum: 127)
        XCTAssertEqual(q.scale, 4 / 127)
        XCTAssertEqual(q.zeroPoint, 32)  // 1/(4/127) = 31.75
        var x: [Float] = [3, 100, -5, 0]
        var out = [UInt8](repeating: 0, count: 4)
        ActivationQuantizer.quantize(&x, count: 4, with: q, into: &out)
        XCTAssertEqual(out, [127, 127, 0, 32])
    }

    func testConstantZeroRangeGetsScaleOne() {
        XCTAssertEqual(ActivationQuantization(min: 0, max: 0), ActivationQuantization(scale: 1, zeroPoint: 0))
    }

    func testQuantizedValuesAreWithinHalfAStepAndSaturateOutside() {
        var rng = RandomGenerator(seed: 3)
        let count = 16 * 9 + 7  // the vector loop and the scalar tail
        var x = (0..<count).map { _ in rng.uniform(-3, 5) }
        let r = x.withUnsafeBufferPointer { ActivationQuantizer.range($0.baseAddress!, count: count) }
        XCTAssertEqual(r.min, x.min())
        XCTAssertEqual(r.max, x.max())
        let grid = ActivationQuantization(min: r.min, max: r.max)
        // Two values beyond the range, one in the vector part and one in the tail.
        x[20] = 9
        x[count - 1] = -9
        var q = [UInt8](repeating: 0, count: count)
        x.withUnsafeBufferPointer { xs in
            q.withUnsafeMutableBufferPointer {
                ActivationQuantizer.quantize(xs.baseAddress!, count: count, with: grid, into: $0.baseAddress!)
            }
        }
        for i in 0..<count {
            // The documented formula, computed the plain way.
            let t = (x[i] * (1 / grid.scale) + Float(grid.zeroPoint)).rounded(.toNearestOrEven)
            XCTAssertEqual(q[i], UInt8(max(0, min(255, t))), "element \(i)")
            if x[i] >= r.min && x[i] <= r.max {
                XCTAssertLessThanOrEqual(abs(grid.dequantize(q[i]) - x[i]), grid.scale / 2 * 1.0001, "element \(i)")
            }
        }
        XCTAssertEqual(q[20], 255)
        XCTAssertEqual(q[count - 1], 0)
    }

    func testRangeSkipsNaN() {
        var x: [Float] = Array(repeating: 1, count: 40)
        x[3] = .nan
        x[35] = .nan
        x[10] = -2
        x[38] = 4
        let r = x.withUnsafeBufferPointer { ActivationQuantizer.range($0.baseAddress!, count: $0.count) }
        XCTAssertEqual(r.min, -2)
        XCTAssertEqual(r.max, 4)
    }
}

final class ActivationPassThreadTests: XCTestCase {
    func testPassesSplitBetweenThreadsGiveTheSameResult() throws {
        // Large enough to be split (activation_kernels.h: 65,536 elements and up), with a tail and NaNs.
        let dnnl = try loadOneDNN()
        var rng = RandomGenerator(seed: 17)
        let count = 300_001
        var x = (0..<count).map { _ in rng.normal() * 3 }
        x[1234] = .nan
        x[count - 2] = .nan
        x[200_000] = 40  // the largest value, in the second thread's share
        x[7] = -25  // the smallest, in the first's
        dnnl.setThreads(2)
        defer { dnnl.setThreads(1) }
        x.withUnsafeBufferPointer { xs in
            let one = ActivationQuantizer.range(xs.baseAddress!, count: count)
            let team = ActivationQuantizer.range(xs.baseAddress!, count: count, team: dnnl)
            XCTAssertEqual(one.min, -25)
            XCTAssertEqual(one.max, 40)
            XCTAssertEqual(team.min, one.min)
            XCTAssertEqual(team.max, one.max)
            let grid = ActivationQuantization(min: one.min, max: one.max, maximum: dnnl.activationMaximum)
            var a = [UInt8](repeating: 1, count: count)
            var b = a
            a.withUnsafeMutableBufferPointer {
                ActivationQuantizer.quantize(xs.baseAddress!, count: count, with: grid, into: $0.baseAddress!)
            }
            b.withUnsafeMutableBufferPointer {
                ActivationQuantizer.quantize(xs.baseAddress!, count: count, with: grid, into: $0.baseAddress!, team: dnnl)
            }
            XCTAssertEqual(a, b)
            XCTAssertEqual(a[1234], 0, "NaN goes to 0")
            XCTAssertEqual(Int32(a[200_000]), grid.maximum)
            for i in stride(from: 0, to: count, by: 997) where !x[i].isNaN {
                let t = (x[i] * (1 / grid.scale) + Float(grid.zeroPoint)).rounded(.toNearestOrEven)
                XCTAssertEqual(a[i], UInt8(max(0, min(Float(grid.maximum), t))), "element \(i)")
            }
        }
        XCTAssertNotNil(dnnl.threads)
    }
}
