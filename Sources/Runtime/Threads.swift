// Setting the thread count of a run: OpenBLAS's threads for the GEMMs (the pthread OpenBLAS ignores
// OMP_NUM_THREADS) and the pool's for the elementwise loops, from the one thread that calls BLAS.
import Model

extension WorkerPool {
    /// Uses `n` threads for the GEMMs and for the loops. With `pin`, when `n` equals the CPUs the
    /// process may use, each thread is pinned to one CPU (see WorkerPool.swift).
    public func use(threads n: Int, pin: Bool) {
        BLAS.setThreads(n)
        setThreads(n, pin: pin)
    }
}
