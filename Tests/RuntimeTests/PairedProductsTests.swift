// Paired backward products (Network.pairsBackwardProducts): each dense layer's dX and dW as the two
// chunks of one region, run side by side on the pool's two threads with OpenBLAS on one thread, give
// the same weights bit for bit as the products one after the other; and which networks pair.
import Glibc
import XCTest
import Model
@testable import Runtime

final class PairedProductsTests: XCTestCase {
    private var savedBLASThreads = 1
    override func setUp() { savedBLASThreads = BLAS.threads }
    override func tearDown() { BLAS.setThreads(savedBLASThreads) }

    /// Counts the regions a network ran on the pool.
    final class HelperCount: ParallelLoops {
        let pool: WorkerPool
        var regions = 0
        init(_ pool: WorkerPool) { self.pool = pool }
        func run(chunks: Int, context: UnsafeRawPointer, _ body: ChunkFunction) {
            regions += 1
            pool.run(chunks: chunks, context: context, body)
        }
    }

    /// Weights after four Adam steps (dropout included) of a 26-128-64-1 regression at batch 128.
    func weights(paired: Bool, runner: ParallelLoops, steps: Int = 4) -> [Float] {
        let loops = Loops(runner)
        let net = Network(inputs: 26, specs: [.dense(units: 128, activation: .relu), .dropout(rate: 0.1),
                                              .dense(units: 64, activation: .tanh), .dense(units: 1)],
                          loss: MeanSquaredError(), seed: 5, loops: loops)
        net.allowsFusedUpdate = false
        net.pairsBackwardProducts = paired
        let opt = Adam(network: net)
        var rng = RandomGenerator(seed: 2)
        let x = Matrix(rows: 128, cols: 26, values: (0..<(128 * 26)).map { _ in rng.normal() })
        let y = Matrix(rows: 128, cols: 1, values: (0..<128).map { _ in rng.normal() })
        for _ in 0..<steps { _ = net.trainStep(x, labels: nil, targets: y, optimizer: opt, lr: 0.01) }
        return net.store.values.buffer.map { $0 }
    }

    func testPairedProductsGiveTheSameBits() throws {
        let pool = WorkerPool(senseLoad: false)
        guard pool.allowedCPUs.count >= 2 else { throw XCTSkip("one CPU") }
        pool.use(threads: 2, pin: false)
        defer { pool.use(threads: 1, pin: false) }
        pool.useGEMMThreads(1)
        XCTAssertEqual(BLAS.threads, 1, "each GEMM on the thread that calls it")
        let counting = HelperCount(pool)
        let paired = weights(paired: true, runner: counting)
        let plain = weights(paired: false, runner: InlineLoops())
        XCTAssertGreaterThan(counting.regions, 0)
        XCTAssertEqual(paired.count, plain.count)
        XCTAssertEqual(zip(paired, plain).filter { $0 != $1 }.count, 0, "the same products, whichever thread computed them")
        XCTAssertGreaterThan(zip(paired, weights(paired: true, runner: counting, steps: 0)).filter { $0 != $1 }.count, 0,
                             "the steps changed the weights")
    }

    func testSmallNetworksPairAtTwoThreadsOnly() throws {
        func net(_ inputs: Int, _ arch: String, outputs: Int = 10) throws -> Network {
            Network(inputs: inputs, specs: try Architecture.parse(arch, classes: outputs), loss: SoftmaxCrossEntropy())
        }
        let diamonds = try net(26, "128:relu,64:relu,1", outputs: 1)
        XCTAssertTrue(PairedProducts.suits(diamonds, batch: 128, threads: 2), "26-128-64-1 at batch 128")
        XCTAssertFalse(PairedProducts.suits(diamonds, batch: 128, threads: 1), "one thread: nothing to pair with")
        XCTAssertFalse(PairedProducts.suits(diamonds, batch: 1024, threads: 2), "large batches: OpenBLAS splits each GEMM well")
        XCTAssertFalse(PairedProducts.suits(try net(784, "128:relu,10"), batch: 64, threads: 2), "MNIST's 784-128-10: 6.4 M per GEMM")
    }
}
