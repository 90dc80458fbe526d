// Sessions side by side call OpenBLAS's sgemm from several threads at once, with its thread count
// set to one for the whole process. The Debian OpenBLAS (pthread build, 0.3.21) locks its buffer
// pool, so concurrent calls are safe; this checks that each thread's products are bit for bit what
// one thread alone computes, at the shapes of small networks' steps.
import CBLAS
import Dispatch
import Model
import XCTest

final class ConcurrentGEMMTests: XCTestCase {
    struct Shape { let m, n, k: Int }
    let shapes = [Shape(m: 64, n: 128, k: 108), Shape(m: 128, n: 108, k: 64), Shape(m: 64, n: 2, k: 128), Shape(m: 256, n: 256, k: 300)]

    /// The products of every shape on inputs seeded by `seed`, `repeats` times, as bits.
    static func products(_ shapes: [Shape], seed: UInt64, repeats: Int) -> [[UInt32]] {
        var rng = RandomGenerator(seed: seed)
        var out: [[UInt32]] = []
        for s in shapes {
            let a = (0..<(s.m * s.k)).map { _ in rng.uniform(-1, 1) }
            let b = (0..<(s.k * s.n)).map { _ in rng.uniform(-1, 1) }
            var c = [Float](repeating: 0, count: s.m * s.n)
            for _ in 0..<repeats {
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            BLAS.gemm(
                                transA: false, transB: false, m: s.m, n: s.n, k: s.k, alpha: 1, a: pa.baseAddress!, lda: s.k,
                                b: pb.baseAddress!, ldb: s.n, beta: 0, c: pc.baseAddress!, ldc: s.n)
                        }
                    }
                }
            }
            out.append(c.map(\.bitPattern))
        }
        return out
    }

    func testConcurrentCallsWithOneOpenBLASThreadGiveTheOneThreadProducts() {
        BLAS.setThreads(1)
        let threads = 4
        let shapes = self.shapes
        let expected = (0..<threads).map { Self.products(shapes, seed: UInt64($0 + 1), repeats: 1) }
        final class Results: @unchecked Sendable { var values = [[[UInt32]]](repeating: [], count: 4) }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            results.values[t] = Self.products(shapes, seed: UInt64(t + 1), repeats: 50)
        }
        for t in 0..<threads { XCTAssertTrue(results.values[t] == expected[t], "thread \(t)'s products differ") }
    }
}
