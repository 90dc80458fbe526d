// Every hand-derived gradient against central finite differences of the Double reference.
import XCTest

@testable import Model

final class GradientCheckTests: XCTestCase {
    /// Builds a network, runs one forward/backward in Float, then compares every parameter
    /// gradient (and dLoss/dX) with finite differences of the Double reference. With `samples`, a
    /// fixed pseudo-random subset of about that many entries is checked (large networks).
    func check(
        _ arch: String, inputs: Int = 5, classes: Int = 3, batch: Int = 4, loss: String = "cross_entropy",
        targets: [[Double]]? = nil, seed: UInt64 = 7, samples: Int? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let specs = try Architecture.parse(arch, classes: classes)
        let lossFn = LossKind.make(loss)!
        let net = Network(inputs: inputs, specs: specs, loss: lossFn, seed: seed)
        // dLoss/dX is checked too, so every layer computes its input gradient here.
        for layer in net.layers { layer.computesInputGradient = true }
        let entries = net.store.parameterCount + batch * inputs
        let stride = UInt64(max(1, entries / max(samples ?? entries, 1)))
        func sample(_ name: String, _ j: Int) -> Bool {
            var h: UInt64 = 1_469_598_103_934_665_603
            for b in name.utf8 { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
            h = (h ^ UInt64(j)) &* 0x9E37_79B9_7F4A_7C15
            return (h >> 17) % stride == 0
        }
        var rng = RandomGenerator(seed: seed + 1)
        // Perturb biases and batch-norm scales away from their initial 0 and 1 so they are tested.
        for p in net.store.parameters where p.shape.count == 1 {
            for j in 0..<p.count { p.value[j] += 0.3 * rng.normal() }
        }
        let xs: [[Double]] = (0..<batch).map { _ in (0..<inputs).map { _ in Double(rng.normal()) } }
        let labels = (0..<batch).map { $0 % classes }
        let x = Matrix(rows: batch, cols: inputs, values: xs.flatMap { $0.map(Float.init) })
        let tm = targets.map { Matrix(rows: batch, cols: classes, values: $0.flatMap { $0.map(Float.init) }) }
        var lab = labels.map(Int32.init)
        let out = net.forward(x, training: true)
        let floatLoss = lab.withUnsafeMutableBufferPointer {
            lossFn.forward(out, labels: $0.baseAddress, targets: tm, computeGradient: true)
        }
        // The parameter gradients from the network's own backward pass (which stops at the first
        // layer with parameters), then dLoss/dX from every layer's backward in turn.
        net.backward(lossFn.gradient)
        var analyticGradients: [String: [Float]] = [:]
        for p in net.store.parameters { analyticGradients[p.name] = p.gradients }
        var g = lossFn.gradient
        for layer in net.layers.reversed() { g = layer.backward(g) }
        let dx = g.values

        var ref = Reference(net, lossToken: lossFn.token)
        let refLoss = ref.lossOf(xs, labels: labels, targets: targets)
        XCTAssertLessThan(relativeError(Double(floatLoss), refLoss), 1e-4, "loss", file: file, line: line)

        let h = 1e-5
        var worst = 0.0
        var worstName = ""
        for p in net.store.parameters {
            let name = p.name
            let analytic = analyticGradients[name]!
            for j in 0..<p.count where sample(name, j) {
                let orig = ref.params[name]![j]
                ref.params[name]![j] = orig + h
                let lp = ref.lossOf(xs, labels: labels, targets: targets)
                ref.params[name]![j] = orig - h
                let lm = ref.lossOf(xs, labels: labels, targets: targets)
                ref.params[name]![j] = orig
                let numeric = (lp - lm) / (2 * h)
                let e = relativeError(Double(analytic[j]), numeric)
                if e > worst {
                    worst = e
                    worstName = "\(name)[\(j)] analytic \(analytic[j]) numeric \(numeric)"
                }
            }
        }
        for r in 0..<batch {
            for j in 0..<inputs where sample("input", r * inputs + j) {
                var xp = xs
                var xm = xs
                xp[r][j] += h
                xm[r][j] -= h
                let numeric =
                    (ref.lossOf(xp, labels: labels, targets: targets) - ref.lossOf(xm, labels: labels, targets: targets)) / (2 * h)
                let e = relativeError(Double(dx[r * inputs + j]), numeric)
                if e > worst {
                    worst = e
                    worstName = "input[\(r),\(j)] analytic \(dx[r * inputs + j]) numeric \(numeric)"
                }
            }
        }
        XCTAssertLessThan(worst, 2e-3, "\(arch) / \(loss): worst gradient \(worstName)", file: file, line: line)
    }

    func testDenseReLUSoftmaxCrossEntropy() throws { try check("7:relu,6:relu,3") }
    func testLeakyReLU() throws { try check("7:leaky_relu:0.1,6:leaky_relu,3") }
    func testSigmoid() throws { try check("7:sigmoid,3") }
    func testTanh() throws { try check("7:tanh,3") }
    func testGELU() throws { try check("7:gelu,3") }
    func testSwish() throws { try check("7:swish,3") }
    func testStandaloneActivations() throws { try check("7,tanh,6,gelu,5,swish,3") }
    func testDropoutWithFixedMask() throws { try check("8:relu,dropout:0.5,6:relu,dropout:0.3,3") }
    func testInputDropoutWithFixedMask() throws { try check("dropout:0.3,8:relu,dropout:0.5,3") }
    func testBatchNormTrainingMode() throws { try check("7,batchnorm,relu,6:tanh,batchnorm,3", batch: 6) }
    func testLabelSmoothing() throws { try check("7:relu,3", loss: "cross_entropy:0.1") }
    func testMeanSquaredError() throws { try check("7:tanh,3", loss: "mse") }
    func testMeanSquaredErrorDenseTargets() throws {
        try check("7:tanh,3", loss: "mse", targets: [[0.5, -1, 2], [0, 0.1, 0.2], [1, 1, 1], [-0.3, 0.7, 0]])
    }
    /// Regression losses against real-valued targets (the residuals stay clear of MAE's kink at 0 and
    /// Huber's at ±δ, where the derivative jumps).
    func testMeanAbsoluteError() throws {
        try check("7:tanh,3", loss: "mae", targets: [[2.5, -1, 2], [0, 3.1, -2.2], [1, 1.7, -1], [-3.3, 0.7, 4]])
    }
    func testHuberLoss() throws {
        try check("7:tanh,3", loss: "huber", targets: [[2.5, -1, 0.2], [0, 3.1, -2.2], [0.3, 1.7, -1], [-3.3, 0.1, 4]])
        try check("7:relu,3", loss: "huber:0.5", targets: [[2.5, -1, 0.2], [0, 3.1, -2.2], [0.3, 1.7, -1], [-3.3, 0.1, 4]])
    }

    func testSigmoidBinaryCrossEntropy() throws {
        try check("7:relu,3", loss: "bce", targets: [[1, 0, 1], [0, 0, 1], [1, 1, 0], [0.2, 0.7, 0.5]])
    }
    /// Widths of 64 and more run the eight-lane bodies of the kernels, not only their scalar tails.
    func testWideLayersRunTheVectorBodies() throws {
        try check("64:relu,70:tanh,3", inputs: 9, batch: 6, samples: 250)
        try check("67,batchnorm,relu,64:leaky_relu:0.05,3", inputs: 8, batch: 6, samples: 250)
    }

    /// A batch of 120 through 72-wide GELU and 66-wide Swish layers cuts their passes into several
    /// chunks (4096 elements each for those activations): the chunk boundaries must not show.
    func testWideLayersAcrossChunks() throws {
        try check("72:gelu,batchnorm,66:swish,dropout:0.3,64:leaky_relu,3", inputs: 7, batch: 120, samples: 60)
    }

    func testMixedNetwork() throws {
        try check(
            "9:gelu,batchnorm,dropout:0.25,8:leaky_relu,7,swish,batchnorm,6:sigmoid,4", inputs: 6, classes: 4, batch: 8,
            loss: "cross_entropy:0.05")
    }
}
