// mpi-probe: a small program that exercises the Communicator under a real mpirun, for the tests
// (Tests/CollectiveTests/MPITests.swift) and for measuring the facts the data-parallel design rests
// on. Every rank runs the same command:
//
//   mpi-probe info                      one line per rank: rank, size, host, whether MPI is loaded
//   mpi-probe check                     sums, maxima, broadcast and non-blocking sums of known values
//   mpi-probe fail RANK [CODE]          RANK reports a one-line error and exits CODE (default 1)
//                                       while the others wait in an all-reduce
//   mpi-probe abort RANK [CODE]         the same through MPI_Abort
//   mpi-probe bench FLOATS [ITERS]      all-reduce time of FLOATS floats (rank 0 prints JSON)
//   mpi-probe overlap FLOATS [ITERS]    sgemm alone, all-reduce alone, both overlapped
//   mpi-probe progress FLOATS [ITERS] [MS]  does a non-blocking all-reduce progress while idle?
//   mpi-probe interrupt [STEPS] [ignore]  steps of ~10 ms that agree each step whether to stop;
//                                       prints which signal arrived when; "ignore" ignores SIGTERM
//
// Exit codes: 0 success, 1 a check failed or MPI failed, 2 bad arguments, 130 interrupted.
import CBLAS
import Collective
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

func fail(_ message: String, code: Int32 = 1) -> Never {
    let line = "mpi-probe: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(code)
}

func say(_ line: String) {
    print(line)
    fflush(stdout)
}

/// min, median, max and 90th percentile of `samples`.
func summary(_ samples: [Double]) -> (min: Double, median: Double, p90: Double, max: Double) {
    let s = samples.sorted()
    return (s[0], s[s.count / 2], s[min(s.count - 1, s.count * 9 / 10)], s[s.count - 1])
}

func microseconds(_ x: Double) -> String { String(Int((x * 1e6).rounded())) }

let args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else { fail("usage: mpi-probe info|check|fail|abort|bench|overlap|progress|interrupt|flag ...", code: 2) }
func intArgument(_ i: Int, _ fallback: Int) -> Int {
    guard i < args.count else { return fallback }
    guard let v = Int(args[i]) else { fail("argument \(i) must be an integer, got \(args[i])", code: 2) }
    return v
}

let comm: any Communicator
do {
    comm = try makeCommunicator()
} catch {
    fail(error.description)
}
let isMPI = comm is MPICommunicator

do throws(CommunicatorError) {
    switch command {
    case "info":
        let level = (comm as? MPICommunicator).map { " thread-level=\($0.threadLevel)" } ?? ""
        say("rank=\(comm.rank) size=\(comm.size) host=\(comm.hostname) mpi=\(isMPI ? "yes" : "no")\(level)")

    case "check":
        try runChecks()

    case "fail":
        let failing = intArgument(1, 1)
        let code = Int32(intArgument(2, 1))
        if comm.rank == failing {
            // What a real failure looks like: a one-line error naming rank and host, a non-zero exit.
            // No MPI_Finalize and no MPI_Abort (which prints Open MPI's banner): mpirun sees the exit
            // and ends the other ranks.
            fail("\(comm.rankDescription): cannot read data/x.idx: no such file", code: code)
        }
        var x: Float = 1
        try comm.allreduceSum(&x, count: 1)  // never completes: the failing rank never joins
        say("rank \(comm.rank): the all-reduce completed without the failing rank")

    case "abort":
        // The same failure reported through MPI_Abort, to compare what mpirun prints.
        if comm.rank == intArgument(1, 1) {
            let line = "mpi-probe: \(comm.rankDescription): aborting\n"
            _ = line.withCString { write(2, $0, strlen($0)) }
            comm.abort(code: Int32(intArgument(2, 1)))
        }
        var x: Float = 1
        try comm.allreduceSum(&x, count: 1)

    case "bench":
        try runBench(count: intArgument(1, 1_863_690), iterations: intArgument(2, 200))

    case "overlap":
        try runOverlap(count: intArgument(1, 1_863_690), iterations: intArgument(2, 20))

    case "progress":
        try runProgress(count: intArgument(1, 1_863_690), iterations: intArgument(2, 30), idleMilliseconds: intArgument(3, 20))

    case "interrupt":
        try runInterrupt(steps: intArgument(1, 1000), ignoreTerm: args.count > 2 && args[2] == "ignore")

    case "flag":
        // The cost of agreeing every step whether any rank wants to stop: one all-reduce of one Int64.
        let iterations = intArgument(1, 2000)
        var samples: [Double] = []
        for _ in 0..<(iterations + 20) {
            let t = now()
            _ = try comm.any(false)
            samples.append(now() - t)
        }
        let s = summary(Array(samples.dropFirst(20)))
        if comm.isRoot {
            say(
                "{\"what\":\"stop-flag all-reduce\",\"ranks\":\(comm.size),\"iterations\":\(iterations),\"min_us\":\(microseconds(s.min)),\"median_us\":\(microseconds(s.median)),\"p90_us\":\(microseconds(s.p90)),\"max_us\":\(microseconds(s.max))}"
            )
        }

    default:
        fail("unknown command \(command)", code: 2)
    }
    try comm.finalize()
} catch {
    fail(error.description)
}
