// The only doorway to OpenBLAS: row-major single-precision GEMM and the thread count.
import CBLAS

public enum BLAS {
    /// C = alpha · op(A) · op(B) + beta · C, row-major, where op(A) is m×k and op(B) is k×n.
    @inline(__always)
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor,
            transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }

    /// Sets OpenBLAS's thread count (the pthread build ignores OMP_NUM_THREADS). Threads for the
    /// elementwise loops, and pinning, are the runtime's business (Sources/Runtime).
    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(n))
    }

    /// The thread count OpenBLAS is using now.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// Processors OpenBLAS sees.
    public static var processors: Int { Int(openblas_get_num_procs()) }
}
