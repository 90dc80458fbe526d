// What `mlp cv` and `mlp search` share: where their sessions run (side by side on the cores, one
// OpenBLAS thread each; across the ranks under mpirun) and how the ranks end.
import Collective
import Experiments
import Formats
import Model
import Runtime
import Tables
import Training

enum ExperimentSetup {
    /// This process's place in the experiment: its executor and whether it is the coordinator.
    struct Place {
        let executor: Executor
        let communicator: (any MessagePassing)?
        var isRoot: Bool { (communicator?.rank ?? 0) == 0 }
        var ranks: Int { communicator?.size ?? 1 }

        /// Ends MPI cleanly on every rank (the last collective call).
        func finish() { try? communicator?.finalize() }
    }

    /// The sessions run `parallel` at a time here (default: one per core this rank has), each with
    /// one thread; with one at a time, the GEMMs use `threads` (default every core).
    static func place(parallel: Int?, threads: Int?, data: @escaping (Int?) throws -> TrainingData) throws(CLIError) -> Place {
        var communicator: (any MessagePassing)?
        var localRanks = 1
        if MPILaunch.detect() != nil {
            do { communicator = try makeCommunicator() as? any MessagePassing } catch { throw CLIError(.dataError, error.message) }
            localRanks = MPILaunch.environment("OMPI_COMM_WORLD_LOCAL_SIZE").flatMap { Int($0) } ?? 1
        }
        let cores = max(1, BLAS.processors / max(localRanks, 1))
        let slots = parallel ?? cores
        LoopThreads.flushDenormals()
        BLAS.setThreads(slots == 1 ? (threads ?? cores) : 1)
        let executor = Executor(slots: slots, communicator: communicator, data: data)
        executor.shouldStop = { Interrupts.requested }
        Interrupts.install()
        return Place(executor: executor, communicator: communicator)
    }

    /// A number as a report shows it: four decimals for figures in [0, 1] or below 100, else
    /// four significant digits.
    static func figure(_ x: Double) -> String {
        x.isFinite && abs(x) < 100 ? fixed(x, 4) : significant(x)
    }
}
