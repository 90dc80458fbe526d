// The smoothing of an elastic displacement field (Simard, Steinkraus and Platt 2003): a field of
// random displacements, one per pixel, convolved with a Gaussian of standard deviation σ and
// scaled by α. Small σ leaves the field random (the image looks torn); large σ makes it nearly a
// translation; σ of about 4 pixels on 28×28 digits gives the hand-written wobble Simard describes.
//
// The Gaussian is truncated at radius ⌈3σ⌉ and normalized to sum 1 (weights computed in Double);
// displacements beyond the image count as 0, as scipy's gaussian_filter with mode "constant" (which
// common implementations of Simard's distortion use). It is separable, so the convolution is two
// passes of 2⌈3σ⌉ + 1 taps: along each row (the row copied between zero margins), then along each
// column, both eight pixels at a time, the two taps at ±k added before their shared weight multiplies.
#if canImport(Glibc)
    import Glibc
#endif

public enum ElasticField {
    typealias V = SIMD8<Float>

    /// The truncation radius for σ: ⌈3σ⌉, at least 1.
    public static func radius(sigma: Float) -> Int { max(1, Int((3 * Double(sigma)).rounded(.up))) }

    /// The 2·radius + 1 weights of the normalized, truncated Gaussian of standard deviation σ.
    public static func kernel(sigma: Float) -> [Float] {
        let r = radius(sigma: sigma)
        let s = Double(sigma)
        let w = (-r...r).map { k -> Double in exp(-Double(k * k) / (2 * s * s)) }
        let total = w.reduce(0, +)
        return w.map { Float($0 / total) }
    }

    /// Floats of scratch `smooth` needs for an image of `rows` × `cols` and a kernel of `radius`.
    public static func scratchCount(rows: Int, cols: Int, radius: Int) -> Int {
        lineCount(cols: cols, radius: radius) + (rows + 2 * radius) * stride(cols)
    }

    /// Row stride of the pass between the two convolutions: `cols` rounded up to 8.
    static func stride(_ cols: Int) -> Int { (cols + 7) & ~7 }

    /// A row between zero margins of `radius`, with room for the last vector's overrun.
    static func lineCount(cols: Int, radius: Int) -> Int { stride(cols) + 2 * radius + 8 }

    /// out = α · (G * field) for a `rows` × `cols` field stored row after row; `out` holds
    /// rows·cols values plus 8 floats of slack (whole vectors are stored, row after row).
    /// `kernel` holds the 2·radius + 1 weights (symmetric: each pair of taps at ±k shares a product).
    @inline(__always)
    public static func smooth(
        _ field: UnsafePointer<Float>, rows: Int, cols: Int, kernel: UnsafePointer<Float>,
        radius r: Int, alpha: Float, into out: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let s = stride(cols)
        let line = scratch
        let mid = scratch + lineCount(cols: cols, radius: r)
        let w = kernel + r
        // Along each row: mid[r + y][x] = Σ_k w[k] · line[r + x + k], line = (r zeros, the row, zeros).
        line.update(repeating: 0, count: lineCount(cols: cols, radius: r))
        for y in 0..<rows {
            (line + r).update(from: field + y * cols, count: cols)
            let centre = line + r
            let row = mid + (r + y) * s
            var x = 0
            while x < cols {
                let c = centre + x
                var acc0 = V(repeating: w[0]) * load(c)
                var acc1 = V(repeating: 0)
                var k = 1
                while k < r {
                    acc0 += V(repeating: w[k]) * (load(c - k) + load(c + k))
                    acc1 += V(repeating: w[k + 1]) * (load(c - k - 1) + load(c + k + 1))
                    k += 2
                }
                if k == r { acc0 += V(repeating: w[k]) * (load(c - k) + load(c + k)) }
                store(acc0 + acc1, row + x)
                x += 8
            }
        }
        // Along each column, the r rows above and below the image being zeros: out[y][x] =
        // α · Σ_k w[k] · mid[r + y + k][x]. The last vector of a row spills into the next row's first
        // pixels, which that row then overwrites; the last row's spills into the slack.
        mid.update(repeating: 0, count: r * s)
        (mid + (r + rows) * s).update(repeating: 0, count: r * s)
        let a = V(repeating: alpha)
        for y in 0..<rows {
            let centre = mid + (r + y) * s
            var x = 0
            while x < cols {
                let c = centre + x
                var acc0 = V(repeating: w[0]) * load(c)
                var acc1 = V(repeating: 0)
                var k = 1
                while k < r {
                    acc0 += V(repeating: w[k]) * (load(c - k * s) + load(c + k * s))
                    acc1 += V(repeating: w[k + 1]) * (load(c - (k + 1) * s) + load(c + (k + 1) * s))
                    k += 2
                }
                if k == r { acc0 += V(repeating: w[k]) * (load(c - k * s) + load(c + k * s)) }
                store((acc0 + acc1) * a, out + y * cols + x)
                x += 8
            }
        }
    }

    /// Fills `count` floats with uniform values in [−1, 1), two per 64-bit draw (24 bits each).
    @inline(__always)
    static func fillUniform(_ p: UnsafeMutablePointer<Float>, count: Int, _ g: inout RandomGenerator) {
        let unit: Float = 2.0 / 16_777_216.0
        var i = 0
        while i + 2 <= count {
            let bits = g.next()
            p[i] = Float(bits >> 40) * unit - 1
            p[i + 1] = Float((bits >> 16) & 0xFF_FFFF) * unit - 1
            i += 2
        }
        if i < count { p[i] = Float(g.next() >> 40) * unit - 1 }
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
    @inline(__always) static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }
}

extension ElasticField {
    /// α · (G * field) for a field given as an array (tests, and anything outside the training step).
    public static func smoothed(_ field: [Float], rows: Int, cols: Int, sigma: Float, alpha: Float) -> [Float] {
        precondition(field.count == rows * cols, "the field has rows × cols values")
        let r = radius(sigma: sigma)
        let w = kernel(sigma: sigma)
        var out = [Float](repeating: 0, count: rows * cols + 8)
        var scratch = [Float](repeating: 0, count: scratchCount(rows: rows, cols: cols, radius: r))
        field.withUnsafeBufferPointer { f in
            w.withUnsafeBufferPointer { k in
                out.withUnsafeMutableBufferPointer { o in
                    scratch.withUnsafeMutableBufferPointer { s in
                        smooth(
                            f.baseAddress!, rows: rows, cols: cols, kernel: k.baseAddress!, radius: r, alpha: alpha,
                            into: o.baseAddress!, scratch: s.baseAddress!)
                    }
                }
            }
        }
        return Array(out.prefix(rows * cols))
    }
}
