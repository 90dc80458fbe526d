// The input columns of a batch that are not zero in every row, and the first layer's products over
// them alone.
//
// A column of X that is zero in every row of the batch adds nothing to Z = X·Wᵀ and makes its
// column of dW = dZᵀ·X zero. Data often has many: a batch of 64 MNIST images leaves about 290 of
// 784 pixels zero in every image (the borders, the corners), a one-hot table most of its category
// columns. The first dense layer (which needs no dX) gathers the other K columns of X and W and
// runs both GEMMs with K in place of `in`: the same sums without the zero terms.
//
// The active columns are kept as runs of consecutive columns (an image's nonzero pixels lie in a
// run per image row, about 28 runs of 18 for MNIST), so gathering and spreading copy runs with
// vector loads rather than one indexed load per element.
//
// Shapes: X (B, in) → Xk (B, K), W (out, in) → Wk (out, K), dWk (out, K) → dW (out, in).
// Buffers are sized once per batch shape: Xk takes B·in floats, Wk/dWk out·in (one buffer, as the
// forward pass's Wk is dead when backward writes dWk).

final class ActiveColumns {
    let inputs: Int, outputs: Int
    /// The active columns of the last batch as runs: run r covers columns starts[r] ..< starts[r] +
    /// lengths[r]; `runs` of them, `count` columns in all.
    private let starts: UnsafeMutablePointer<Int32>, lengths: UnsafeMutablePointer<Int32>
    private var runs = 0
    /// Per column, the OR of the batch's magnitudes' bit patterns (nonzero ⇔ some row is nonzero).
    private let seen: UnsafeMutablePointer<UInt32>
    private(set) var count = 0
    /// Xk (B, K) with row stride K.
    let packedInput: Matrix
    /// Wk (out, K) in the forward pass, dWk (out, K) in the backward pass.
    let packedWeights: UnsafeMutablePointer<Float>
    private let loops: Loops

    /// Gathering costs (B + out)·K copies; below this share of active columns they pay.
    static let worthwhile = 0.9

    init(inputs: Int, outputs: Int, loops: Loops) {
        self.inputs = inputs
        self.outputs = outputs
        self.loops = loops
        starts = .allocate(capacity: max(inputs, 1))
        lengths = .allocate(capacity: max(inputs, 1))
        seen = .allocate(capacity: max(inputs, 1))
        packedInput = Matrix(rows: 0, cols: inputs)
        packedWeights = .allocate(capacity: max(outputs * inputs, 1))
    }

    deinit {
        starts.deallocate()
        lengths.deallocate()
        seen.deallocate()
        packedWeights.deallocate()
    }

    /// Finds the active columns of X (B, in); true when there are few enough to gather, and then
    /// Xk and Wk hold them.
    func gather(_ x: Matrix, weights w: UnsafePointer<Float>) -> Bool {
        let n = inputs, rows = x.rows
        seen.update(repeating: 0, count: n)
        x.data.withMemoryRebound(to: UInt32.self, capacity: rows * n) { bits in
            let s = seen, n8 = n & ~7
            let magnitude = SIMD8<UInt32>(repeating: 0x7FFF_FFFF)
            for r in 0..<rows {
                let row = bits + r * n
                var j = 0
                while j < n8 {
                    let v = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<UInt32>.self) & magnitude
                    let acc = UnsafeRawPointer(s + j).loadUnaligned(as: SIMD8<UInt32>.self) | v
                    UnsafeMutableRawPointer(s + j).storeBytes(of: acc, as: SIMD8<UInt32>.self)
                    j += 8
                }
                while j < n { s[j] |= row[j] & 0x7FFF_FFFF; j += 1 }
            }
        }
        var k = 0, r = 0, j = 0
        while j < n {
            if seen[j] == 0 { j += 1; continue }
            let start = j
            while j < n && seen[j] != 0 { j += 1 }
            starts[r] = Int32(start); lengths[r] = Int32(j - start); r += 1
            k += j - start
        }
        count = k
        runs = r
        guard k > 0, Double(k) < ActiveColumns.worthwhile * Double(n) else { return false }
        packedInput.resize(rows: rows)
        // Rows of X, then rows of W, each gathered to K contiguous values.
        let pass = GatherPass(x: x.data, w: w, xk: packedInput.data, wk: packedWeights, starts: starts, lengths: lengths,
                              runs: r, rows: rows, outputs: outputs, inputs: n, k: k)
        let per = Loops.rowsPerChunk(width: n)
        loops.run(chunks: Loops.chunks(rows + outputs, size: per), context: pass) { context, c in
            let p = context.load(as: GatherPass.self)
            for r in Loops.range(chunk: c, size: Loops.rowsPerChunk(width: p.inputs), count: p.rows + p.outputs) {
                let (from, to) = r < p.rows ? (UnsafePointer(p.x) + r * p.inputs, p.xk + r * p.k)
                                            : (p.w + (r - p.rows) * p.inputs, p.wk + (r - p.rows) * p.k)
                var o = 0
                for run in 0..<p.runs {
                    let len = Int(p.lengths[run])
                    ActiveColumns.copy(from + Int(p.starts[run]), to + o, count: len)
                    o += len
                }
            }
        }
        return true
    }

    /// to[i] = from[i] for i < count, eight at a time.
    @inline(__always)
    static func copy(_ from: UnsafePointer<Float>, _ to: UnsafeMutablePointer<Float>, count n: Int) {
        var i = 0
        while i + 8 <= n {
            UnsafeMutableRawPointer(to + i).storeBytes(of: UnsafeRawPointer(from + i).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { to[i] = from[i]; i += 1 }
    }

    /// to[i] += a·from[i] for i < count, eight at a time.
    @inline(__always)
    static func addScaled(_ from: UnsafePointer<Float>, _ to: UnsafeMutablePointer<Float>, count n: Int, by a: Float) {
        var i = 0
        while i + 8 <= n {
            let t = UnsafeRawPointer(to + i).loadUnaligned(as: SIMD8<Float>.self)
            let f = UnsafeRawPointer(from + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(to + i).storeBytes(of: t + a * f, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { to[i] += a * from[i]; i += 1 }
    }

    private struct GatherPass {
        let x: UnsafeMutablePointer<Float>, w: UnsafePointer<Float>, xk: UnsafeMutablePointer<Float>
        let wk: UnsafeMutablePointer<Float>, starts: UnsafeMutablePointer<Int32>, lengths: UnsafeMutablePointer<Int32>
        let runs: Int, rows: Int, outputs: Int, inputs: Int, k: Int
    }

    /// Spreads dWk (out, K), in `packedWeights`, over dW (out, in) as C ← alpha·dW + beta·C, the
    /// inactive columns' dW being zero; with beta 0 they are set to zero.
    func scatter(into c: UnsafeMutablePointer<Float>, alpha: Float, beta: Float) {
        let pass = ScatterPass(dwk: packedWeights, c: c, starts: starts, lengths: lengths, runs: runs, outputs: outputs,
                               inputs: inputs, k: count, alpha: alpha, beta: beta)
        let per = Loops.rowsPerChunk(width: inputs)
        loops.run(chunks: Loops.chunks(outputs, size: per), context: pass) { context, ch in
            let p = context.load(as: ScatterPass.self)
            for o in Loops.range(chunk: ch, size: Loops.rowsPerChunk(width: p.inputs), count: p.outputs) {
                let row = p.c + o * p.inputs, dw = p.dwk + o * p.k
                if p.beta == 0 {
                    row.update(repeating: 0, count: p.inputs)
                } else if p.beta != 1 {
                    Kernels.scale(row, count: p.inputs, by: p.beta)
                }
                var i = 0
                for run in 0..<p.runs {
                    let len = Int(p.lengths[run])
                    ActiveColumns.addScaled(dw + i, row + Int(p.starts[run]), count: len, by: p.alpha)
                    i += len
                }
            }
        }
    }

    private struct ScatterPass {
        let dwk: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>
        let starts: UnsafeMutablePointer<Int32>, lengths: UnsafeMutablePointer<Int32>
        let runs: Int, outputs: Int, inputs: Int, k: Int, alpha: Float, beta: Float
    }
}
