// `mpi-probe bench` and `mpi-probe overlap`: how long an all-reduce of a gradient takes, and whether
// a non-blocking one progresses while the rank computes (sgemm on one OpenBLAS thread).
import CBLAS
import Collective

#if canImport(Glibc)
    import Glibc
#endif

/// The median over ranks is what a training step waits for; each rank's median is collected.
private func reportAcrossRanks(_ what: String, count: Int, samples: [Double]) throws(CommunicatorError) {
    let s = summary(samples)
    var perRank = [Double](repeating: 0, count: comm.size)
    perRank[comm.rank] = s.median
    try comm.allreduceSum(&perRank, count: perRank.count)
    if comm.isRoot {
        let ranks = perRank.map(microseconds).joined(separator: ",")
        say(
            "{\"what\":\"\(what)\",\"ranks\":\(comm.size),\"floats\":\(count),\"bytes\":\(count * 4),\"iterations\":\(samples.count),\"min_us\":\(microseconds(s.min)),\"median_us\":\(microseconds(s.median)),\"p90_us\":\(microseconds(s.p90)),\"max_us\":\(microseconds(s.max)),\"median_us_per_rank\":[\(ranks)],\"gbytes_per_s\":\(Double(Int(Double(count * 4) / s.median / 1e7)) / 100)}"
        )
    }
}

func runBench(count: Int, iterations: Int) throws(CommunicatorError) {
    openblas_set_num_threads(1)
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
    defer { buffer.deallocate() }
    for i in 0..<count { buffer[i] = Float(i % 13) * 1e-3 }
    var samples: [Double] = []
    for i in 0..<(iterations + 10) {
        try comm.barrier()  // start together: time the reduction, not the ranks' skew
        let t = now()
        try comm.allreduceSum(buffer, count: count)
        if i >= 10 { samples.append(now() - t) }
        // Keep values bounded (2^k growth would reach infinity and slow the sums on denormals/inf).
        if i % 8 == 7 { for j in 0..<count { buffer[j] = Float(j % 13) * 1e-3 } }
    }
    try reportAcrossRanks("allreduce", count: count, samples: samples)
}

/// A stand-in for the backward pass of workload C on one rank (batch 128 per rank): `pieces` weight-
/// gradient products of 1024×128 by 128×1024, one OpenBLAS thread.
private final class Compute {
    let m = 1024, n = 1024, k = 128
    let a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>
    init() {
        a = .allocate(capacity: m * k)
        b = .allocate(capacity: k * n)
        c = .allocate(capacity: m * n)
        for i in 0..<(m * k) { a[i] = Float(i % 17) * 0.01 }
        for i in 0..<(k * n) { b[i] = Float(i % 11) * 0.01 }
    }
    func piece() {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, c, Int32(n))
    }
}

func runOverlap(count: Int, iterations: Int) throws(CommunicatorError) {
    openblas_set_num_threads(1)
    let compute = Compute()
    let pieces = 4
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
    defer { buffer.deallocate() }
    func refill() { for j in 0..<count { buffer[j] = Float(j % 13) * 1e-3 } }
    refill()
    var computeOnly: [Double] = []
    var reduceOnly: [Double] = []
    var waitOnly: [Double] = []
    var polled: [Double] = []
    var waitAfterCompute: [Double] = []
    var pollCount = 0
    for i in 0..<(iterations + 3) {
        let keep = i >= 3
        // 1. compute alone
        try comm.barrier()
        var t = now()
        for _ in 0..<pieces { compute.piece() }
        if keep { computeOnly.append(now() - t) }
        // 2. all-reduce alone (blocking)
        refill()
        try comm.barrier()
        t = now()
        try comm.allreduceSum(buffer, count: count)
        if keep { reduceOnly.append(now() - t) }
        // 3. start, compute, wait: no MPI call during the compute
        refill()
        try comm.barrier()
        t = now()
        var r = try comm.startAllreduceSum(buffer, count: count)
        for _ in 0..<pieces { compute.piece() }
        let w = now()
        try comm.wait(&r)
        if keep {
            waitOnly.append(now() - t)
            waitAfterCompute.append(now() - w)
        }
        // 4. start, compute with an MPI_Test after each piece (as a backward pass between layers)
        refill()
        try comm.barrier()
        t = now()
        r = try comm.startAllreduceSum(buffer, count: count)
        for _ in 0..<pieces {
            compute.piece()
            if try !comm.test(&r), keep { pollCount += 1 }
        }
        try comm.wait(&r)
        if keep { polled.append(now() - t) }
    }
    try reportAcrossRanks("sgemm 4x(1024x128x1024) alone", count: count, samples: computeOnly)
    try reportAcrossRanks("allreduce alone", count: count, samples: reduceOnly)
    try reportAcrossRanks("iallreduce + sgemm, wait at end", count: count, samples: waitOnly)
    try reportAcrossRanks("  of which the final wait", count: count, samples: waitAfterCompute)
    try reportAcrossRanks("iallreduce + sgemm, MPI_Test after each sgemm", count: count, samples: polled)
    if comm.isRoot { say("{\"what\":\"tests that found the reduction unfinished\",\"count\":\(pollCount)}") }
}

/// Whether a non-blocking all-reduce moves forward while the rank makes no MPI call. The rank
/// sleeps instead of computing, so the measurement does not depend on other load: the core is free
/// for any progress thread. Compares the blocking all-reduce, the non-blocking one waited for at
/// once, and the wait left after `idleMilliseconds` without MPI calls, or with an MPI_Test every
/// millisecond.
func runProgress(count: Int, iterations: Int, idleMilliseconds: Int) throws(CommunicatorError) {
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
    defer { buffer.deallocate() }
    func refill() { for j in 0..<count { buffer[j] = Float(j % 13) * 1e-3 } }
    func sleepMilliseconds(_ ms: Int) {
        var t = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
        nanosleep(&t, nil)
    }
    var blocking: [Double] = []
    var immediate: [Double] = []
    var idleWait: [Double] = []
    var polledWait: [Double] = []
    var pollsUntilDone: [Double] = []
    for i in 0..<(iterations + 3) {
        let keep = i >= 3
        refill()
        try comm.barrier()
        var t = now()
        try comm.allreduceSum(buffer, count: count)
        if keep { blocking.append(now() - t) }

        refill()
        try comm.barrier()
        t = now()
        var r = try comm.startAllreduceSum(buffer, count: count)
        try comm.wait(&r)
        if keep { immediate.append(now() - t) }

        refill()
        try comm.barrier()
        r = try comm.startAllreduceSum(buffer, count: count)
        sleepMilliseconds(idleMilliseconds)
        t = now()
        try comm.wait(&r)
        if keep { idleWait.append(now() - t) }

        refill()
        try comm.barrier()
        r = try comm.startAllreduceSum(buffer, count: count)
        var polls = 0
        var done = false
        for _ in 0..<idleMilliseconds {
            sleepMilliseconds(1)
            if !done {
                polls += 1
                done = try comm.test(&r)
            }
        }
        t = now()
        try comm.wait(&r)
        if keep {
            polledWait.append(now() - t)
            pollsUntilDone.append(done ? Double(polls) * 1e-6 : -1e-6)
        }
    }
    try reportAcrossRanks("blocking allreduce", count: count, samples: blocking)
    try reportAcrossRanks("iallreduce, wait at once", count: count, samples: immediate)
    try reportAcrossRanks("iallreduce, wait after \(idleMilliseconds) ms idle", count: count, samples: idleWait)
    try reportAcrossRanks("iallreduce, wait after \(idleMilliseconds) ms with MPI_Test each ms", count: count, samples: polledWait)
    // Reported in "microseconds" of 1e-6 each: the count of 1 ms polls that completed it (-1: never).
    try reportAcrossRanks("  MPI_Test calls until complete (as _us)", count: count, samples: pollsUntilDone)
}
