// `mpirun -np N mlp train …`: this process is one of N ranks training one model. The
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

public final class DataParallelJob: GradientExchange {
    /// The job of this process, when mpirun started it (the error handler of CLI.main reads it).
    nonisolated(unsafe) public static var current: DataParallelJob?

    public let communicator: any Communicator
    public var rank: Int { communicator.rank }
    public var ranks: Int { communicator.size }
    public var isRoot: Bool { communicator.rank == 0 }
    /// "rank 1 on node7", the prefix of this rank's error lines.
    public var description: String { communicator.rankDescription }
    /// How many ranks of the job run on this host (Open MPI says; 1 when it does not).
    public let localRanks: Int

    /// Whether this rank wants to stop (a pending interrupt), asked at every reduction.
    public var wantsToStop: () -> Bool = { false }
    /// Whether any rank wanted to stop at the last step's reduction: the same on every rank.
    public private(set) var stopAgreed = false
    /// Time spent in the reductions of training steps, and how many there were.
    public private(set) var reduceSeconds = 0.0
    public private(set) var reductions = 0
    /// Gradient bytes this rank sent into all-reduces (the buffer's size, once per step).
    public private(set) var reducedBytes = 0

    /// The step totals in flight: loss, correct, stop.
    private let totals = UnsafeMutablePointer<Double>.allocate(capacity: 3)

    /// The job this process belongs to: nil without a launcher (nothing of MPI is loaded then).
    public static func start() throws(TrainingError) -> DataParallelJob? {
        guard MPILaunch.detect() != nil else { return nil }
        let communicator: any Communicator
        do { communicator = try makeCommunicator() } catch {
            throw .data(error.message)
        }
        let job = DataParallelJob(communicator, localRanks: MPILaunch.environment("OMPI_COMM_WORLD_LOCAL_SIZE").flatMap { Int($0) } ?? 1)
        current = job
        return job
    }

    public init(_ communicator: any Communicator, localRanks: Int) {
        self.communicator = communicator
        self.localRanks = max(localRanks, 1)
    }

    deinit { totals.deallocate() }

    /// An MPI failure mid-training, which no caller can recover from (a step cannot throw): one
    /// line on stderr, then every rank ends with exit code 1.
    private func fail(_ error: CommunicatorError) -> Never {
        fflush(stdout)
        fputs("error: \(error.message)\n", stderr)
        communicator.abort(code: 1)
    }

    // in every rank: g_r = (b_r/B)·∇(mean loss over its b_r rows); after the sum every rank has
    // Σ_r g_r = ∇(mean loss over the B rows of the batch), the gradient one process would compute.
    public func reduce(gradients: UnsafeMutablePointer<Float>, count: Int, totals t: inout StepTotals) {
        let clock = ContinuousClock()
        let start = clock.now
        totals[0] = t.loss
        totals[1] = t.correct
        totals[2] = wantsToStop() ? 1 : 0
        do throws(CommunicatorError) {
            // Blocking: Open MPI's non-blocking all-reduce is slower than the blocking one and moves only
            // inside MPI calls, and overlapping it with the backward pass (MPI_Test between layers)
            // takes cores from the GEMMs, which use every core (mpi-probe `overlap` and `progress`
            // measure both).
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

    public func sum(_ values: UnsafeMutablePointer<Float>, count: Int) {
        do throws(CommunicatorError) { try communicator.allreduceSum(values, count: count) } catch { fail(error) }
    }

    public func sum(_ values: inout [Double]) {
        let n = values.count
        do throws(CommunicatorError) {
            try values.withUnsafeMutableBufferPointer { (b: inout UnsafeMutableBufferPointer<Double>) throws(CommunicatorError) in
                try communicator.allreduceSum(b.baseAddress!, count: n)
            }
        } catch { fail(error) }
    }

    /// Whether any rank says true: the same answer on every rank.
    public func any(_ flag: Bool) -> Bool {
        do throws(CommunicatorError) { return try communicator.any(flag) } catch { fail(error) }
    }

    /// The rows of a set of `count` examples this rank evaluates: ⌊count·r/N⌋ ..< ⌊count·(r+1)/N⌋.
    public func share(of count: Int) -> Range<Int> {
        (count * rank / ranks)..<(count * (rank + 1) / ranks)
    }

    /// Ends MPI on every rank (collective): the last thing a successful or interrupted rank does.
    public func finish() {
        do throws(CommunicatorError) { try communicator.finalize() } catch { fail(error) }
        DataParallelJob.current = nil
    }
}
