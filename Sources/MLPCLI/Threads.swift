// --threads: how many threads OpenBLAS uses. Set once, before any GEMM, from the one thread that
// calls BLAS (the pthread OpenBLAS ignores OMP_NUM_THREADS).
import Model

enum Threads {
    static func configure(_ a: Arguments) throws(CLIError) {
        let n = try a.int("threads", default: BLAS.processors, in: 1...1024)
        BLAS.setThreads(n)
    }
}
