// The elementwise loops of the training step, written with SIMD vectors so they vectorize
// whatever the compiler proves about aliasing (a scalar ReLU mask with a branch per element
// cost as much as a small GEMM). Each takes raw pointers to buffers sized once per batch.
import CBLAS

enum Kernels {
    typealias V = SIMD8<Float>

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inline(__always) static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    /// y = max(z + b, 0), row by row (b has `width` entries).
    static func reluBias(
        _ z: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        rows: Int, width: Int
    ) {
        let w8 = width & ~7
        for r in 0..<rows {
            let zr = z + r * width
            let yr = y + r * width
            var j = 0
            while j < w8 {
                let v = load(zr + j) + load(b + j)
                store(v.replacing(with: 0, where: v .< 0), yr + j)
                j += 8
            }
            while j < width {
                let v = zr[j] + b[j]
                yr[j] = v > 0 ? v : 0
                j += 1
            }
        }
    }

    /// y = z + b, row by row.
    static func addBias(
        _ z: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        rows: Int, width: Int
    ) {
        let w8 = width & ~7
        for r in 0..<rows {
            let zr = z + r * width
            let yr = y + r * width
            var j = 0
            while j < w8 {
                store(load(zr + j) + load(b + j), yr + j)
                j += 8
            }
            while j < width {
                yr[j] = zr[j] + b[j]
                j += 1
            }
        }
    }

    /// dz = y > 0 ? dy : 0 (the ReLU derivative read off the output).
    static func reluMask(_ dy: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dz: UnsafeMutablePointer<Float>, count n: Int) {
        let n8 = n & ~7
        var i = 0
        while i < n8 {
            store(load(dy + i).replacing(with: 0, where: load(y + i) .<= 0), dz + i)
            i += 8
        }
        while i < n {
            dz[i] = y[i] > 0 ? dy[i] : 0
            i += 1
        }
    }

    /// s[j] = Σ_r g[r, j]: the bias gradient.
    static func sumRows(_ g: UnsafePointer<Float>, rows: Int, width: Int, into s: UnsafeMutablePointer<Float>) {
        s.update(repeating: 0, count: width)
        let w8 = width & ~7
        for r in 0..<rows {
            let gr = g + r * width
            var j = 0
            while j < w8 {
                store(load(s + j) + load(gr + j), s + j)
                j += 8
            }
            while j < width {
                s[j] += gr[j]
                j += 1
            }
        }
    }

    /// w ← w − lr·(g + wd·w)
    static func sgd(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, count n: Int, lr: Float, wd: Float) {
        let n8 = n & ~7
        let vlr = V(repeating: lr)
        let vwd = V(repeating: wd)
        var j = 0
        while j < n8 {
            let wv = load(w + j)
            store(wv - vlr * (load(g + j) + vwd * wv), w + j)
            j += 8
        }
        while j < n {
            w[j] -= lr * (g[j] + wd * w[j])
            j += 1
        }
    }

    /// v ← μ·v + g + wd·w;  w ← w − lr·(nesterov ? g + wd·w + μ·v : v)
    static func momentum(
        _ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Float>,
        count n: Int, lr: Float, mu: Float, wd: Float, nesterov: Bool
    ) {
        let n8 = n & ~7
        let vlr = V(repeating: lr)
        let vmu = V(repeating: mu)
        let vwd = V(repeating: wd)
        var j = 0
        if nesterov {
            while j < n8 {
                let wv = load(w + j)
                let gv = load(g + j) + vwd * wv
                let vv = vmu * load(v + j) + gv
                store(vv, v + j)
                store(wv - vlr * (gv + vmu * vv), w + j)
                j += 8
            }
            while j < n {
                let gj = g[j] + wd * w[j]
                let vj = mu * v[j] + gj
                v[j] = vj
                w[j] -= lr * (gj + mu * vj)
                j += 1
            }
        } else {
            while j < n8 {
                let wv = load(w + j)
                let vv = vmu * load(v + j) + load(g + j) + vwd * wv
                store(vv, v + j)
                store(wv - vlr * vv, w + j)
                j += 8
            }
            while j < n {
                let vj = mu * v[j] + g[j] + wd * w[j]
                v[j] = vj
                w[j] -= lr * vj
                j += 1
            }
        }
    }

    /// v ← v + wd·w;  w ← w − lr·v;  v ← μ·v  (momentum after the GEMM has made v = μ·v + g: the
    /// buffer keeps μ·v, the next step's share of it, to which that step's GEMM adds its gradient;
    /// μ 1 keeps v itself)
    static func momentumAfterFusedGradient(
        _ w: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
        count n: Int, lr: Float, mu: Float, wd: Float
    ) {
        let n8 = n & ~7
        let vlr = V(repeating: lr)
        let vmu = V(repeating: mu)
        let vwd = V(repeating: wd)
        var j = 0
        while j < n8 {
            let wv = load(w + j)
            let vv = load(v + j) + vwd * wv
            store(vmu * vv, v + j)
            store(wv - vlr * vv, w + j)
            j += 8
        }
        while j < n {
            let vj = v[j] + wd * w[j]
            v[j] = mu * vj
            w[j] -= lr * vj
            j += 1
        }
    }

    /// One Adam/AdamW update (see Adam.swift for the formulas and constants).
    static func adam(
        _ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
        _ v: UnsafeMutablePointer<Float>, count n: Int, b1: Float, b2: Float, l2: Float, shrink: Float,
        stepSize: Float, invSqrtC2: Float, eps: Float
    ) {
        let n8 = n & ~7
        let vb1 = V(repeating: b1)
        let vb2 = V(repeating: b2)
        let c1 = V(repeating: 1 - b1)
        let c2 = V(repeating: 1 - b2)
        let vl2 = V(repeating: l2)
        let vshrink = V(repeating: shrink)
        let vstep = V(repeating: stepSize)
        let vinv = V(repeating: invSqrtC2)
        let veps = V(repeating: eps)
        var j = 0
        while j < n8 {
            let wv = load(w + j)
            let gv = load(g + j) + vl2 * wv
            let mv = vb1 * load(m + j) + c1 * gv
            let vv = vb2 * load(v + j) + c2 * gv * gv
            store(mv, m + j)
            store(vv, v + j)
            store(wv * vshrink - vstep * mv / (mlp_sqrt8(vv) * vinv + veps), w + j)
            j += 8
        }
        while j < n {
            let gj = g[j] + l2 * w[j]
            let mj = b1 * m[j] + (1 - b1) * gj
            let vj = b2 * v[j] + (1 - b2) * gj * gj
            m[j] = mj
            v[j] = vj
            w[j] = w[j] * shrink - stepSize * mj / (vj.squareRoot() * invSqrtC2 + eps)
            j += 1
        }
    }
}

extension Kernels {
    /// Σ g², in Float lanes of eight (a chunk is at most 16 K elements), returned as Double.
    static func sumOfSquares(_ g: UnsafePointer<Float>, count n: Int) -> Double {
        let n8 = n & ~7
        var acc = V(repeating: 0)
        var j = 0
        while j < n8 {
            let v = load(g + j)
            acc += v * v
            j += 8
        }
        var s = Double(acc.sum())
        while j < n {
            s += Double(g[j] * g[j])
            j += 1
        }
        return s
    }

    /// g ← g·s.
    // c = a ⊙ b
    static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>, count n: Int) {
        let n8 = n & ~7
        var j = 0
        while j < n8 {
            store(load(a + j) * load(b + j), c + j)
            j += 8
        }
        while j < n {
            c[j] = a[j] * b[j]
            j += 1
        }
    }

    static func scale(_ g: UnsafeMutablePointer<Float>, count n: Int, by s: Float) {
        let n8 = n & ~7
        let vs = V(repeating: s)
        var j = 0
        while j < n8 {
            store(load(g + j) * vs, g + j)
            j += 8
        }
        while j < n {
            g[j] *= s
            j += 1
        }
    }
}
