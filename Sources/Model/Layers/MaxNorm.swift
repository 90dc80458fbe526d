// The max-norm constraint of Srivastava et al. (2014, "Dropout: a simple way to prevent neural
// networks from overfitting", section 5.1): after every optimizer step, each unit's incoming weight
// vector — one row W[o, ·] of a dense layer's [out, in] weight — whose L2 norm exceeds c is scaled
// back onto the ball of radius c:
//   ‖W[o,·]‖ > c  ⇒  W[o,·] ← W[o,·]·c/‖W[o,·]‖
// Biases are not constrained. One pass over each row to measure it and a second only for the rows
// that are rescaled, shared between threads by rows; nothing is allocated.

extension Dense {
    /// Applies the constraint with limit `c` to this layer's weight.
    func applyMaxNorm(_ c: Float, loops: Loops) {
        let pass = MaxNormPass(
            w: weight.value, rows: outputFeatures, cols: inputFeatures, limit: c,
            rowsPerChunk: Loops.rowsPerChunk(width: inputFeatures))
        loops.run(chunks: Loops.chunks(outputFeatures, size: pass.rowsPerChunk), context: pass) { context, chunk in
            let p = context.load(as: MaxNormPass.self)
            for r in Loops.range(chunk: chunk, size: p.rowsPerChunk, count: p.rows) {
                MaxNorm.clamp(p.w + r * p.cols, count: p.cols, limit: p.limit)
            }
        }
    }
}

private struct MaxNormPass {
    let w: UnsafeMutablePointer<Float>, rows: Int, cols: Int, limit: Float, rowsPerChunk: Int
}

public enum MaxNorm {
    /// Scales the `count` values at `row` down to L2 norm `limit` when their norm exceeds it.
    @inline(__always)
    public static func clamp(_ row: UnsafeMutablePointer<Float>, count: Int, limit c: Float) {
        let s = Kernels.sumOfSquares(row, count: count)
        guard s > Double(c) * Double(c) else { return }
        Kernels.scale(row, count: count, by: c / Float(s.squareRoot()))
    }
}
