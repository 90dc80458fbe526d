// Resampling an image through a map from output pixels to source positions: an affine map about the
// image centre plus, optionally, a displacement per output pixel (the elastic field).
//
// Pixel (x, y) is the point at column x, row y (pixel centres at whole coordinates); the centre is
// ((cols − 1)/2, (rows − 1)/2). Output pixel p takes the source at A·(p − centre) + centre + t + d(p),
// read by bilinear interpolation of the four pixels around it (or, for tests and previews, the
// nearest one), with pixels outside the image 0. A map that moves by whole pixels reads the source
// pixels exactly: their weights are exactly 0 and 1.
//
// The source is first copied, as floats, into a buffer with a margin of zeros (one pixel on the top
// and left, two on the bottom and right), and every position is clamped to [−1, cols] × [−1, rows]:
// a position beyond that has all four neighbours outside, as its clamped one does, so the sampling
// needs no test per pixel. Output pixels go eight at a time: positions, weights and offsets as
// vectors, the four neighbours read per lane (the offsets are exact in Float: images hold fewer
// than 2²² pixels).

/// source = [a b; c d]·(p − centre) + centre + (tx, ty), for output pixel p.
public struct AffineMap: Equatable, Sendable {
    public var a: Float, b: Float, c: Float, d: Float, tx: Float, ty: Float

    public init(a: Float, b: Float, c: Float, d: Float, tx: Float, ty: Float) {
        self.a = a
        self.b = b
        self.c = c
        self.d = d
        self.tx = tx
        self.ty = ty
    }

    public static let identity = AffineMap(a: 1, b: 0, c: 0, d: 1, tx: 0, ty: 0)

    /// The map that samples an image distorted by: scaling by (sx, sy), then the horizontal shear
    /// x + h·y, then rotation by `radians` (from the x axis towards the y axis, which points down:
    /// clockwise on screen), all about the centre, then translation by (dx, dy) pixels. Its matrix
    /// is the inverse of R·H·S, and its offset −(R·H·S)⁻¹·(dx, dy).
    public static func distortion(
        rotation radians: Double, scaleX sx: Double, scaleY sy: Double, shear h: Double,
        shiftX dx: Double, shiftY dy: Double
    ) -> AffineMap {
        let cs = _cos(radians)
        let sn = _sin(radians)
        // M = R·H·S = [cs −sn; sn cs]·[1 h; 0 1]·[sx 0; 0 sy]
        let m00 = cs * sx
        let m01 = (cs * h - sn) * sy
        let m10 = sn * sx
        let m11 = (sn * h + cs) * sy
        let det = m00 * m11 - m01 * m10
        let i00 = m11 / det
        let i01 = -m01 / det
        let i10 = -m10 / det
        let i11 = m00 / det
        return AffineMap(
            a: Float(i00), b: Float(i01), c: Float(i10), d: Float(i11),
            tx: Float(-(i00 * dx + i01 * dy)), ty: Float(-(i10 * dx + i11 * dy)))
    }
}

/// How a position between pixels is read.
public enum Interpolation: Sendable {
    /// The four pixels around it, weighted by nearness (what training uses).
    case bilinear
    /// The pixel whose centre is nearest (ties round up).
    case nearest
}

public enum ImageWarp {
    typealias V = SIMD8<Float>

    /// Floats of the zero-margined copy of a `rows` × `cols` image.
    public static func paddedCount(rows: Int, cols: Int) -> Int { (rows + 3) * (cols + 3) }

    /// Copies the bytes of a `rows` × `cols` image into `padded` as floats between margins of zeros.
    @inline(__always)
    public static func pad(_ source: UnsafePointer<UInt8>, rows: Int, cols: Int, into padded: UnsafeMutablePointer<Float>) {
        let s = cols + 3
        padded.update(repeating: 0, count: s)
        for y in 0..<rows {
            let row = padded + (y + 1) * s
            row[0] = 0
            let src = source + y * cols
            var x = 0
            while x + 16 <= cols {
                let bytes = UnsafeRawPointer(src + x).loadUnaligned(as: SIMD16<UInt8>.self)
                UnsafeMutableRawPointer(row + 1 + x).storeBytes(of: SIMD16<Float>(bytes), as: SIMD16<Float>.self)
                x += 16
            }
            while x < cols {
                row[1 + x] = Float(src[x])
                x += 1
            }
            row[cols + 1] = 0
            row[cols + 2] = 0
        }
        (padded + (rows + 1) * s).update(repeating: 0, count: 2 * s)
    }

    /// The output pixels' coordinates relative to the centre, for the sampling: u (column) and v (row)
    /// of pixel p at u[p], v[p]; each holds rows·cols values plus 8 of slack.
    public static func fillCoordinates(rows: Int, cols: Int, u: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>) {
        let cx = Float(cols - 1) / 2
        let cy = Float(rows - 1) / 2
        for p in 0..<(rows * cols + 8) {
            u[p] = Float(p % cols) - cx
            v[p] = Float(p / cols) - cy
        }
    }

    /// out[p] = scale · source(map(p) + (dx[p], dy[p])) for the rows·cols output pixels; `padded` is
    /// the source after `pad`; `u` and `v` come from `fillCoordinates`; dx and dy (nil: none) hold
    /// rows·cols values plus 8 of slack.
    @inline(__always)
    public static func sample(
        _ padded: UnsafePointer<Float>, rows: Int, cols: Int, map m: AffineMap,
        u: UnsafePointer<Float>, v: UnsafePointer<Float>,
        dx: UnsafePointer<Float>?, dy: UnsafePointer<Float>?,
        interpolation: Interpolation = .bilinear, scale: Float,
        into out: UnsafeMutablePointer<Float>
    ) {
        let n = rows * cols
        let s = cols + 3
        // Positions in the padded buffer's coordinates (one more than the image's).
        let a = V(repeating: m.a)
        let b = V(repeating: m.b)
        let c = V(repeating: m.c)
        let d = V(repeating: m.d)
        let ox = V(repeating: Float(cols - 1) / 2 + m.tx + 1)
        let oy = V(repeating: Float(rows - 1) / 2 + m.ty + 1)
        let zero = V(repeating: 0)
        let maxX = V(repeating: Float(cols + 1))
        let maxY = V(repeating: Float(rows + 1))
        let vs = V(repeating: scale)
        let half = V(repeating: 0.5)
        let stride = V(repeating: Float(s))
        let nearest = interpolation == .nearest
        var p = 0
        while p < n {
            let pu = load(u + p)
            let pv = load(v + p)
            var sx = a * pu + b * pv + ox
            var sy = c * pu + d * pv + oy
            if let dx, let dy {
                sx += load(dx + p)
                sy += load(dy + p)
            }
            // (Compare and select: pointwiseMin and pointwiseMax are not inlined.)
            sx = sx.replacing(with: zero, where: sx .< zero).replacing(with: maxX, where: sx .> maxX)
            sy = sy.replacing(with: zero, where: sy .< zero).replacing(with: maxY, where: sy .> maxY)
            var value = V()
            if nearest {
                let at = floor(sy + half) * stride + floor(sx + half)
                for l in 0..<8 { value[l] = padded[Int(at[l])] }
            } else {
                let x0 = floor(sx)
                let y0 = floor(sy)
                let fx = sx - x0
                let fy = sy - y0
                let at = y0 * stride + x0
                let q0 = padded + Int(at[0])
                let q1 = padded + Int(at[1])
                let q2 = padded + Int(at[2])
                let q3 = padded + Int(at[3])
                let q4 = padded + Int(at[4])
                let q5 = padded + Int(at[5])
                let q6 = padded + Int(at[6])
                let q7 = padded + Int(at[7])
                let p00 = V(q0[0], q1[0], q2[0], q3[0], q4[0], q5[0], q6[0], q7[0])
                let p01 = V(q0[1], q1[1], q2[1], q3[1], q4[1], q5[1], q6[1], q7[1])
                let p10 = V(q0[s], q1[s], q2[s], q3[s], q4[s], q5[s], q6[s], q7[s])
                let s1 = s + 1
                let p11 = V(q0[s1], q1[s1], q2[s1], q3[s1], q4[s1], q5[s1], q6[s1], q7[s1])
                let top = p00 + fx * (p01 - p00)
                let bottom = p10 + fx * (p11 - p10)
                value = top + fy * (bottom - top)
            }
            value *= vs
            if p + 8 <= n {
                UnsafeMutableRawPointer(out + p).storeBytes(of: value, as: V.self)
            } else {
                for l in 0..<(n - p) { out[p + l] = value[l] }
            }
            p += 8
        }
    }

    /// ⌊x⌋ for 0 ≤ x < 2²²: x rounded to a whole number by adding and taking away 2²³, less 1
    /// where that rounded up (vector compares and adds; SSE2 has no vector floor).
    @inline(__always) static func floor(_ x: V) -> V {
        let magic = V(repeating: 8_388_608)
        let t = (x + magic) - magic
        return t.replacing(with: t - 1, where: t .> x)
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
}

extension ImageWarp {
    /// The image warped through `map` (and the displacements dx, dy, when given), as floats times
    /// `scale`: for tests, previews and anything outside the training step.
    public static func warp(
        _ image: [UInt8], rows: Int, cols: Int, map: AffineMap, dx: [Float]? = nil, dy: [Float]? = nil,
        interpolation: Interpolation = .bilinear, scale: Float = 1
    ) -> [Float] {
        precondition(image.count == rows * cols, "the image has rows × cols pixels")
        precondition(
            (dx == nil) == (dy == nil) && (dx?.count ?? rows * cols) == rows * cols && (dy?.count ?? rows * cols) == rows * cols,
            "dx and dy come together, each with rows × cols values")
        var padded = [Float](repeating: 0, count: paddedCount(rows: rows, cols: cols))
        var u = [Float](repeating: 0, count: rows * cols + 8)
        var v = u
        let fx = dx.map { $0 + [Float](repeating: 0, count: 8) }
        let fy = dy.map { $0 + [Float](repeating: 0, count: 8) }
        var out = [Float](repeating: 0, count: rows * cols)
        image.withUnsafeBufferPointer { src in
            padded.withUnsafeMutableBufferPointer { pad(src.baseAddress!, rows: rows, cols: cols, into: $0.baseAddress!) }
        }
        u.withUnsafeMutableBufferPointer { up in
            v.withUnsafeMutableBufferPointer { vp in fillCoordinates(rows: rows, cols: cols, u: up.baseAddress!, v: vp.baseAddress!) }
        }
        func run(_ dxp: UnsafePointer<Float>?, _ dyp: UnsafePointer<Float>?) {
            padded.withUnsafeBufferPointer { pp in
                u.withUnsafeBufferPointer { up in
                    v.withUnsafeBufferPointer { vp in
                        out.withUnsafeMutableBufferPointer { op in
                            sample(
                                pp.baseAddress!, rows: rows, cols: cols, map: map, u: up.baseAddress!, v: vp.baseAddress!,
                                dx: dxp, dy: dyp, interpolation: interpolation, scale: scale, into: op.baseAddress!)
                        }
                    }
                }
            }
        }
        if let fx, let fy {
            fx.withUnsafeBufferPointer { a in fy.withUnsafeBufferPointer { b in run(a.baseAddress!, b.baseAddress!) } }
        } else {
            run(nil, nil)
        }
        return out
    }
}
