// A dense layer's weight matrix [out, in] as signed 8-bit integers with one scale per output unit
// (symmetric, per channel), as PyTorch's per-channel qint8 weights.
//
//   s_r = max_c |w[r,c]| / 127,   q[r,c] = round(w[r,c] / s_r) ∈ [−127, 127],   w[r,c] ≈ s_r · q[r,c]
//
// so |w − s·q| ≤ s/2 for every entry, and the largest entry of each row is exact up to rounding of s.
// −128 is never produced: the range stays symmetric, which keeps s8 × u8 products within what VNNI's
// u8·s8 pairs can sum without saturating. A row of zeros gets scale 0 and all-zero values: the unit
// then outputs its bias alone, exactly as in float, and no division by the scale ever happens.

public struct QuantizedMatrix: Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    /// Row-major [rows, cols].
    public let values: [Int8]
    /// One per row, finite and ≥ 0.
    public let scales: [Float]

    /// Stored values (e.g. read from a file); the counts must match the shape.
    public init(rows: Int, cols: Int, values: [Int8], scales: [Float]) {
        precondition(
            rows >= 0 && cols >= 0 && values.count == rows * cols && scales.count == rows,
            "QuantizedMatrix: \(values.count) values and \(scales.count) scales for [\(rows), \(cols)]")
        self.rows = rows
        self.cols = cols
        self.values = values
        self.scales = scales
    }

    /// Quantizes a row-major float matrix [rows, cols]; every weight must be finite (the model loader
    /// refuses files with NaN or infinite tensors).
    public init(quantizing w: UnsafeBufferPointer<Float>, rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0 && w.count == rows * cols, "QuantizedMatrix: \(w.count) weights for [\(rows), \(cols)]")
        var values = [Int8](repeating: 0, count: rows * cols)
        var scales = [Float](repeating: 0, count: rows)
        values.withUnsafeMutableBufferPointer { q in
            for r in 0..<rows {
                let row = UnsafeBufferPointer(rebasing: w[(r * cols)..<(r * cols + cols)])
                var largest: Float = 0
                for v in row {
                    precondition(v.isFinite, "QuantizedMatrix: weight [\(r), \(row.firstIndex(of: v)!)] is not finite")
                    largest = max(largest, abs(v))
                }
                guard largest > 0 else { continue }
                let s = largest / 127
                scales[r] = s
                for c in 0..<cols {
                    let v = (row[c] / s).rounded(.toNearestOrEven)
                    q[r * cols + c] = Int8(max(-127, min(127, v)))
                }
            }
        }
        self.init(rows: rows, cols: cols, values: values, scales: scales)
    }

    public init(quantizing w: [Float], rows: Int, cols: Int) {
        self = w.withUnsafeBufferPointer { QuantizedMatrix(quantizing: $0, rows: rows, cols: cols) }
    }

    /// s_r · q[r, c], row-major.
    public func dequantized() -> [Float] {
        var out = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols { out[r * cols + c] = scales[r] * Float(values[r * cols + c]) }
        }
        return out
    }
}
