// --threads: how many threads OpenBLAS uses for the GEMMs, and the elementwise loops with it (see
// ElementwiseThreads.swift). Set once, before any GEMM, from the one thread that calls BLAS (the
// pthread OpenBLAS ignores OMP_NUM_THREADS). When N is every CPU the process may use, the threads
// are pinned one per CPU.
import Model

enum Threads {
    static func configure(_ a: Arguments) throws(CLIError) {
        let n = try a.int("threads", default: BLAS.processors, in: 1...1024)
        BLAS.setThreads(n, pin: true)
    }
}
