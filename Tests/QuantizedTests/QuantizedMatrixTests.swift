// Per-channel symmetric weight quantization: the scale rule, the round-trip bound, zero rows.
import Model
import Quantized
import XCTest

final class QuantizedMatrixTests: XCTestCase {
    func testRoundTripIsWithinHalfAScalePerRow() {
        var rng = RandomGenerator(seed: 7)
        let rows = 33
        let cols = 70
        // Rows of very different magnitudes, so one shared scale would fail the bound for small rows.
        let w = (0..<rows * cols).map { i in rng.normal() * Float(1 + i / cols) * 0.01 }
        let q = QuantizedMatrix(quantizing: w, rows: rows, cols: cols)
        let back = q.dequantized()
        for r in 0..<rows {
            let row = w[(r * cols)..<(r * cols + cols)]
            let largest = row.map(abs).max()!
            XCTAssertEqual(q.scales[r], largest / 127, "row \(r): scale is max|w|/127")
            for c in 0..<cols {
                let i = r * cols + c
                XCTAssert(q.values[i] >= -127, "−128 is never produced")
                // s/2 from rounding, plus the float error of s·q (a few ulps of the value).
                XCTAssertLessThanOrEqual(abs(back[i] - w[i]), q.scales[r] / 2 + 4 * largest.ulp, "[\(r), \(c)]")
            }
            // The largest entry of the row maps to ±127.
            let top = row.indices.max { abs(w[$0]) < abs(w[$1]) }!
            XCTAssertEqual(abs(Int(q.values[top])), 127)
        }
    }

    func testZeroRowGetsScaleZeroAndExactZeros() {
        let w: [Float] = [0, 0, 0, 1, -2, 0.5]
        let q = QuantizedMatrix(quantizing: w, rows: 2, cols: 3)
        XCTAssertEqual(q.scales[0], 0)
        XCTAssertEqual(Array(q.values[0..<3]), [0, 0, 0])
        XCTAssertEqual(q.values[3...], [64, -127, 32])  // 1/(2/127) = 63.5 → 64 (ties to even)
        let back = q.dequantized()
        XCTAssert(back.allSatisfy { $0.isFinite })
        XCTAssertEqual(Array(back[0..<3]), [0, 0, 0])
    }

    func testStoredValuesKeepTheirShape() {
        let q = QuantizedMatrix(rows: 2, cols: 2, values: [1, -1, 127, 0], scales: [0.5, 0.25])
        XCTAssertEqual(q.dequantized(), [0.5, -0.5, 31.75, 0])
    }
}
