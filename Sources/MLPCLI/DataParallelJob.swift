// `mpirun -np N mlp train …`: this process is one of N ranks training one model (issue 12). The
// job is the training loop's GradientExchange on the Communicator (Sources/Collective): each step
// sums the ranks' weighted gradients with one all-reduce over the flat gradient buffer, and the
// step's loss, correct count and stop flag with a second, small one. It also splits evaluation
// across the ranks and adds up the shares, and makes the ranks agree on when to stop.
//
// Failures: an MPI error, or any error on any rank once the job has started, ends every rank
// (MPI_Abort) after the failing rank prints its one line, prefixed with its rank and host.
import Collective
import Model
#if canImport(Glibc)
import Glibc
#endif

final class DataParallelJob: GradientExchange {
    /// The job of this process, when mpirun started it (the error handler of CLI.main reads it).
    nonisolated(unsafe) static var current: DataParallelJob?

    let communicator: any Communicator
    var rank: Int { communicator.rank }
    var ranks: Int { communicator.size }
    var isRoot: Bool { communicator.rank == 0 }
    /// "rank 1 on node7", the prefix of this rank's error lines.
    var description: String { communicator.rankDescription }
    /// How many ranks of the job run on this host (Open MPI says; 1 when it does not).
    let localRanks: Int

    /// Whether this rank wants to stop (a pending interrupt), asked at every reduction.
    var wantsToStop: () -> Bool = { false }
    /// Whether any rank wanted to stop at the last step's reduction: the same on every rank.
    private(set) var stopAgreed = false
    /// Time spent in the reductions of training steps, and how many there were.
    private(set) var reduceSeconds = 0.0
    private(set) var reductions = 0
    /// Gradient bytes this rank sent into all-reduces (the buffer's size, once per step).
    private(set) var reducedBytes = 0

    /// The step totals in flight: loss, correct, stop.
    private let totals = UnsafeMutablePointer<Double>.allocate(capacity: 3)

    /// The job this process belongs to: nil without a launcher (nothing of MPI is loaded then).
    static func start() throws(CLIError) -> DataParallelJob? {
        guard MPILaunch.detect() != nil else { return nil }
        let communicator: any Communicator
        do { communicator = try makeCommunicator() } catch {
            throw CLIError(.dataError, error.message)
        }
        let job = DataParallelJob(communicator, localRanks: MPILaunch.environment("OMPI_COMM_WORLD_LOCAL_SIZE").flatMap { Int($0) } ?? 1)
        current = job
        return job
    }

    init(_ communicator: any Communicator, localRanks: Int) {
        self.communicator = communicator
        self.localRanks = max(localRanks, 1)
    }

    deinit { totals.deallocate() }

    /// An MPI failure mid-training: one line, then every rank ends.
    private func fail(_ error: CommunicatorError) -> Never {
        Console.flush()
        Console.err("error: \(error.message)")
        communicator.abort(code: ExitCode.dataError.rawValue)
    }

    // in every rank: g_r = (b_r/B)·∇(mean loss over its b_r rows); after the sum every rank has
    // Σ_r g_r = ∇(mean loss over the B rows of the batch), the gradient one process would compute.
    func reduce(gradients: UnsafeMutablePointer<Float>, count: Int, totals t: inout StepTotals) {
        let clock = ContinuousClock(), start = clock.now
        totals[0] = t.loss
        totals[1] = t.correct
        totals[2] = wantsToStop() ? 1 : 0
        do throws(CommunicatorError) {
            // Blocking: Open MPI's non-blocking all-reduce is slower here (C's 7.45 MB: 4–9 ms against
            // 1.9–2.3 ms, two ranks on one host) and moves only inside MPI calls, and overlapping it with
            // the backward pass (MPI_Test between layers) took C's step from 12 to 19 ms on 2 cores,
            // where both cores compute. Measured with Sources/MPIProbe (`overlap`, `progress`).
            try communicator.allreduceSum(gradients, count: count)
            try communicator.allreduceSum(totals, count: 3)
        } catch {
            fail(error)
        }
        t.loss = totals[0]
        t.correct = totals[1]
        stopAgreed = totals[2] > 0
        let d = clock.now - start
        reduceSeconds += Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        reductions += 1
        reducedBytes += count * MemoryLayout<Float>.size
    }

    func sum(_ values: UnsafeMutablePointer<Float>, count: Int) {
        do throws(CommunicatorError) { try communicator.allreduceSum(values, count: count) } catch { fail(error) }
    }

    func sum(_ values: inout [Double]) {
        let n = values.count
        do throws(CommunicatorError) {
            try values.withUnsafeMutableBufferPointer { (b: inout UnsafeMutableBufferPointer<Double>) throws(CommunicatorError) in
                try communicator.allreduceSum(b.baseAddress!, count: n)
            }
        } catch { fail(error) }
    }

    /// Whether any rank says true: the same answer on every rank.
    func any(_ flag: Bool) -> Bool {
        do throws(CommunicatorError) { return try communicator.any(flag) } catch { fail(error) }
    }

    /// The rows of a set of `count` examples this rank evaluates: ⌊count·r/N⌋ ..< ⌊count·(r+1)/N⌋.
    func share(of count: Int) -> Range<Int> {
        (count * rank / ranks)..<(count * (rank + 1) / ranks)
    }

    /// Ends MPI on every rank (collective): the last thing a successful or interrupted rank does.
    func finish() {
        do throws(CommunicatorError) { try communicator.finalize() } catch { fail(error) }
        DataParallelJob.current = nil
    }

    /// After an error on this rank: its one line (prefixed with rank and host), then every rank
    /// ends with `code` (MPI_Abort). Errors every rank meets alike (a bad flag, a diverged loss) are
    /// printed by rank 0 alone: another rank gives rank 0 a moment to print and end the job, and
    /// speaks only if it is still running after that (then the error was its own).
    func abort(after error: CLIError) -> Never {
        let everyRankAlike = error.code == .usage || error.code == .diverged
        Console.flush()
        if !isRoot && everyRankAlike { sleep(3) }
        Console.err("error: \(description): \(error.message)")
        if everyRankAlike, let c = error.command, let cmd = CLI.commands.first(where: { $0.name == c }) {
            Console.err("usage: \(cmd.usage) (see 'mlp \(c) --help')")
        }
        communicator.abort(code: error.code.rawValue)
    }
}
