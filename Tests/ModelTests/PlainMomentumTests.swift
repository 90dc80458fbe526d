// SGD's momentum buffer as a checkpoint stores it: v, whatever form the fused step keeps it in.
// The large weights' buffers hold u = μ·v after a fused step; `plainMomentum` gives a v that makes
// u again, and once v is put back, the next fused step makes u from it before its GEMM adds to it,
// as the step before the checkpoint left it: the same buffer, the same beta, the same bits.
import XCTest

@testable import Model

final class PlainMomentumTests: XCTestCase {
    /// 30 → 2,200 → 5: the first weight (66,000 values) keeps μ·v after a fused step.
    func network() -> Network {
        Network(inputs: 30, specs: [.dense(units: 2200, activation: .relu), .dense(units: 5)], loss: SoftmaxCrossEntropy(), seed: 8)
    }

    func step(_ net: Network, _ opt: SGD, _ seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        let x = Matrix(rows: 33, cols: 30, values: (0..<990).map { _ in rng.normal() })
        let labels: [Int32] = (0..<33).map { Int32($0 % 5) }
        labels.withUnsafeBufferPointer { _ = net.trainStep(x, labels: $0.baseAddress, optimizer: opt, lr: 0.05) }
    }

    func testPlainMomentumPutBackIsScaledBeforeTheNextFusedGEMM() throws {
        let net = network()
        let opt = SGD(network: net, momentum: 0.9)
        step(net, opt, 1)
        step(net, opt, 2)
        XCTAssertTrue(opt.momentumBufferScaled)
        let weight = net.store.parameters[0]
        XCTAssertGreaterThanOrEqual(weight.count, SGD.scaledFrom)
        let range = weight.offset..<weight.offset + weight.count
        let buffer = opt.state[0].buffer
        let u = Array(UnsafeBufferPointer(start: buffer.data + weight.offset, count: weight.count))
        let v = try XCTUnwrap(opt.plainMomentum(range))
        XCTAssertEqual(zip(v, u).filter { (0.9 * $0).bitPattern != $1.bitPattern }.count, 0, "fl(μ·v) is the buffer")
        XCTAssertNil(opt.plainMomentum(net.store.parameters[1].offset..<net.store.parameters[1].offset + 5), "a small bias keeps v")

        // Put v back as a resumed run does: the buffer holds v, and the next fused step makes u.
        v.withUnsafeBufferPointer { (buffer.data + weight.offset).update(from: $0.baseAddress!, count: v.count) }
        opt.momentumRestoredPlain()
        let fused = try XCTUnwrap(opt.fusedWeightGradient(lr: 0.05))
        XCTAssertEqual(fused.beta(weightCount: weight.count), 1, "the GEMM adds to μ·v, as before the checkpoint")
        XCTAssertTrue(opt.momentumBufferScaled)
        XCTAssertEqual(
            Array(UnsafeBufferPointer(start: buffer.data + weight.offset, count: weight.count)).map(\.bitPattern), u.map(\.bitPattern))
    }

    func testANewOptimizerStartsFromZerosWithoutAPass() throws {
        let net = network()
        let opt = SGD(network: net, momentum: 0.9)
        let fused = try XCTUnwrap(opt.fusedWeightGradient(lr: 0.05))
        XCTAssertFalse(opt.momentumBufferScaled, "no step yet: the zeros stay v")
        XCTAssertEqual(fused.beta(weightCount: net.store.parameters[0].count), 0.9)
        XCTAssertNil(opt.plainMomentum(0..<10))
    }
}
