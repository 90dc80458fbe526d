// `mpi-probe interrupt`: steps of about 10 ms; after each, the ranks agree (an all-reduce of a flag)
// whether any saw SIGINT or SIGTERM, and if so stop together and exit 130. Each rank reports which
// signal reached it and when (CLOCK_REALTIME, so a shell can compare with the time it sent one).
import Collective
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The last signal received (0: none), and how many. Written by the handler: lock-free atomics.
let lastSignal = Atomic<Int>(0)
let signalCount = Atomic<Int>(0)

func wallClock() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_REALTIME, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

func runInterrupt(steps: Int, ignoreTerm: Bool) throws(CommunicatorError) {
    let handler: @convention(c) (Int32) -> Void = { sig in
        lastSignal.store(Int(sig), ordering: .relaxed)
        signalCount.add(1, ordering: .relaxed)
    }
    signal(SIGINT, handler)
    signal(SIGTERM, ignoreTerm ? SIG_IGN : handler)
    signal(SIGCONT, handler)
    signal(SIGUSR1, handler)
    signal(SIGUSR2, handler)
    say("rank \(comm.rank): pid \(getpid()) ready at \(wallClock())")
    var seen = 0
    for step in 0..<steps {
        var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
        nanosleep(&pause, nil)
        let count = signalCount.load(ordering: .relaxed)
        if count != seen {
            seen = count
            say("rank \(comm.rank): signal \(lastSignal.load(ordering: .relaxed)) (count \(count)) seen at step \(step), \(wallClock())")
        }
        let mine = lastSignal.load(ordering: .relaxed) == Int(SIGINT) || lastSignal.load(ordering: .relaxed) == Int(SIGTERM)
        if try comm.any(mine) {
            say("rank \(comm.rank): stopping cleanly after step \(step) (signal on this rank: \(mine ? "yes" : "no")), \(wallClock())")
            try comm.finalize()
            exit(130)
        }
    }
    say("rank \(comm.rank): ran all \(steps) steps")
}
