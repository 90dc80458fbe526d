// The worker pool that shares the elementwise loops: every chunk of every region runs exactly once,
// the results are the same bit for bit as on one thread, pinning is undone when the thread count
// drops, and another busy process makes the pool step aside (loops inline, GEMM threads unchanged).
import CBLAS
import Foundation
import Glibc
import Model
import XCTest

@testable import Runtime

final class LoopThreadsTests: XCTestCase {
    /// A pool that pins and polls even on a busy machine (the tests' machine runs other builds).
    static let pool = LoopThreads(senseLoad: false)
    private var savedBLASThreads = 1

    override func setUp() { savedBLASThreads = BLAS.threads }

    override func tearDown() {
        LoopThreadsTests.pool.use(threads: 1, pin: false)
        BLAS.setThreads(savedBLASThreads)
    }

    /// A chunk function's context: calls per chunk, and how many chunks threads other than `caller` ran.
    private struct Counter {
        let slots: UnsafeMutablePointer<Int>
        let byHelpers: UnsafeMutablePointer<Int>
        let caller: pthread_t
    }

    func testEveryChunkOfEveryRegionRunsExactlyOnce() {
        // Twice: with OpenBLAS on as many threads as CPUs (pinned; helpers poll between regions) and
        // with OpenBLAS on one thread (nothing pinned; helpers sleep and are woken).
        let pool = LoopThreadsTests.pool
        for blasThreads in [pool.allowedCPUs.count, 1] {
            BLAS.setThreads(blasThreads)
            pool.setThreads(2, pin: true)
            defer { pool.setThreads(1) }
            XCTAssertEqual(pool.threads, 2)
            let slots = UnsafeMutablePointer<Int>.allocate(capacity: 64)
            let byHelpers = UnsafeMutablePointer<Int>.allocate(capacity: 1)
            byHelpers.initialize(to: 0)
            defer {
                slots.deallocate()
                byHelpers.deallocate()
            }
            let counter = Counter(slots: slots, byHelpers: byHelpers, caller: pthread_self())
            // Many small regions back to back: a helper that wakes late must not run a chunk of the
            // next region under the previous one's job, nor twice.
            for round in 0..<3000 {
                let n = round % 64
                slots.initialize(repeating: 0, count: 64)
                pool.run(chunks: n, context: counter) { context, c in
                    let k = context.load(as: Counter.self)
                    k.slots[c] += 1
                    if pthread_equal(pthread_self(), k.caller) == 0 { k.byHelpers.pointee += 1 }  // one helper
                    for _ in 0..<200 { mlp_pause() }  // a little work, so that the helper gets some
                }
                for c in 0..<64 where slots[c] != (c < n ? 1 : 0) {
                    XCTFail("OpenBLAS threads \(blasThreads), round \(round): chunk \(c) of \(n) ran \(slots[c]) times")
                    return
                }
            }
            XCTAssertGreaterThan(byHelpers.pointee, 0, "OpenBLAS threads \(blasThreads): the helper never took a chunk")
        }
    }

    func testChunkRanges() {
        XCTAssertEqual(Loops.chunks(40_000, size: 16_384), 3)
        XCTAssertEqual(Loops.range(chunk: 2, size: 16_384, count: 40_000), 32_768..<40_000)
        XCTAssertEqual(Loops.chunks(0, size: 16_384), 0)
    }

    /// Weights after a few steps (gather, forward, backward, update), with the elementwise loops on
    /// `threads` threads; OpenBLAS stays on one thread so that only the elementwise split changes.
    private func trainedWeights(threads: Int, optimizer kind: OptimizerKind, activation: Activation) -> [[Float]] {
        BLAS.setThreads(1)
        let pool = LoopThreadsTests.pool
        pool.setThreads(threads)
        defer { pool.setThreads(1) }
        // 784 features and batch 96: the gather has 5 chunks, the 300-wide layer's passes 2 or more,
        // and the update of 250 K parameters 16.
        let n = 192
        let f = 784
        var rng = RandomGenerator(seed: 7)
        let pixels = (0..<(n * f)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let labels = (0..<n).map { _ in Int32(rng.next() % 10) }
        let data = Dataset(pixels: pixels, labels: labels, count: n, rows: 28, cols: 28)
        let net = Network(
            inputs: f, specs: [.dense(units: 300, activation: activation), .dense(units: 10, activation: .linear)],
            loss: SoftmaxCrossEntropy(), seed: 3, loops: Loops(pool))
        let opt: Optimizer = kind == .adam ? Adam(network: net) : SGD(network: net, momentum: 0.9)
        let trainer = Trainer(
            network: net, optimizer: opt, schedule: LearningRateSchedule(base: 0.01),
            batchSize: 96, epochs: 2, seed: 5)
        for epoch in 1...2 { _ = trainer.runEpoch(epoch, on: data) }
        return net.store.parameters.map(\.values)
    }

    func testTwoThreadsGiveTheSameWeightsAsOne() {
        for (kind, act) in [(OptimizerKind.sgd, Activation.relu), (.adam, .gelu)] {
            let one = trainedWeights(threads: 1, optimizer: kind, activation: act)
            let two = trainedWeights(threads: 2, optimizer: kind, activation: act)
            XCTAssertEqual(one.count, two.count)
            for (i, (a, b)) in zip(one, two).enumerated() {
                XCTAssertTrue(a == b, "\(kind) \(act): parameter \(i) differs between one and two threads")
            }
            XCTAssertFalse(one.allSatisfy { $0.allSatisfy { $0 == 0 } })
        }
    }

    /// The calling thread's allowed CPUs.
    private func callerCPUs() -> [Int32] {
        var cpus = [Int32](repeating: 0, count: 1024)
        let n = Int(mlp_allowed_cpus(&cpus, 1024))
        return Array(cpus.prefix(n))
    }

    func testPinningOnlyWhenThreadsFillTheCPUsAndUndoneAfter() throws {
        let pool = LoopThreadsTests.pool
        let all = pool.allowedCPUs
        guard all.count > 1 else { throw XCTSkip("one CPU: nothing to pin") }
        pool.use(threads: all.count, pin: false)
        XCTAssertFalse(pool.pinned, "a library caller is pinned only when it asks")
        pool.use(threads: all.count, pin: true)
        XCTAssertTrue(pool.pinned)
        XCTAssertEqual(callerCPUs(), [all[0]], "the thread that calls BLAS runs on the first CPU")
        pool.use(threads: 1, pin: true)
        XCTAssertFalse(pool.pinned)
        XCTAssertEqual(callerCPUs(), all, "one thread gets every CPU back")
        if all.count > 2 {
            pool.use(threads: 2, pin: true)
            XCTAssertFalse(pool.pinned, "fewer threads than CPUs: left to the scheduler")
        }
    }

    /// The watcher's thread unpins; pinning again happens on the caller, which alone OpenBLAS's
    /// affinity call can name (from another thread it pinned that thread instead).
    func testAfterAContendedSpellTheCallerIsPinnedAgain() throws {
        let pool = LoopThreads(senseLoad: false)
        let all = pool.allowedCPUs
        guard all.count > 1 else { throw XCTSkip("one CPU: nothing to pin") }
        pool.use(threads: all.count, pin: true)
        defer { pool.use(threads: 1, pin: false) }
        XCTAssertEqual(callerCPUs(), [all[0]])
        func onAnotherThread(_ body: @escaping @Sendable () -> Void) {
            let done = DispatchSemaphore(value: 0)
            Thread {
                body()
                done.signal()
            }.start()
            done.wait()
        }
        nonisolated(unsafe) let p = pool
        onAnotherThread { p.stepAside(true) }
        XCTAssertTrue(pool.contended)
        XCTAssertEqual(callerCPUs(), all, "unpinned while others are busy")
        onAnotherThread { p.stepAside(false) }
        XCTAssertFalse(pool.contended)
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 2)
        defer { slots.deallocate() }
        pool.run(chunks: 2, context: UnsafeRawPointer(slots)) { _, _ in }
        XCTAssertTrue(pool.pinned)
        XCTAssertEqual(callerCPUs(), [all[0]], "the caller's next region pins it again")
    }

    func testAnotherBusyProcessTurnsPinningOff() throws {
        let pool = LoopThreads(senseLoad: true)
        let all = pool.allowedCPUs
        guard all.count > 1 else { throw XCTSkip("one CPU: nothing to pin") }
        guard OtherLoad.runnable() != nil else { throw XCTSkip("no /proc/stat") }
        // A busy loop in another process: runnable all the time.
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup("while :; do :; done"), nil]
        defer { for a in argv { free(a) } }
        XCTAssertEqual(posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ), 0)
        defer {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        var seen = 0
        for _ in 0..<50 where seen == 0 {
            seen = OtherLoad.runnable() ?? 0
            usleep(10_000)
        }
        XCTAssertGreaterThan(seen, 0, "a busy process is counted")
        // Pinned or not at first (this machine may run other work too), the watcher thread notices
        // the busy process within a few quarter-second looks, with no region running at all.
        pool.use(threads: all.count, pin: true)
        defer { pool.use(threads: 1, pin: false) }
        let start = Date()
        while !(pool.contended && !pool.pinned) && Date().timeIntervalSince(start) < 5 { usleep(20_000) }
        XCTAssertTrue(pool.contended, "another busy process turns pinning off")
        XCTAssertFalse(pool.pinned)
        XCTAssertEqual(callerCPUs(), all, "and gives the caller every CPU back")
        // Loops then run inline on the caller.
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 4)
        let byHelpers = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        byHelpers.initialize(to: 0)
        defer {
            slots.deallocate()
            byHelpers.deallocate()
        }
        let counter = Counter(slots: slots, byHelpers: byHelpers, caller: pthread_self())
        withUnsafePointer(to: counter) { c in
            pool.run(chunks: 4, context: UnsafeRawPointer(c)) { context, _ in
                let k = context.load(as: Counter.self)
                if pthread_equal(pthread_self(), k.caller) == 0 { k.byHelpers.pointee += 1 }
            }
        }
        XCTAssertEqual(byHelpers.pointee, 0, "while contended, every chunk runs on the caller")
        XCTAssertEqual(BLAS.threads, all.count, "the GEMMs keep their threads: results must not depend on the load")
    }
}
