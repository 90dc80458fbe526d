// How many threads a loaded model runs on in evaluate, predict and inspect: runtime policy, the
// command line's to choose.
import Formats
import Quantized
import Runtime
import Training

extension LoadedModel {
    /// Sets the threads (--threads) before the first batch: OpenBLAS's and the loop threads' for a
    /// float model; oneDNN's (OpenMP's) for an INT8 one, which is also opened now. The INT8 path never
    /// pins threads: the OpenMP threads oneDNN starts would inherit the pinned caller's single CPU.
    func useThreads(_ threads: Int?, batch: Int) throws(CLIError) {
        if let q = quantized {
            do { try q.prepare(threads: threads, batch: batch) } catch { throw CLIError(.dataError, error.message) }
        } else {
            network.loops.runner = LoopThreads.configure(threads)
        }
    }
}
