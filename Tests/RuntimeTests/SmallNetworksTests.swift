import Model
import Runtime
// Which networks the command line trains on one thread by default: every dense product at the
// training batch at most 2^21 multiply-adds.
import XCTest

final class SmallNetworksTests: XCTestCase {
    func net(_ inputs: Int, _ arch: String, outputs: Int) throws -> (inputs: Int, specs: [LayerSpec]) {
        (inputs, try Architecture.parse(arch, classes: outputs))
    }

    func small(_ n: (inputs: Int, specs: [LayerSpec]), batch: Int) -> Bool {
        SmallNetworks.trainFastestOnOneThread(inputs: n.inputs, specs: n.specs, batch: batch)
    }

    func testTheBoundIsOnEveryDenseProductAtTheBatch() throws {
        let diamonds = try net(26, "128:relu,64:relu,1", outputs: 1)  // 128·128·64 = 1 M at batch 128
        XCTAssertTrue(small(diamonds, batch: 128))
        XCTAssertTrue(small(diamonds, batch: 256), "2 M: at the bound")
        XCTAssertFalse(small(diamonds, batch: 257), "just above it")
        XCTAssertTrue(
            small(try net(104, "64:relu,dropout:0.2,batchnorm,2", outputs: 2), batch: 128),
            "layers without products do not count")
        XCTAssertFalse(
            small(try net(784, "128:relu,10", outputs: 10), batch: 64),
            "MNIST's default network: 6.4 M per forward product")
        XCTAssertFalse(
            small(try net(26, "8:relu,4096:relu,1", outputs: 1), batch: 128),
            "one large layer is enough to use the threads")
    }
}
