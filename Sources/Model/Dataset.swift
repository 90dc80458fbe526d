// A labelled dataset kept as bytes: MNIST costs 47 MB as UInt8 instead of 188 MB as Float.
// Batches are converted to Float (and scaled) while they are gathered, in one pass.
import CBLAS

public struct Dataset {
    /// count × features pixels, row-major.
    public let pixels: [UInt8]
    public let labels: [UInt8]
    public let count: Int
    public let features: Int
    /// Image height and width, kept for the model file and for drawing.
    public let rows: Int, cols: Int

    public init(pixels: [UInt8], labels: [UInt8], count: Int, rows: Int, cols: Int) {
        precondition(pixels.count == count * rows * cols && labels.count == count, "dataset shape mismatch")
        self.pixels = pixels
        self.labels = labels
        self.count = count
        self.rows = rows
        self.cols = cols
        features = rows * cols
    }

    /// The examples at `indices[0..<n]`, subsetted (for validation splits and small runs).
    public func subset(_ indices: ArraySlice<Int32>) -> Dataset {
        var p = [UInt8](); p.reserveCapacity(indices.count * features)
        var l = [UInt8](); l.reserveCapacity(indices.count)
        for i in indices {
            let s = Int(i) * features
            p.append(contentsOf: pixels[s..<(s + features)])
            l.append(labels[Int(i)])
        }
        return Dataset(pixels: p, labels: l, count: indices.count, rows: rows, cols: cols)
    }

    /// Fills x (n, features) with the scaled pixels of examples `indices[0..<n]` and `labels` with
    /// their labels: the shuffle gather and the uint8 → Float conversion fused.
    public func gather(_ indices: UnsafePointer<Int32>, count n: Int, scale: Float,
                       into x: Matrix, labels out: UnsafeMutablePointer<Int32>) {
        x.resize(rows: n)
        let f = features
        pixels.withUnsafeBufferPointer { src in
            labels.withUnsafeBufferPointer { lab in
                let g = Gather(pixels: src.baseAddress!, labels: lab.baseAddress!, indices: indices, x: x.data,
                               out: out, features: f, scale: scale, count: n,
                               rowsPerChunk: ElementwiseThreads.rowsPerChunk(width: f))
                ElementwiseThreads.shared.run(chunks: ElementwiseThreads.chunks(n, size: g.rowsPerChunk),
                                              context: g) { context, c in
                    let g = context.load(as: Gather.self)
                    g.rows(ElementwiseThreads.range(chunk: c, size: g.rowsPerChunk, count: g.count))
                }
            }
        }
    }

    /// One gather's arguments, for the threads that share it.
    private struct Gather {
        let pixels: UnsafePointer<UInt8>, labels: UnsafePointer<UInt8>, indices: UnsafePointer<Int32>
        let x: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Int32>
        let features: Int, scale: Float, count: Int, rowsPerChunk: Int

        func rows(_ rows: Range<Int>) {
            let f = features
            // Ask for the examples a few rows ahead while converting this one.
            let ahead = 4
            for r in rows.prefix(ahead) { Dataset.prefetch(pixels + Int(indices[r]) * f, bytes: f) }
            for r in rows {
                let i = Int(indices[r])
                if r + ahead < rows.upperBound { Dataset.prefetch(pixels + Int(indices[r + ahead]) * f, bytes: f) }
                Dataset.convert(pixels + i * f, to: x + r * f, count: f, scale: scale)
                out[r] = Int32(labels[i])
            }
        }
    }

    /// Fills x with the contiguous examples start..<start+n (evaluation order).
    public func slice(from start: Int, count n: Int, scale: Float, into x: Matrix,
                      labels out: UnsafeMutablePointer<Int32>) {
        x.resize(rows: n)
        let f = features
        pixels.withUnsafeBufferPointer { src in
            labels.withUnsafeBufferPointer { lab in
                Dataset.convert(src.baseAddress! + start * f, to: x.data, count: n * f, scale: scale)
                for r in 0..<n { out[r] = Int32(lab[start + r]) }
            }
        }
    }

    /// Prefetches every cache line of `bytes` bytes at p.
    @inline(__always)
    static func prefetch(_ p: UnsafePointer<UInt8>, bytes: Int) {
        var o = 0
        while o < bytes { mlp_prefetch(p + o); o += 64 }
    }

    /// d[j] = Float(s[j])·scale, sixteen at a time.
    @inline(__always)
    static func convert(_ s: UnsafePointer<UInt8>, to d: UnsafeMutablePointer<Float>, count n: Int, scale: Float) {
        var j = 0
        let vs = SIMD16<Float>(repeating: scale)
        while j + 16 <= n {
            let bytes = UnsafeRawPointer(s + j).loadUnaligned(as: SIMD16<UInt8>.self)
            UnsafeMutableRawPointer(d + j).storeBytes(of: SIMD16<Float>(bytes) * vs, as: SIMD16<Float>.self)
            j += 16
        }
        while j < n { d[j] = Float(s[j]) * scale; j += 1 }
    }

    /// How many examples of each class, for summaries and sanity checks.
    public var classCounts: [Int] {
        var c = [Int](repeating: 0, count: Int(labels.max() ?? 0) + 1)
        for l in labels { c[Int(l)] += 1 }
        return c
    }
}
