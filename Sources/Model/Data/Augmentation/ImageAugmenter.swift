// Distorting training images as they are gathered into a batch (`--augment`): each row of each
// batch gets its own random affine map (shift, rotation, scale, shear about the centre) and, with
// `elastic`, its own smoothed displacement field, and is resampled bilinearly from the source bytes
// into the batch as floats scaled like the plain gather. Every epoch draws afresh; the validation and
// test sets are never distorted (evaluation reads them with Dataset.slice, not the gather).
//
// Determinism: the generator takes one 64-bit key per batch (its state is part of a checkpoint), and
// row r of the batch (batch-wide: a data-parallel rank's rows keep their numbers) draws from its own
// xoshiro stream seeded by (key, r), as dropout's masks do. So a row's distortion does not depend on
// which thread, chunk or rank computes it, and the same seed gives the same images.
//
// Memory: everything is allocated when the augmenter is made, sized for the image and the batch: a
// slot of scratch per chunk of rows (the source as zero-margined floats, the random field, the
// convolution's buffers, the two displacement fields), the kernel and the pixel coordinates. A chunk
// of the gather uses the slot of its number, so the step allocates nothing and threads never share
// a slot.

public final class ImageAugmenter {
    public let spec: AugmentationSpec
    public let rows: Int, cols: Int
    /// The generator the batches' keys are drawn from (part of a checkpoint's state).
    public var rng: RandomGenerator
    /// Rows of a batch distorted by one chunk of the gather (one slot of scratch each).
    public let rowsPerChunk: Int
    /// Slots of scratch: one per chunk of the largest batch.
    public let slots: Int

    /// The largest image the sampling handles (its offsets are computed exactly in Float).
    public static let maxPixels = 1 << 22

    private let plan: Plan
    private let memory: UnsafeMutablePointer<Float>

    /// Everything a chunk of the gather needs, as plain values and pointers (handed to other threads
    /// without reference counting).
    struct Plan {
        let rows: Int, cols: Int
        let shift: Float, rotate: Double, scaleX: Float, scaleY: Float, independentScale: Bool, scaled: Bool, shear: Float
        let elastic: Bool, alpha: Float, radius: Int
        let kernel: UnsafeMutablePointer<Float>
        let u: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
        let scratch: UnsafeMutablePointer<Float>
        let slotFloats: Int
        // Offsets within a slot.
        let paddedAt: Int, fieldAt: Int, smoothAt: Int, dxAt: Int, dyAt: Int
    }

    /// An augmenter for `rows` × `cols` images and batches of up to `batchSize` rows, its generator
    /// seeded from `seed`.
    public init(spec: AugmentationSpec, rows: Int, cols: Int, batchSize: Int, seed: UInt64) {
        precondition(rows >= 1 && cols >= 1 && (rows + 3) * (cols + 3) <= ImageAugmenter.maxPixels, "image too large to augment")
        self.spec = spec
        self.rows = rows
        self.cols = cols
        rng = RandomGenerator(seed: seed ^ 0x4155_474D_454E_5421)
        // Small chunks balance the threads (a row with an elastic field costs some microseconds); at
        // most 64 of them, so the scratch stays small for large batches.
        rowsPerChunk = max(4, (batchSize + 63) / 64)
        slots = max(1, (batchSize + rowsPerChunk - 1) / rowsPerChunk)
        let n = rows * cols
        let radius = spec.elastic.map { ElasticField.radius(sigma: $0.sigma) } ?? 0
        let padded = ImageWarp.paddedCount(rows: rows, cols: cols)
        let field = spec.elastic != nil ? 2 * n : 0
        let smooth = spec.elastic != nil ? ElasticField.scratchCount(rows: rows, cols: cols, radius: radius) : 0
        let fields = spec.elastic != nil ? 2 * (n + 8) : 0
        // Each slot starts on its own cache line.
        let slotFloats = (padded + field + smooth + fields + 15) & ~15
        let kernelCount = 2 * radius + 1
        let fixed = kernelCount + 2 * (n + 8)
        memory = .allocate(capacity: fixed + slots * slotFloats + 16)
        memory.initialize(repeating: 0, count: fixed + slots * slotFloats + 16)
        let kernel = memory
        let u = memory + kernelCount
        let v = u + n + 8
        if let e = spec.elastic {
            for (i, w) in ElasticField.kernel(sigma: e.sigma).enumerated() { kernel[i] = w }
        }
        ImageWarp.fillCoordinates(rows: rows, cols: cols, u: u, v: v)
        // Align the slots to 64 bytes.
        let base = v + n + 8
        let misalignment = (Int(bitPattern: base) / MemoryLayout<Float>.stride) & 15
        let scratch = base + (16 - misalignment) % 16
        let scale = spec.scale ?? AugmentationSpec.Scale(x: 0, y: 0, independent: false)
        plan = Plan(
            rows: rows, cols: cols, shift: spec.shift ?? 0, rotate: Double(spec.rotate ?? 0) * .pi / 180,
            scaleX: scale.x, scaleY: scale.y, independentScale: scale.independent, scaled: spec.scale != nil,
            shear: spec.shear ?? 0, elastic: spec.elastic != nil, alpha: spec.elastic?.alpha ?? 0, radius: radius,
            kernel: kernel, u: u, v: v, scratch: scratch, slotFloats: slotFloats,
            paddedAt: 0, fieldAt: padded, smoothAt: padded + field, dxAt: padded + field + smooth,
            dyAt: padded + field + smooth + n + 8)
    }

    deinit { memory.deallocate() }

    /// The key of the next batch (one per step, whether or not this process computes any of its rows).
    @inline(__always)
    public func nextKey() -> UInt64 { rng.next() }

    /// The distortion of the batch keyed `key`, whose first row here is row `firstRow` of the batch.
    public func batch(key: UInt64, firstRow: Int = 0) -> BatchDistortion {
        BatchDistortion(plan: plan, key: key, firstRow: firstRow, rowsPerChunk: rowsPerChunk, slots: slots)
    }

    /// Row `row` of the batch keyed `key`: `image` (rows × cols bytes) distorted into `out` (rows × cols
    /// floats, times `scale`). Uses the first slot: not for use while a gather runs.
    public func distort(_ image: UnsafePointer<UInt8>, key: UInt64, row: Int, scale: Float, into out: UnsafeMutablePointer<Float>) {
        plan.distort(image, key: key, row: row, scale: scale, into: out, slot: 0)
    }

    /// The affine map row `row` of the batch keyed `key` gets (what `distort` applies before the
    /// elastic field).
    public func map(key: UInt64, row: Int) -> AffineMap {
        var g = Plan.stream(key: key, row: row)
        return plan.drawMap(&g)
    }
}

/// One batch's distortion, for the chunks of the gather (plain values: copied to the threads freely).
public struct BatchDistortion {
    let plan: ImageAugmenter.Plan
    let key: UInt64
    let firstRow: Int
    /// Rows per chunk of the gather: chunk c uses scratch slot c.
    public let rowsPerChunk: Int
    let slots: Int

    /// Row r of this process's part of the batch, from `image` into `out`, with the scratch of chunk `chunk`.
    @inline(__always)
    public func apply(row r: Int, image: UnsafePointer<UInt8>, scale: Float, into out: UnsafeMutablePointer<Float>, chunk: Int) {
        precondition(chunk < slots, "a gather has more chunks than the augmenter has scratch for")
        plan.distort(image, key: key, row: firstRow + r, scale: scale, into: out, slot: chunk)
    }
}

extension ImageAugmenter.Plan {
    /// Row `row`'s own generator for the batch keyed `key`.
    @inline(__always)
    static func stream(key: UInt64, row: Int) -> RandomGenerator {
        RandomGenerator(seed: key ^ (UInt64(row) &* 0xA24B_AED4_963E_E407))
    }

    /// Draws the affine map: shift, rotation, scale, shear, in that order (a part not asked for draws nothing).
    @inline(__always)
    func drawMap(_ g: inout RandomGenerator) -> AffineMap {
        var dx: Double = 0
        var dy: Double = 0
        var angle: Double = 0
        var sx: Double = 1
        var sy: Double = 1
        var h: Double = 0
        if shift > 0 {
            dx = Double(g.uniform(-shift, shift))
            dy = Double(g.uniform(-shift, shift))
        }
        if rotate > 0 { angle = Double(g.uniform(-1, 1)) * rotate }
        if scaled {
            sx = 1 + Double(g.uniform(-scaleX, scaleX))
            sy = independentScale ? 1 + Double(g.uniform(-scaleY, scaleY)) : sx
        }
        if shear > 0 { h = Double(g.uniform(-shear, shear)) }
        if dx == 0 && dy == 0 && angle == 0 && sx == 1 && sy == 1 && h == 0 { return .identity }
        return .distortion(rotation: angle, scaleX: sx, scaleY: sy, shear: h, shiftX: dx, shiftY: dy)
    }

    @inline(__always)
    func distort(_ image: UnsafePointer<UInt8>, key: UInt64, row: Int, scale: Float, into out: UnsafeMutablePointer<Float>, slot: Int) {
        var g = Self.stream(key: key, row: row)
        let map = drawMap(&g)
        let base = scratch + slot * slotFloats
        let padded = base + paddedAt
        ImageWarp.pad(image, rows: rows, cols: cols, into: padded)
        var dx: UnsafeMutablePointer<Float>?
        var dy: UnsafeMutablePointer<Float>?
        if elastic {
            let n = rows * cols
            let field = base + fieldAt
            ElasticField.fillUniform(field, count: 2 * n, &g)
            dx = base + dxAt
            dy = base + dyAt
            ElasticField.smooth(
                field, rows: rows, cols: cols, kernel: kernel, radius: radius, alpha: alpha,
                into: dx!, scratch: base + smoothAt)
            ElasticField.smooth(
                field + n, rows: rows, cols: cols, kernel: kernel, radius: radius, alpha: alpha,
                into: dy!, scratch: base + smoothAt)
        }
        ImageWarp.sample(padded, rows: rows, cols: cols, map: map, u: u, v: v, dx: dx, dy: dy, scale: scale, into: out)
    }
}
