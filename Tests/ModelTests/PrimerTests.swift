// The worked examples of an MLP primer, reproduced exactly. The primer writes h = x·W + b, so
// its W is [in, out]: the transpose of our [out, in] layout.
import XCTest

@testable import Model

final class PrimerTests: XCTestCase {
    /// Networks built by `dense`, kept alive for the test (their layers work on the networks' buffers).
    var networks: [Network] = []

    /// A Dense layer whose weight is the transpose of the primer's W (in a network of its own).
    func dense(_ primerW: [[Float]], _ b: [Float], _ act: Activation) -> Dense {
        let inputs = primerW.count
        let outputs = primerW[0].count
        let net = Network(inputs: inputs, specs: [.dense(units: outputs, activation: act)], loss: MeanSquaredError())
        networks.append(net)
        let d = net.layers[0] as! Dense
        d.computesInputGradient = true
        d.weight.set((0..<outputs).flatMap { o in (0..<inputs).map { i in primerW[i][o] } })
        d.bias.set(b)
        return d
    }

    func testFirstHiddenPreactivation() {
        let d = dense([[1.1, -0.3], [0.7, 2.1]], [0.1, -0.2], .linear)
        let h = d.forward(Matrix(rows: 1, cols: 2, values: [0.2, -0.4]), training: false)
        XCTAssertEqual(h[0, 0], 0.04, accuracy: 1e-6)
    }

    func testTwoLayerForward() {
        let l1 = dense([[0.4, -1.2], [0.9, 0.3]], [0.1, -0.1], .linear)
        let pre = l1.forward(Matrix(rows: 1, cols: 2, values: [2.0, 1.5]), training: false)
        XCTAssertEqual(pre[0, 0], 2.25, accuracy: 1e-6)
        XCTAssertEqual(pre[0, 1], -2.05, accuracy: 1e-6)
        let l1r = dense([[0.4, -1.2], [0.9, 0.3]], [0.1, -0.1], .relu)
        let h = l1r.forward(Matrix(rows: 1, cols: 2, values: [2.0, 1.5]), training: false)
        XCTAssertEqual(h.values, [2.25, 0])
        let l2 = dense([[1.0], [-0.5]], [0.2], .linear)
        XCTAssertEqual(l2.forward(h, training: false)[0, 0], 2.45, accuracy: 1e-6)
    }

    func testReLUNeuronGradientAndSGDStep() {
        let d = dense([[1.3], [-0.8]], [0.1], .relu)
        let y = d.forward(Matrix(rows: 1, cols: 2, values: [0.5, -1.2]), training: true)
        XCTAssertEqual(y[0, 0], 1.71, accuracy: 1e-6)
        _ = d.backward(Matrix(rows: 1, cols: 1, values: [0.5]))  // δ = 0.5 reaches the weights (ReLU is active)
        XCTAssertEqual(d.weight.grad![0], 0.25, accuracy: 1e-6)
        XCTAssertEqual(d.weight.grad![1], -0.6, accuracy: 1e-6)
        SGD(network: networks.last!, momentum: 0).step(lr: 0.1)
        XCTAssertEqual(d.weight.value[0], 1.275, accuracy: 1e-6)
        XCTAssertEqual(d.weight.value[1], -0.74, accuracy: 1e-6)
    }

    /// x = 0.5, W₁ = 1.2, b₁ = 0.1, W₂ = 0.8, b₂ = −0.3, target 0.7: ŷ = 0.26, squared error 0.1936.
    /// The primer's gradient table drops MSE's factor 2 (it differentiates ½(ŷ − y)²); these are
    /// the gradients of (ŷ − y)² itself: dŷ = 2(ŷ − y) = −0.88, so dW₂ = −0.88·h = −0.616,
    /// db₂ = −0.88, dh = −0.88·W₂ = −0.704, dW₁ = −0.704·x = −0.352, db₁ = −0.704.
    func testMSEExampleForwardAndCorrectGradients() {
        let net = Network(
            inputs: 1, specs: [.dense(units: 1, activation: .relu), .dense(units: 1, activation: .linear)],
            loss: MeanSquaredError())
        let l1 = net.layers[0] as! Dense
        let l2 = net.layers[1] as! Dense
        l1.weight.set([1.2])
        l1.bias.set([0.1])
        l2.weight.set([0.8])
        l2.bias.set([-0.3])
        let out = net.forward(Matrix(rows: 1, cols: 1, values: [0.5]), training: true)
        XCTAssertEqual(out[0, 0], 0.26, accuracy: 1e-6)
        let target = Matrix(rows: 1, cols: 1, values: [0.7])
        let loss = net.loss.forward(out, labels: nil, targets: target, computeGradient: true)
        XCTAssertEqual(loss, 0.1936, accuracy: 1e-6)
        net.backward(net.loss.gradient)
        XCTAssertEqual(l2.weight.grad![0], -0.616, accuracy: 1e-6)
        XCTAssertEqual(l2.bias.grad![0], -0.88, accuracy: 1e-6)
        XCTAssertEqual(l1.weight.grad![0], -0.352, accuracy: 1e-6)
        XCTAssertEqual(l1.bias.grad![0], -0.704, accuracy: 1e-6)
    }
}
