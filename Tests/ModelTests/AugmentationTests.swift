// The image distortions of --augment, checked against direct reference implementations written here
// in Double (rotations read by nearest and bilinear interpolation, whole-pixel translations exactly,
// the elastic field's smoothing against a separable Gaussian), on synthetic images of odd sizes; the
// spec's syntax; and the determinism of the distorted batches whatever runs their chunks.
import Foundation
import XCTest

@testable import Model

final class AugmentationTests: XCTestCase {
    /// A known image: a smooth pattern plus a few sharp edges, so a wrong pixel shows.
    func image(rows: Int, cols: Int) -> [UInt8] {
        (0..<(rows * cols)).map { p in
            let x = p % cols
            let y = p / cols
            let smooth = 100 + 80 * _sin(Double(x) * 0.7) * _cos(Double(y) * 0.4)
            return UInt8(max(0, min(255, smooth + (x == 3 || y == rows / 2 ? 60 : 0))))
        }
    }

    /// The source image at (x, y) read the reference way: Double arithmetic, 0 outside.
    func pixel(_ img: [UInt8], _ rows: Int, _ cols: Int, _ x: Int, _ y: Int) -> Double {
        x >= 0 && x < cols && y >= 0 && y < rows ? Double(img[y * cols + x]) : 0
    }

    func bilinear(_ img: [UInt8], _ rows: Int, _ cols: Int, _ sx: Double, _ sy: Double) -> Double {
        let x0 = sx.rounded(.down)
        let y0 = sy.rounded(.down)
        let fx = sx - x0
        let fy = sy - y0
        let (i, j) = (Int(x0), Int(y0))
        return (1 - fx) * (1 - fy) * pixel(img, rows, cols, i, j) + fx * (1 - fy) * pixel(img, rows, cols, i + 1, j)
            + (1 - fx) * fy * pixel(img, rows, cols, i, j + 1) + fx * fy * pixel(img, rows, cols, i + 1, j + 1)
    }

    /// Where output pixel (x, y) reads the source for a rotation by θ (clockwise on screen, y down)
    /// about the centre: the rotation by −θ of (x, y) about it.
    func rotatedSource(_ x: Int, _ y: Int, _ theta: Double, rows: Int, cols: Int) -> (Double, Double) {
        let cx = Double(cols - 1) / 2
        let cy = Double(rows - 1) / 2
        let u = Double(x) - cx
        let v = Double(y) - cy
        return (_cos(theta) * u + _sin(theta) * v + cx, -_sin(theta) * u + _cos(theta) * v + cy)
    }

    func testWholePixelTranslationsAreExact() {
        let rows = 13
        let cols = 17
        let img = image(rows: rows, cols: cols)
        for (dx, dy) in [(3, -2), (0, 5), (-16, 0), (1, 1), (20, 0)] {
            let map = AffineMap.distortion(rotation: 0, scaleX: 1, scaleY: 1, shear: 0, shiftX: Double(dx), shiftY: Double(dy))
            let scale: Float = 1.0 / 255
            for interpolation in [Interpolation.bilinear, .nearest] {
                let out = ImageWarp.warp(img, rows: rows, cols: cols, map: map, interpolation: interpolation, scale: scale)
                for y in 0..<rows {
                    for x in 0..<cols {
                        let expected = Float(pixel(img, rows, cols, x - dx, y - dy)) * scale
                        XCTAssertEqual(out[y * cols + x], expected, "shift (\(dx), \(dy)) at (\(x), \(y))")
                    }
                }
            }
        }
        // The identity gives the plain gather's floats, bit for bit.
        let same = ImageWarp.warp(img, rows: rows, cols: cols, map: .identity, scale: 1.0 / 255)
        XCTAssertEqual(same, img.map { Float($0) * (1.0 / 255) })
    }

    func testQuarterTurnsPermuteThePixels() {
        // A square image turned by 90°: output (x, y) is source (y, n − 1 − x); by 180°: (n − 1 − x, n − 1 − y).
        let n = 11
        let img = image(rows: n, cols: n)
        for (degrees, source) in [
            (90.0, { (x: Int, y: Int) in (y, n - 1 - x) }), (180.0, { (x: Int, y: Int) in (n - 1 - x, n - 1 - y) }),
            (-90.0, { (x: Int, y: Int) in (n - 1 - y, x) }),
        ] {
            let map = AffineMap.distortion(rotation: degrees * .pi / 180, scaleX: 1, scaleY: 1, shear: 0, shiftX: 0, shiftY: 0)
            let nearest = ImageWarp.warp(img, rows: n, cols: n, map: map, interpolation: .nearest)
            let smooth = ImageWarp.warp(img, rows: n, cols: n, map: map)
            for y in 0..<n {
                for x in 0..<n {
                    let (sx, sy) = source(x, y)
                    XCTAssertEqual(nearest[y * n + x], Float(img[sy * n + sx]), "\(degrees)° nearest at (\(x), \(y))")
                    // cos 90° is 6e-17 in Double, not 0: bilinear weights off by about 1e-6.
                    XCTAssertEqual(smooth[y * n + x], Float(img[sy * n + sx]), accuracy: 1e-3, "\(degrees)° bilinear at (\(x), \(y))")
                }
            }
        }
    }

    func testRotationsMatchTheReferenceNearestAndBilinear() {
        let rows = 19
        let cols = 26
        let img = image(rows: rows, cols: cols)
        for degrees in [15.0, -37.5, 3.0, 123.0] {
            let theta = degrees * .pi / 180
            let map = AffineMap.distortion(rotation: theta, scaleX: 1, scaleY: 1, shear: 0, shiftX: 0, shiftY: 0)
            let nearest = ImageWarp.warp(img, rows: rows, cols: cols, map: map, interpolation: .nearest)
            let smooth = ImageWarp.warp(img, rows: rows, cols: cols, map: map)
            var ties = 0
            var outside = 0
            for y in 0..<rows {
                for x in 0..<cols {
                    let (sx, sy) = rotatedSource(x, y, theta, rows: rows, cols: cols)
                    if sx < -1 || sy < -1 || sx > Double(cols) || sy > Double(rows) { outside += 1 }
                    XCTAssertEqual(
                        Double(smooth[y * cols + x]), bilinear(img, rows, cols, sx, sy), accuracy: 0.01,
                        "\(degrees)° bilinear at (\(x), \(y))")
                    // Nearest: positions within a hair of halfway between two pixels may round either way in Float.
                    let fracX = sx - sx.rounded(.down)
                    let fracY = sy - sy.rounded(.down)
                    if abs(fracX - 0.5) < 1e-4 || abs(fracY - 0.5) < 1e-4 {
                        ties += 1
                        continue
                    }
                    let expected = pixel(img, rows, cols, Int((sx + 0.5).rounded(.down)), Int((sy + 0.5).rounded(.down)))
                    XCTAssertEqual(Double(nearest[y * cols + x]), expected, "\(degrees)° nearest at (\(x), \(y))")
                }
            }
            XCTAssertLessThan(ties, 4, "\(degrees)°: few positions sit on a tie")
            if degrees == 123 { XCTAssertGreaterThan(outside, 0, "the rotation reads from outside the image, which is 0") }
        }
    }

    func testScaleShearAndShiftComposeAsTheReferenceSays() {
        let rows = 21
        let cols = 15
        let img = image(rows: rows, cols: cols)
        let (theta, sx, sy, h, dx, dy) = (0.3, 1.12, 0.9, -0.25, 1.5, -0.75)
        let map = AffineMap.distortion(rotation: theta, scaleX: sx, scaleY: sy, shear: h, shiftX: dx, shiftY: dy)
        let out = ImageWarp.warp(img, rows: rows, cols: cols, map: map)
        // Forward: p' = R·H·S·(p − c) + c + t. The reference inverts it by solving the 2×2 system.
        let cx = Double(cols - 1) / 2
        let cy = Double(rows - 1) / 2
        let m = [[_cos(theta) * sx, (_cos(theta) * h - _sin(theta)) * sy], [_sin(theta) * sx, (_sin(theta) * h + _cos(theta)) * sy]]
        let det = m[0][0] * m[1][1] - m[0][1] * m[1][0]
        for y in 0..<rows {
            for x in 0..<cols {
                let bx = Double(x) - cx - dx
                let by = Double(y) - cy - dy
                let u = (m[1][1] * bx - m[0][1] * by) / det
                let v = (-m[1][0] * bx + m[0][0] * by) / det
                XCTAssertEqual(Double(out[y * cols + x]), bilinear(img, rows, cols, u + cx, v + cy), accuracy: 0.01, "at (\(x), \(y))")
            }
        }
        // The forward map sends the source's centre to the centre moved by t.
        let back = AffineMap.distortion(rotation: theta, scaleX: sx, scaleY: sy, shear: h, shiftX: dx, shiftY: dy)
        XCTAssertEqual(Double(back.a) * dx + Double(back.b) * dy + Double(back.tx), 0, accuracy: 1e-6)
    }

    /// The reference smoothing: Gaussian weights exp(−k²/2σ²) for |k| ≤ ⌈3σ⌉, normalized, zero
    /// outside the image; rows then columns, in Double.
    func referenceSmooth(_ f: [Float], rows: Int, cols: Int, sigma: Double, alpha: Double) -> [Double] {
        let r = Int((3 * sigma).rounded(.up))
        var w = (-r...r).map { k in exp(-Double(k * k) / (2 * sigma * sigma)) }
        let total = w.reduce(0, +)
        w = w.map { $0 / total }
        var mid = [Double](repeating: 0, count: rows * cols)
        var out = mid
        for y in 0..<rows {
            for x in 0..<cols {
                var s = 0.0
                for k in -r...r where x + k >= 0 && x + k < cols { s += w[k + r] * Double(f[y * cols + x + k]) }
                mid[y * cols + x] = s
            }
        }
        for y in 0..<rows {
            for x in 0..<cols {
                var s = 0.0
                for k in -r...r where y + k >= 0 && y + k < rows { s += w[k + r] * mid[(y + k) * cols + x] }
                out[y * cols + x] = alpha * s
            }
        }
        return out
    }

    func testElasticSmoothingMatchesASeparableGaussianInDouble() {
        var g = RandomGenerator(seed: 3)
        for (rows, cols, sigma, alpha) in [
            (28, 28, 4.0, 34.0), (13, 37, 1.0, 5.0), (9, 5, 0.7, 1.0), (31, 20, 6.0, 50.0), (4, 3, 2.0, 2.0),
        ] {
            let field = (0..<(rows * cols)).map { _ in g.uniform(-1, 1) }
            let ours = ElasticField.smoothed(field, rows: rows, cols: cols, sigma: Float(sigma), alpha: Float(alpha))
            let reference = referenceSmooth(field, rows: rows, cols: cols, sigma: sigma, alpha: alpha)
            var worst = 0.0
            for i in reference.indices { worst = max(worst, abs(Double(ours[i]) - reference[i])) }
            XCTAssertLessThan(worst, 2e-6 * alpha, "\(rows)×\(cols), σ \(sigma): worst difference \(worst)")
            // Smoothing shrinks a random field: its largest displacement is well below α.
            XCTAssertLessThan(reference.map(abs).max()!, 0.6 * alpha)
        }
        XCTAssertEqual(ElasticField.radius(sigma: 4), 12)
        XCTAssertEqual(ElasticField.kernel(sigma: 4).count, 25)
        XCTAssertEqual(Double(ElasticField.kernel(sigma: 1.3).reduce(0, +)), 1, accuracy: 1e-6)
    }

    func testADisplacementFieldMovesWhereThePixelsAreRead() {
        // A constant field of (−2, +1) reads each pixel 2 to the left and 1 below: the image moves right 2, up 1.
        let rows = 10
        let cols = 12
        let img = image(rows: rows, cols: cols)
        let dx = [Float](repeating: -2, count: rows * cols)
        let dy = [Float](repeating: 1, count: rows * cols)
        let out = ImageWarp.warp(img, rows: rows, cols: cols, map: .identity, dx: dx, dy: dy)
        for y in 0..<rows {
            for x in 0..<cols {
                XCTAssertEqual(out[y * cols + x], Float(pixel(img, rows, cols, x - 2, y + 1)), "at (\(x), \(y))")
            }
        }
    }

    func testSpecSyntaxDefaultsAndToken() throws {
        let full = try AugmentationSpec.parse("shift:2,rotate:15,scale:0.15,shear:0.3,elastic:34:4")
        XCTAssertEqual(
            full,
            AugmentationSpec(
                shift: 2, rotate: 15, scale: .init(x: 0.15, y: 0.15, independent: false), shear: 0.3,
                elastic: .init(alpha: 34, sigma: 4)))
        XCTAssertEqual(full.token, "shift:2,rotate:15,scale:0.15,shear:0.3,elastic:34:4")
        // Bare parts take their defaults; the order of the parts does not matter; spaces and case are forgiven.
        XCTAssertEqual(try AugmentationSpec.parse("elastic, Shear,scale,rotate,shift"), full)
        XCTAssertEqual(try AugmentationSpec.parse("elastic:20").elastic, .init(alpha: 20, sigma: 4))
        let apart = try AugmentationSpec.parse("scale:0.1:0.2,rotate:7.5")
        XCTAssertEqual(apart.token, "rotate:7.5,scale:0.1:0.2")
        XCTAssertEqual(try AugmentationSpec.parse(apart.token), apart)
    }

    func testMalformedSpecsNameThePartAndWhatWasExpected() {
        let cases: [(String, String)] = [
            (
                "rotat:15",
                "unknown part 'rotat' (did you mean 'rotate'?); the parts are shift[:PIXELS], rotate[:DEGREES], scale[:F[:FY]], shear[:S], elastic[:ALPHA[:SIGMA]]"
            ),
            ("rotate:abc", "'rotate:abc': rotate expects a number of degrees from 0 to 180 (rotate[:DEGREES], e.g. rotate:15), got 'abc'"),
            ("rotate:200", "'rotate:200': rotate expects a number of degrees from 0 to 180 (rotate[:DEGREES], e.g. rotate:15), got '200'"),
            ("shift:-1", "'shift:-1': shift expects a number of pixels from 0 to 1000 (shift[:PIXELS], e.g. shift:2), got '-1'"),
            (
                "scale:1.5",
                "'scale:1.5': scale expects a fraction from 0 to 0.9 (the factor stays in 1 ± F) (scale[:F[:FY]], e.g. scale:0.15), got '1.5'"
            ),
            (
                "elastic:34:0",
                "'elastic:34:0': elastic expects SIGMA, a number of pixels above 0 and at most 50 (elastic[:ALPHA[:SIGMA]], e.g. elastic:34:4), got '0'"
            ),
            ("elastic:34:4:1", "'elastic:34:4:1': elastic takes at most 2 values (elastic[:ALPHA[:SIGMA]]), got 3"),
            ("shift:", "'shift:': shift expects a number of pixels from 0 to 1000 (shift[:PIXELS], e.g. shift:2), got nothing"),
            ("shift,,rotate", "part 2 is empty; expected comma-separated parts, e.g. shift:2,rotate:15,elastic:34:4"),
            ("shift:1,shift:2", "'shift' is given twice"),
            ("", "part 1 is empty; expected comma-separated parts, e.g. shift:2,rotate:15,elastic:34:4"),
            ("shear:nan", "'shear:nan': shear expects a shear factor from 0 to 10 (shear[:S], e.g. shear:0.3), got 'nan'"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try AugmentationSpec.parse(text), text) { e in
                XCTAssertEqual((e as? AugmentationSpecError)?.message, message, text)
            }
        }
    }

    /// Runs a loop's chunks last first.
    final class ReversedLoops: LoopRunner {
        func run(chunks: Int, context: UnsafeRawPointer, _ body: ChunkFunction) {
            for c in (0..<chunks).reversed() { body(context, c) }
        }
    }

    func dataset(count: Int, rows: Int, cols: Int) -> Dataset {
        var g = RandomGenerator(seed: 11)
        let pixels = (0..<(count * rows * cols)).map { _ in UInt8(g.below(256)) }
        return Dataset(pixels: pixels, labels: (0..<count).map { Int32($0 % 3) }, count: count, rows: rows, cols: cols)
    }

    func gathered(_ data: Dataset, _ indices: [Int32], distortion: BatchDistortion?, loops: Loops = Loops()) -> [Float] {
        let x = Matrix(rows: indices.count, cols: data.features)
        let labels = UnsafeMutablePointer<Int32>.allocate(capacity: max(indices.count, 1))
        defer { labels.deallocate() }
        indices.withUnsafeBufferPointer {
            data.gather($0.baseAddress!, count: indices.count, into: x, labels: labels, targets: nil, loops: loops, distortion: distortion)
        }
        XCTAssertEqual((0..<indices.count).map { labels[$0] }, indices.map { $0 % 3 })
        return x.values
    }

    func testABatchIsTheSameWhateverRunsItsChunksAndWhichRankHoldsItsRows() throws {
        let data = dataset(count: 40, rows: 9, cols: 14)
        let spec = try AugmentationSpec.parse("shift:2,rotate:20,scale:0.1:0.2,shear:0.3,elastic:8:2")
        let indices: [Int32] = (0..<37).map { Int32(($0 * 7) % 40) }
        let aug = ImageAugmenter(spec: spec, rows: 9, cols: 14, batchSize: 37, seed: 5)
        let key = aug.nextKey()
        let whole = gathered(data, indices, distortion: aug.batch(key: key))
        XCTAssertEqual(gathered(data, indices, distortion: aug.batch(key: key), loops: Loops(ReversedLoops())), whole)
        // A rank holding rows 10..<25 of the batch distorts exactly those rows.
        let f = data.features
        XCTAssertEqual(
            gathered(data, Array(indices[10..<25]), distortion: aug.batch(key: key, firstRow: 10)),
            Array(whole[(10 * f)..<(25 * f)]))
        // Another augmenter with the same seed draws the same keys; the next batch is distorted anew.
        let again = ImageAugmenter(spec: spec, rows: 9, cols: 14, batchSize: 37, seed: 5)
        XCTAssertEqual(again.nextKey(), key)
        XCTAssertNotEqual(gathered(data, indices, distortion: again.batch(key: again.nextKey())), whole)
        // Each row differs from the plain gather, and the pixels stay within the source's range.
        let plain = gathered(data, indices, distortion: nil)
        for r in 0..<indices.count { XCTAssertNotEqual(Array(whole[(r * f)..<((r + 1) * f)]), Array(plain[(r * f)..<((r + 1) * f)])) }
        XCTAssertTrue(whole.allSatisfy { $0 >= 0 && $0 <= 1.0001 })
        // A spec of zero magnitudes gathers what the plain gather does, bit for bit.
        let none = ImageAugmenter(spec: try AugmentationSpec.parse("shift:0,rotate:0"), rows: 9, cols: 14, batchSize: 37, seed: 5)
        XCTAssertEqual(gathered(data, indices, distortion: none.batch(key: none.nextKey())), plain)
    }

    func testTheDrawnDistortionsSpanTheSpec() throws {
        // Rotation only: the map is a rotation by an angle in [−10°, 10°], and the angles spread over it.
        let aug = ImageAugmenter(spec: try AugmentationSpec.parse("rotate:10"), rows: 8, cols: 8, batchSize: 1, seed: 1)
        var angles: [Double] = []
        for row in 0..<400 {
            let m = aug.map(key: 99, row: row)
            XCTAssertEqual(Double(m.a), Double(m.d), accuracy: 1e-6)
            XCTAssertEqual(Double(m.a * m.a + m.c * m.c), 1, accuracy: 1e-5)
            angles.append(atan2(Double(m.c), Double(m.a)) * 180 / .pi)
        }
        XCTAssertLessThanOrEqual(angles.map(abs).max()!, 10.0001)
        XCTAssertGreaterThan(angles.max()!, 9)
        XCTAssertLessThan(angles.min()!, -9)
        XCTAssertEqual(angles.reduce(0, +) / 400, 0, accuracy: 1)
    }

    func testTrainingWithAugmentationDoesNotDependOnTheRunner() throws {
        let data = dataset(count: 60, rows: 6, cols: 7)
        func train(_ loops: Loops, augment: String?) throws -> [[Float]] {
            let net = Network(
                inputs: 42, specs: try Architecture.parse("12:relu,dropout:0.2,3", classes: 3), loss: SoftmaxCrossEntropy(),
                seed: 2, loops: loops)
            let trainer = Trainer(
                network: net, optimizer: SGD(network: net, momentum: 0.9), schedule: LearningRateSchedule(base: 0.05),
                batchSize: 16, epochs: 2, seed: 4)
            if let augment {
                trainer.augmenter = ImageAugmenter(spec: try AugmentationSpec.parse(augment), rows: 6, cols: 7, batchSize: 16, seed: 4)
            }
            for e in 1...2 {
                let r = trainer.runEpoch(e, on: data)!
                XCTAssertEqual(r.augmentSeconds > 0, augment != nil)
            }
            return net.store.parameters.map(\.values)
        }
        let spec = "shift:1,rotate:10,elastic:6:1.5"
        let inline = try train(Loops(), augment: spec)
        XCTAssertEqual(try train(Loops(ReversedLoops()), augment: spec), inline)
        XCTAssertNotEqual(try train(Loops(), augment: nil), inline, "the distortions change what is learnt")
    }
}
