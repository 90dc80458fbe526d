// Behaviour the gradient checks do not cover: evaluation modes, odd batch sizes, buffer reuse,
// parsing, schedules.
import Foundation
import XCTest

@testable import Model

final class LayerBehaviourTests: XCTestCase {
    func testDropoutIsIdentityInEvaluationAndScaledInTraining() {
        let d = Dropout(rate: 0.5, features: 1000, seed: 1)
        let x = Matrix(rows: 4, cols: 1000, values: [Float](repeating: 1, count: 4000))
        XCTAssertTrue(d.forward(x, training: false) === x)
        let y = d.forward(x, training: true).values
        XCTAssertTrue(y.allSatisfy { $0 == 0 || $0 == 2 })
        let kept = Float(y.filter { $0 == 2 }.count) / 4000
        XCTAssertEqual(kept, 0.5, accuracy: 0.05)
        XCTAssertEqual(y.reduce(0, +) / 4000, 1, accuracy: 0.1, "inverted dropout keeps the mean")
    }

    /// Runs a loop's chunks last first: a runner that gets the same answer as inline only if no
    /// chunk depends on another having run.
    final class ReversedLoops: LoopRunner {
        func run(chunks: Int, context: UnsafeRawPointer, _ body: ChunkFunction) {
            for c in (0..<chunks).reversed() { body(context, c) }
        }
    }

    func testDropoutMaskDoesNotDependOnTheRunnerOrTheRankSplit() {
        // 4,099 features: three rows per chunk, so ten rows are four chunks, and a tail of three
        // entries after the last full 64-bit draw of each row.
        let f = 4099
        let ones = Matrix(rows: 10, cols: f, values: [Float](repeating: 1, count: 10 * f))
        let inline = Dropout(rate: 0.5, features: f, seed: 9)
        let whole = inline.forward(ones, training: true).values
        let reversed = Dropout(rate: 0.5, features: f, seed: 9, loops: Loops(ReversedLoops()))
        XCTAssertEqual(reversed.forward(ones, training: true).values, whole)
        // A rank holding rows 3..<7 of the batch draws exactly those rows' mask.
        let rank = Dropout(rate: 0.5, features: f, seed: 9)
        rank.shareBatch(before: 3, own: 4, after: 3)
        let mine = Matrix(rows: 4, cols: f, values: [Float](repeating: 1, count: 4 * f))
        XCTAssertEqual(rank.forward(mine, training: true).values, Array(whole[(3 * f)..<(7 * f)]))
        XCTAssertEqual(rank.rng.words, inline.rng.words)
        // A rank with no rows still moves its generator by the step, as the others do.
        let idle = Dropout(rate: 0.5, features: f, seed: 9)
        idle.shareBatch(before: 0, own: 0, after: 10)
        XCTAssertEqual(idle.rng.words, inline.rng.words)
        // The next step draws another mask.
        XCTAssertNotEqual(inline.forward(ones, training: true).values, whole)
    }

    /// The activation backward that also sums db over the rows (Dense's): dZ as the plain pass
    /// computes it, db against a direct sum in Double, and the same bits whichever order the chunks
    /// run in. Shapes from one chunk to the 64-chunk cap (then several rows per chunk of a wide layer).
    func testActivationBackwardSumsTheBiasGradientInChunks() {
        var rng = RandomGenerator(seed: 4)
        for (rows, width) in [(5, 3), (300, 100), (1000, 37), (256, 1024), (200, 4099)] {
            for f in rows * width > 100_000 ? [Activation.relu] : [.relu, .tanh, .gelu] {
                let n = rows * width
                let dy = (0..<n).map { _ in rng.normal() }
                let z = (0..<n).map { _ in rng.normal() }
                let y = z.map { f == .relu ? max($0, 0) : f == .tanh ? Float(Foundation.tanh(Double($0))) : $0 }
                var plain = [Float](repeating: 0, count: n)
                f.backward(dy: dy, z: z, y: y, dz: &plain, count: n, loops: Loops())
                func fused(_ loops: Loops) -> (dz: [Float], db: [Float]) {
                    var dz = [Float](repeating: .nan, count: n)
                    var db = [Float](repeating: .nan, count: width)
                    var partials = [Float](repeating: .nan, count: f.biasChunks(rows: rows, width: width) * width)
                    XCTAssertLessThanOrEqual(f.biasChunks(rows: rows, width: width), min(rows, Activation.maxBiasChunks))
                    f.backward(dy: dy, z: z, y: y, dz: &dz, rows: rows, width: width, partials: &partials, db: &db, loops: loops)
                    return (dz, db)
                }
                let a = fused(Loops())
                let b = fused(Loops(ReversedLoops()))
                XCTAssertEqual(a.dz, plain, "\(f) \(rows)×\(width): dZ")
                XCTAssertEqual(a.db, b.db, "\(f) \(rows)×\(width): db depends on the chunks' order")
                XCTAssertEqual(a.dz, b.dz)
                for j in 0..<width {
                    let exact = (0..<rows).reduce(0.0) { $0 + Double(plain[$1 * width + j]) }
                    let scale = (0..<rows).reduce(0.0) { $0 + abs(Double(plain[$1 * width + j])) }
                    XCTAssertEqual(Double(a.db[j]), exact, accuracy: 1e-6 * max(scale, 1), "\(f) \(rows)×\(width): db[\(j)]")
                }
            }
        }
    }

    func testDropoutRealizesItsRateAtAnOddWidth() {
        let d = Dropout(rate: 0.2, features: 7, seed: 3)
        let n = 20_000 * 7
        let y = d.forward(Matrix(rows: 20_000, cols: 7, values: [Float](repeating: 1, count: n)), training: true).values
        XCTAssertTrue(y.allSatisfy { $0 == 0 || $0 == 1.25 })
        let kept = Double(y.filter { $0 != 0 }.count) / Double(n)
        XCTAssertEqual(kept, 0.8, accuracy: 0.004)  // about 4 standard deviations
        // Every column (including the last three of a row, drawn from the row's tail) keeps its rate.
        for c in 0..<7 {
            let column = stride(from: c, to: n, by: 7).filter { y[$0] != 0 }.count
            XCTAssertEqual(Double(column) / 20_000, 0.8, accuracy: 0.012, "column \(c)")
        }
    }

    func testNothingInFrontOfTheFirstDenseLayerComputesAnInputGradient() throws {
        let net = Network(
            inputs: 5, specs: try Architecture.parse("dropout:0.2,8:relu,dropout:0.5,3", classes: 3),
            loss: SoftmaxCrossEntropy(), seed: 1)
        XCTAssertEqual(net.layers.map(\.computesInputGradient), [false, false, true, true])
    }

    func testBatchNormUsesRunningStatisticsInEvaluation() {
        let bn = BatchNorm(features: 2, momentum: 1)  // momentum 1: running stats = last batch's
        let x = Matrix(rows: 4, cols: 2, values: [1, 10, 2, 20, 3, 30, 4, 40])
        let y = bn.forward(x, training: true).values
        XCTAssertEqual(y[0], -1.3416, accuracy: 1e-3)  // (1 − 2.5)/√1.25
        XCTAssertEqual(bn.runningMean.values, [2.5, 25])
        XCTAssertEqual(bn.runningVar.values[0], 1.25 * 4 / 3, accuracy: 1e-5)  // unbiased, as PyTorch
        let e = bn.forward(Matrix(rows: 1, cols: 2, values: [2.5, 25]), training: false).values
        XCTAssertEqual(e[0], 0, accuracy: 1e-6)
        XCTAssertEqual(e[1], 0, accuracy: 1e-6)
    }

    func testBatchNormWithABatchOfOneStaysFinite() {
        let net = Network(
            inputs: 3,
            specs: [
                .dense(units: 4, activation: .linear), .batchNorm(momentum: 0.1),
                .activation(.relu), .dense(units: 2, activation: .linear),
            ],
            loss: SoftmaxCrossEntropy(), seed: 1)
        let opt = SGD(network: net, momentum: 0.9)
        let x = Matrix(rows: 1, cols: 3, values: [0.5, -1, 2])
        let labels: [Int32] = [1]
        let r = labels.withUnsafeBufferPointer { net.trainStep(x, labels: $0.baseAddress, optimizer: opt, lr: 0.1) }
        XCTAssertTrue(r.loss.isFinite)
        XCTAssertTrue(net.store.parameters.allSatisfy { $0.values.allSatisfy(\.isFinite) })
        XCTAssertTrue((net.layers[1] as! BatchNorm).runningVar.values.allSatisfy(\.isFinite))
    }

    func testBuffersAreReusedAcrossSteps() {
        let d = Dense(inputs: 3, outputs: 2, activation: .relu)
        let big = Matrix(rows: 8, cols: 3)
        let small = Matrix(rows: 3, cols: 3)
        let y1 = d.forward(big, training: true)
        let storage = y1.data
        let y2 = d.forward(small, training: true)
        XCTAssertTrue(y1 === y2)
        XCTAssertEqual(y2.rows, 3)
        XCTAssertEqual(y2.data, storage, "a smaller batch reuses the storage")
        _ = d.forward(big, training: true)
        XCTAssertEqual(y2.data, storage, "and growing back to the largest batch seen does not reallocate")
    }

    /// Dense keeps an empty Z buffer unless the activation's derivative needs Z (GELU, Swish); the
    /// backward pass read z[i] for tanh, sigmoid and leaky ReLU anyway, past the end of that buffer
    /// (AddressSanitizer in the checkpoint fuzz target). Here z points at unmapped memory: a read
    /// crashes the test.
    func testBackwardReadsZOnlyWhenTheDerivativeNeedsIt() {
        let unmapped = UnsafePointer<Float>(bitPattern: 16)!
        for f in [Activation.tanh, .sigmoid, .leakyReLU(alpha: 0.1), .relu, .linear] {
            let dy: [Float] = [1, 2, 3]
            let y: [Float] = [0.5, -0.5, 0.25]
            var dz = [Float](repeating: 0, count: 3)
            dz.withUnsafeMutableBufferPointer { f.backward(dy: dy, z: unmapped, y: y, dz: $0.baseAddress!, count: 3, loops: Loops()) }
            for i in 0..<3 { XCTAssertEqual(dz[i], dy[i] * f.derivative(z: 0, y: y[i]), "\(f)") }
        }
    }

    func testClippingBoundsTheGlobalNorm() {
        let net = Network(inputs: 2, specs: [.dense(units: 2, activation: .linear)], loss: MeanSquaredError(), seed: 1)
        let x = Matrix(rows: 1, cols: 2, values: [100, 100])
        let t = Matrix(rows: 1, cols: 2, values: [-100, 100])
        let opt = SGD(network: net, momentum: 0)
        let r = net.trainStep(x, labels: nil, targets: t, optimizer: opt, lr: 0, clipNorm: 1)
        XCTAssertGreaterThan(r.gradientNorm!, 1)
        XCTAssertEqual(net.gradientNorm(), 1, accuracy: 1e-4)
    }

    func testArchitectureParsing() throws {
        let specs = try Architecture.parse("512:relu, dropout:0.2,256:leaky_relu:0.1,batchnorm,gelu,10", classes: 10)
        XCTAssertEqual(
            specs,
            [
                .dense(units: 512, activation: .relu), .dropout(rate: 0.2),
                .dense(units: 256, activation: .leakyReLU(alpha: 0.1)), .batchNorm(momentum: 0.1),
                .activation(.gelu), .dense(units: 10, activation: .linear),
            ])
        XCTAssertEqual(Architecture.string(specs), "512:relu,dropout:0.2,256:leaky_relu:0.1,batchnorm,gelu,10")
        XCTAssertThrowsError(try Architecture.parse("512:rleu,10", classes: 10)) { e in
            XCTAssertTrue("\(e)".hasPrefix("bad layer '512:rleu' at position 1 of the architecture; accepted: N, N:ACT"), "\(e)")
        }
        XCTAssertThrowsError(try Architecture.parse("512:relu,dropout:1.5,10", classes: 10))
        XCTAssertThrowsError(try Architecture.parse("512:relu,,10", classes: 10))
        XCTAssertThrowsError(try Architecture.parse("512:relu", classes: 10)) { e in
            XCTAssertEqual(
                "\(e)", "the architecture must end with a dense layer of 10 units, one per class (e.g. '...,10'), got '512:relu'")
        }
    }

    func testSchedules() {
        let steps = 10
        let epochs = 4
        let constant = LearningRateSchedule(base: 0.1)
        XCTAssertEqual(constant.rate(step: 35, stepsPerEpoch: steps, epochs: epochs), 0.1)
        let step = LearningRateSchedule(base: 0.1, kind: .step(every: 2, gamma: 0.5))
        XCTAssertEqual(step.rate(step: 19, stepsPerEpoch: steps, epochs: epochs), 0.1)
        XCTAssertEqual(step.rate(step: 20, stepsPerEpoch: steps, epochs: epochs), 0.05)
        let cosine = LearningRateSchedule(base: 0.1, kind: .cosine)
        XCTAssertEqual(cosine.rate(step: 0, stepsPerEpoch: steps, epochs: epochs), 0.1)
        XCTAssertEqual(cosine.rate(step: 20, stepsPerEpoch: steps, epochs: epochs), 0.05, accuracy: 1e-6)
        XCTAssertEqual(
            cosine.rate(step: 39, stepsPerEpoch: steps, epochs: epochs), 0.1 * (1 + Float(cos(Double.pi * 39 / 40))) / 2, accuracy: 1e-6)
        let warm = LearningRateSchedule(base: 0.1, kind: .cosine, warmupEpochs: 1)
        XCTAssertEqual(warm.rate(step: 0, stepsPerEpoch: steps, epochs: epochs), 0.01, accuracy: 1e-7)
        XCTAssertEqual(warm.rate(step: 9, stepsPerEpoch: steps, epochs: epochs), 0.1, accuracy: 1e-7)
        XCTAssertEqual(warm.rate(step: 10, stepsPerEpoch: steps, epochs: epochs), 0.1, accuracy: 1e-7)
        XCTAssertEqual(LearningRateSchedule.parseKind("step:3:0.1"), .step(every: 3, gamma: 0.1))
        XCTAssertNil(LearningRateSchedule.parseKind("exponential"))
    }

    func testGeneratorIsRepeatableAndResumable() {
        var a = RandomGenerator(seed: 42)
        for _ in 0..<10 { _ = a.next() }
        var b = RandomGenerator(words: a.words)
        XCTAssertEqual((0..<5).map { _ in a.next() }, (0..<5).map { _ in b.next() })
        var c = RandomGenerator(seed: 43)
        XCTAssertNotEqual(RandomGenerator(seed: 42).words, c.words)
        _ = c.next()
    }
}
