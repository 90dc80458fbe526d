// Small trainings that show the toolbox doing what it claims: depth needs a nonlinearity.
import XCTest

@testable import Model

final class ToyTaskTests: XCTestCase {
    /// Four Gaussian clusters at (±1, ±1); the class is the XOR of the signs.
    func xorClusters(_ n: Int, seed: UInt64) -> (Matrix, [Int32]) {
        var rng = RandomGenerator(seed: seed)
        var xs: [Float] = []
        var ys: [Int32] = []
        for i in 0..<n {
            let a: Float = i & 1 == 0 ? -1 : 1
            let b: Float = i & 2 == 0 ? -1 : 1
            xs += [a + 0.2 * rng.normal(), b + 0.2 * rng.normal()]
            ys.append(a * b > 0 ? 0 : 1)
        }
        return (Matrix(rows: n, cols: 2, values: xs), ys)
    }

    func fitAccuracy(_ arch: String, steps: Int = 400) throws -> Float {
        let (x, y) = xorClusters(128, seed: 4)
        let net = Network(inputs: 2, specs: try Architecture.parse(arch, classes: 2), loss: SoftmaxCrossEntropy(), seed: 3)
        let opt = Adam(network: net)
        y.withUnsafeBufferPointer { yp in
            for _ in 0..<steps { net.trainStep(x, labels: yp.baseAddress, optimizer: opt, lr: 0.02) }
        }
        let out = net.forward(x, training: false)
        return y.withUnsafeBufferPointer { Float(net.countCorrect(out, labels: $0.baseAddress!)) / 128 }
    }

    func testReLUFitsXORButLinearCannot() throws {
        XCTAssertEqual(try fitAccuracy("16:relu,16:relu,2"), 1.0)
        // Stacked linear layers are one linear map: no better than about 3 of 4 clusters.
        XCTAssertLessThanOrEqual(try fitAccuracy("16:linear,16:linear,2"), 0.8)
    }

    func testEveryActivationFitsXOR() throws {
        for act in ["leaky_relu", "tanh", "gelu", "swish", "sigmoid"] {
            XCTAssertEqual(try fitAccuracy("16:\(act),2", steps: 800), 1.0, act)
        }
    }

    func testLossDecreasesWithEveryOptimizerAndSchedule() throws {
        let (x, y) = xorClusters(64, seed: 8)
        for kind in OptimizerKind.allCases {
            let net = Network(
                inputs: 2, specs: try Architecture.parse("16:relu,dropout:0.1,8:relu,batchnorm,2", classes: 2),
                loss: SoftmaxCrossEntropy(), seed: 1)
            let opt: Optimizer =
                switch kind {
                case .sgd: SGD(network: net, momentum: 0.9)
                case .nesterov: SGD(network: net, momentum: 0.9, nesterov: true)
                case .adam: Adam(network: net)
                case .adamw: Adam(network: net, weightDecay: 0.01, decoupled: true)
                }
            let lr: Float = (kind == .adam || kind == .adamw) ? 0.01 : 0.05
            let schedule = LearningRateSchedule(base: lr, kind: .cosine, warmupEpochs: 1)
            var first: Float = 0
            var last: Float = 0
            y.withUnsafeBufferPointer { yp in
                for s in 0..<200 {
                    let r = net.trainStep(
                        x, labels: yp.baseAddress, optimizer: opt,
                        lr: schedule.rate(step: s, stepsPerEpoch: 20, epochs: 10), clipNorm: 5)
                    if s == 0 { first = r.loss }
                    last = r.loss
                }
            }
            XCTAssertLessThan(last, first * 0.5, "\(kind): loss \(first) → \(last)")
        }
    }
}
