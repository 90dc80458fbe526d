// A dataset behind one interface: features and targets for `count` examples.
//
// Features are bytes with a scale (IDX images: MNIST costs 47 MB as UInt8 instead of 188 MB as
// Float, and each batch is converted and scaled while it is gathered, in one pass) or floats that
// are already transformed (tables, standardized once when loaded). Targets are class indices
// (classification) or real values (regression, `width` per example). The class count comes from
// the labels (largest + 1), never from a constant. Examples may carry a weight each (a weight column):
// the batch gather hands the weights to the loss (Loss.swift says how they count).
import CBLAS

public struct Dataset {
    public enum Features {
        /// count × width bytes, row-major; each is multiplied by `scale` when gathered (1/255 for pixels).
        case bytes([UInt8], scale: Float)
        /// count × width floats, row-major, used as they are.
        case floats([Float])
    }

    public enum Targets {
        /// One class index per example, from 0.
        case classes([Int32])
        /// `width` values per example, row-major.
        case values([Float], width: Int)
    }

    /// Image height and width, for image data (the model file records it; `predict --show` draws it).
    public struct ImageShape: Equatable, Sendable {
        public let rows: Int, cols: Int
        public init(rows: Int, cols: Int) {
            self.rows = rows
            self.cols = cols
        }
    }

    public let count: Int
    /// Features per example.
    public let features: Int
    public let storage: Features
    public let targets: Targets
    public let image: ImageShape?
    /// One weight per example (finite, ≥ 0), or nil when every example weighs 1.
    public let weights: [Float]?

    public init(
        count: Int, features: Int, storage: Features, targets: Targets, image: ImageShape? = nil,
        weights: [Float]? = nil
    ) {
        switch storage {
        case .bytes(let b, _): precondition(b.count == count * features, "dataset features do not match its shape")
        case .floats(let f): precondition(f.count == count * features, "dataset features do not match its shape")
        }
        switch targets {
        case .classes(let l): precondition(l.count == count, "dataset labels do not match its count")
        case .values(let v, let w): precondition(v.count == count * w, "dataset targets do not match its count")
        }
        precondition(image.map { $0.rows * $0.cols == features } ?? true, "image shape does not match the features")
        precondition(
            weights.map { $0.count == count && $0.allSatisfy { $0 >= 0 && $0.isFinite } } ?? true,
            "dataset weights do not match its count, or one is negative or not finite")
        self.count = count
        self.features = features
        self.storage = storage
        self.targets = targets
        self.image = image
        self.weights = weights
    }

    /// The same examples with these weights (nil: unweighted).
    public func weighted(_ weights: [Float]?) -> Dataset {
        Dataset(count: count, features: features, storage: storage, targets: targets, image: image, weights: weights)
    }

    /// Images as bytes with their labels (IDX files): each pixel is multiplied by `scale`.
    public init(pixels: [UInt8], labels: [Int32], count: Int, rows: Int, cols: Int, scale: Float = 1.0 / 255.0) {
        self.init(
            count: count, features: rows * cols, storage: .bytes(pixels, scale: scale), targets: .classes(labels),
            image: ImageShape(rows: rows, cols: cols))
    }

    /// The class labels (empty for regression targets).
    public var labels: [Int32] {
        if case .classes(let l) = targets { return l }
        return []
    }

    /// Real-valued targets per example (0 for classification).
    public var targetWidth: Int {
        if case .values(_, let w) = targets { return w }
        return 0
    }

    /// Largest label + 1 (0 for regression targets or no examples).
    public var classCount: Int {
        guard case .classes(let l) = targets, let m = l.max() else { return 0 }
        return Int(m) + 1
    }

    /// The same examples with their features scaled by `scale` instead (bytes only).
    public func rescaled(_ scale: Float) -> Dataset {
        guard case .bytes(let b, _) = storage else { return self }
        return Dataset(
            count: count, features: features, storage: .bytes(b, scale: scale), targets: targets, image: image,
            weights: weights)
    }

    /// The examples at `indices`, in that order (validation splits, small runs).
    public func subset(_ indices: ArraySlice<Int32>) -> Dataset {
        let f = features
        func pick<T>(_ a: [T], _ w: Int) -> [T] {
            var out = [T]()
            out.reserveCapacity(indices.count * w)
            for i in indices {
                let s = Int(i) * w
                out.append(contentsOf: a[s..<(s + w)])
            }
            return out
        }
        let s: Features
        switch storage {
        case .bytes(let b, let scale): s = .bytes(pick(b, f), scale: scale)
        case .floats(let v): s = .floats(pick(v, f))
        }
        let t: Targets
        switch targets {
        case .classes(let l): t = .classes(pick(l, 1))
        case .values(let v, let w): t = .values(pick(v, w), width: w)
        }
        return Dataset(count: indices.count, features: f, storage: s, targets: t, image: image, weights: weights.map { pick($0, 1) })
    }

    /// Fills x (n, features) with the features of examples `indices[0..<n]`, and `labels` (class
    /// targets) or `targets` (n, width) with theirs: the shuffle gather and the conversion fused,
    /// shared out by `loops`. With `distortion` (images stored as bytes only), each image is
    /// distorted on its way into x (ImageAugmenter.swift).
    public func gather(
        _ indices: UnsafePointer<Int32>, count n: Int, into x: Matrix,
        labels: UnsafeMutablePointer<Int32>?, targets: Matrix?, loops: Loops,
        distortion: BatchDistortion? = nil
    ) {
        x.resize(rows: n)
        targets?.resize(rows: n)
        withBuffers { bytes, floats, scale, lab, vals, w in
            precondition(distortion == nil || bytes != nil, "only images stored as bytes are distorted")
            let g = Gather(
                bytes: bytes, floats: floats, scale: scale, labels: lab, values: vals, width: w,
                indices: indices, x: x.data, labelsOut: labels, targetsOut: targets?.data,
                features: features, count: n,
                rowsPerChunk: distortion?.rowsPerChunk ?? Loops.rowsPerChunk(width: features),
                distortion: distortion)
            loops.run(chunks: Loops.chunks(n, size: g.rowsPerChunk), context: g) { context, c in
                let g = context.load(as: Gather.self)
                g.rows(Loops.range(chunk: c, size: g.rowsPerChunk, count: g.count), chunk: c)
            }
        }
    }

    /// Fills x with the contiguous examples start..<start+n (evaluation order), and their targets.
    public func slice(
        from start: Int, count n: Int, into x: Matrix, labels: UnsafeMutablePointer<Int32>?,
        targets: Matrix? = nil
    ) {
        x.resize(rows: n)
        targets?.resize(rows: n)
        let f = features
        withBuffers { bytes, floats, scale, lab, vals, w in
            if let bytes { Dataset.convert(bytes + start * f, to: x.data, count: n * f, scale: scale) }
            if let floats { x.data.update(from: floats + start * f, count: n * f) }
            if let labels, let lab { for r in 0..<n { labels[r] = lab[start + r] } }
            if let t = targets?.data, let vals { t.update(from: vals + start * w, count: n * w) }
        }
    }

    /// Fills `out[0..<n]` with the loss weights of examples `indices[0..<n]`: each example's weight (1
    /// without) times the weight of its class in `classWeights` (class labels only; nil: 1). Returns
    /// their sum. A training step's weights, a handful per batch: one thread, no allocation.
    @discardableResult
    public func gatherWeights(
        _ indices: UnsafePointer<Int32>, count n: Int, classWeights: [Float]?,
        into out: UnsafeMutablePointer<Float>
    ) -> Double {
        func fill(_ w: UnsafePointer<Float>?, _ labels: UnsafePointer<Int32>?) -> Double {
            var sum: Double = 0
            for r in 0..<n {
                let i = Int(indices[r])
                var v: Float = w?[i] ?? 1
                if let classWeights, let labels { v *= classWeights[Int(labels[i])] }
                out[r] = v
                sum += Double(v)
            }
            return sum
        }
        var l: [Int32] = []
        if case .classes(let labels) = targets { l = labels } else { precondition(classWeights == nil, "class weights need class labels") }
        return l.withUnsafeBufferPointer { lab in
            if let weights { return weights.withUnsafeBufferPointer { fill($0.baseAddress, lab.baseAddress) } }
            return fill(nil, lab.baseAddress)
        }
    }

    /// The storage as pointers, for the duration of `body`.
    private func withBuffers(
        _ body: (
            UnsafePointer<UInt8>?, UnsafePointer<Float>?, Float, UnsafePointer<Int32>?,
            UnsafePointer<Float>?, Int
        ) -> Void
    ) {
        func withTargets(_ b: UnsafePointer<UInt8>?, _ f: UnsafePointer<Float>?, _ scale: Float) {
            switch targets {
            case .classes(let l): l.withUnsafeBufferPointer { body(b, f, scale, $0.baseAddress, nil, 0) }
            case .values(let v, let w): v.withUnsafeBufferPointer { body(b, f, scale, nil, $0.baseAddress, w) }
            }
        }
        switch storage {
        case .bytes(let b, let scale): b.withUnsafeBufferPointer { withTargets($0.baseAddress, nil, scale) }
        case .floats(let v): v.withUnsafeBufferPointer { withTargets(nil, $0.baseAddress, 1) }
        }
    }

    /// One gather's arguments, for the threads that share it.
    private struct Gather {
        let bytes: UnsafePointer<UInt8>?, floats: UnsafePointer<Float>?, scale: Float
        let labels: UnsafePointer<Int32>?, values: UnsafePointer<Float>?, width: Int
        let indices: UnsafePointer<Int32>
        let x: UnsafeMutablePointer<Float>, labelsOut: UnsafeMutablePointer<Int32>?, targetsOut: UnsafeMutablePointer<Float>?
        let features: Int, count: Int, rowsPerChunk: Int
        let distortion: BatchDistortion?

        func rows(_ rows: Range<Int>, chunk: Int) {
            let f = features
            if let bytes, let distortion {
                // Ask for the next example while distorting this one (microseconds each).
                for r in rows {
                    if r + 1 < rows.upperBound { Dataset.prefetch(bytes + Int(indices[r + 1]) * f, bytes: f) }
                    distortion.apply(row: r, image: bytes + Int(indices[r]) * f, scale: scale, into: x + r * f, chunk: chunk)
                }
            } else if let bytes {
                // Ask for the examples a few rows ahead while converting this one.
                let ahead = 4
                for r in rows.prefix(ahead) { Dataset.prefetch(bytes + Int(indices[r]) * f, bytes: f) }
                for r in rows {
                    if r + ahead < rows.upperBound { Dataset.prefetch(bytes + Int(indices[r + ahead]) * f, bytes: f) }
                    Dataset.convert(bytes + Int(indices[r]) * f, to: x + r * f, count: f, scale: scale)
                }
            } else if let floats {
                for r in rows { (x + r * f).update(from: floats + Int(indices[r]) * f, count: f) }
            }
            if let labels, let labelsOut { for r in rows { labelsOut[r] = labels[Int(indices[r])] } }
            if let values, let targetsOut {
                for r in rows { (targetsOut + r * width).update(from: values + Int(indices[r]) * width, count: width) }
            }
        }
    }

    /// Prefetches every cache line of `bytes` bytes at p.
    @inline(__always)
    static func prefetch(_ p: UnsafePointer<UInt8>, bytes: Int) {
        var o = 0
        while o < bytes {
            mlp_prefetch(p + o)
            o += 64
        }
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
        while j < n {
            d[j] = Float(s[j]) * scale
            j += 1
        }
    }

    /// How many examples of each class, for summaries and sanity checks.
    public var classCounts: [Int] {
        let l = labels
        var c = [Int](repeating: 0, count: classCount)
        for x in l { c[Int(x)] += 1 }
        return c
    }
}
