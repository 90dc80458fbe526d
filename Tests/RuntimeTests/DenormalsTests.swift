// Denormals.flushToZero: the calling thread and OpenBLAS's workers treat denormal inputs as zero.
import CBLAS
import Model
import Runtime
import XCTest

final class DenormalsTests: XCTestCase {
    /// A GEMM over denormal inputs (1e-39 · 1 summed 256 times is a normal 2.56e-37) gives zeros in
    /// every row, the workers' rows too, once the mode is set; and non-zeros before, so the test can fail.
    func testFlushToZeroReachesOpenBLASWorkers() {
        let saved = mlp_mxcsr()
        let savedThreads = BLAS.threads
        defer {
            mlp_set_mxcsr(saved)
            Denormals.restartOpenBLASThreads()
            BLAS.setThreads(savedThreads)
        }
        BLAS.setThreads(BLAS.processors)
        let n = 256
        let a = [Float](repeating: 1e-39, count: n * n)
        let b = [Float](repeating: 1, count: n * n)
        var c = [Float](repeating: -1, count: n * n)
        func product() {
            c.withUnsafeMutableBufferPointer { cp in
                BLAS.gemm(
                    transA: false, transB: false, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: b, ldb: n,
                    beta: 0, c: cp.baseAddress!, ldc: n)
            }
        }
        product()
        XCTAssertEqual(c[0], 1e-39 * Float(n), accuracy: 1e-40, "denormals count before the mode is set")
        XCTAssertTrue(c.allSatisfy { $0 > 0 })

        Denormals.flushToZero()
        var tiny: Float = 1e-30
        for _ in 0..<3 { tiny *= 1e-3 }  // 1e-39 would be denormal: flushed to zero in this thread
        XCTAssertEqual(tiny, 0)
        product()
        XCTAssertEqual(c.filter { $0 != 0 }.count, 0, "rows computed by OpenBLAS's workers still see denormals")
    }
}
