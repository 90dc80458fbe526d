// mpi-probe under a real `mpirun -np 2` (oversubscribed on small machines, as root in CI through
// Scripts/mpirun.sh): sums of known values, a failing rank, a Ctrl-C, and the same binary without
// a launcher. Skipped when Open MPI's mpirun is not installed.
import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

final class MPITests: XCTestCase {
    /// The probe built next to the tests ($MPI_PROBE_BIN overrides).
    static var probe: String {
        ProcessInfo.processInfo.environment["MPI_PROBE_BIN"] ?? Package.root + "/.build/debug/mpi-probe"
    }

    /// The test's environment without any launcher's variables, as a plain shell would have it.
    static var plainEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("OMPI_") && !$0.key.hasPrefix("PMIX_") && !$0.key.hasPrefix("PMI_")
        }
    }

    func requireMPI() throws {
        guard try ProcessRunner.shell("command -v mpirun").status == 0 else { throw XCTSkip("mpirun (openmpi-bin) is not installed") }
        guard FileManager.default.isExecutableFile(atPath: Self.probe) else {
            throw XCTSkip("\(Self.probe) is not built (swift build --build-tests)")
        }
    }

    /// Scripts/mpirun.sh -np 2 mpi-probe ARGS.
    func mpirun(_ args: [String]) throws -> Run {
        try ProcessRunner.run(
            "/bin/sh", [Package.root + "/Scripts/mpirun.sh", "-np", "2", Self.probe] + args, environment: Self.plainEnvironment)
    }

    func lines(_ s: String) -> [String] { s.split(separator: "\n").map(String.init) }

    func testWithoutLauncherTheProbeIsOneProcessAndLoadsNoMPI() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.probe) else { throw XCTSkip("\(Self.probe) is not built") }
        let info = try ProcessRunner.run(Self.probe, ["info"], environment: Self.plainEnvironment)
        XCTAssertEqual(info.status, 0, info.output)
        XCTAssertTrue(info.stdout.hasPrefix("rank=0 size=1 host="), info.output)
        XCTAssertTrue(info.stdout.hasSuffix(" mpi=no\n"), info.output)
        let check = try ProcessRunner.run(Self.probe, ["check"], environment: Self.plainEnvironment)
        XCTAssertEqual(check.status, 0, check.output)
        XCTAssertTrue(check.stdout.hasPrefix("rank 0 of 1: all checks passed (0 polls), sum hash "), check.output)
    }

    func testTwoRanksAgreeOnSumsMaximaAndBroadcasts() throws {
        try requireMPI()
        let info = try mpirun(["info"])
        XCTAssertEqual(info.status, 0, info.output)
        let ranks = lines(info.stdout).sorted()
        XCTAssertEqual(ranks.count, 2, info.output)
        for (i, line) in ranks.enumerated() {
            XCTAssertTrue(line.hasPrefix("rank=\(i) size=2 host="), line)
            // MPI_THREAD_FUNNELED (1) or better was granted.
            XCTAssertTrue(
                line.hasSuffix(" mpi=yes thread-level=1") || line.hasSuffix("thread-level=2") || line.hasSuffix("thread-level=3"), line)
        }
        let check = try mpirun(["check"])
        XCTAssertEqual(check.status, 0, check.output)
        let passed = lines(check.stdout).filter { $0.contains("all checks passed") }.sorted()
        XCTAssertEqual(passed.count, 2, check.output)
        XCTAssertTrue(passed[0].hasPrefix("rank 0 of 2:"), check.output)
        XCTAssertTrue(passed[1].hasPrefix("rank 1 of 2:"), check.output)
        XCTAssertEqual(check.stderr, "")
        // Rounded sums: the same bytes on both ranks (the probe compares them) and in a second run.
        let again = try mpirun(["check"])
        XCTAssertEqual(again.status, 0, again.output)
        let hashes = Set((lines(check.stdout) + lines(again.stdout)).compactMap { $0.components(separatedBy: "sum hash ").last })
        XCTAssertEqual(hashes.count, 1, check.stdout + again.stdout)
    }

    /// Rank 1 fails while rank 0 waits in an all-reduce: mpirun ends rank 0, exits with rank 1's
    /// code, and stderr holds rank 1's line alone (no Open MPI banner).
    func testAFailingRankEndsTheJobWithItsOneLineError() throws {
        try requireMPI()
        let r = try mpirun(["fail", "1", "3"])
        XCTAssertEqual(r.status, 3, r.output)
        let errors = lines(r.stderr)
        XCTAssertEqual(errors.count, 1, r.stderr)
        let line = errors.first ?? ""
        XCTAssertTrue(line.hasPrefix("mpi-probe: rank 1 on "), line)
        XCTAssertTrue(line.hasSuffix(": cannot read data/x.idx: no such file"), line)
        XCTAssertFalse(r.stdout.contains("completed without the failing rank"), r.stdout)
    }

    /// SIGINT to mpirun (a Ctrl-C): Open MPI sends the ranks SIGTERM about a second later; they
    /// agree through an all-reduce of a flag and stop after the same step, each exiting cleanly.
    func testAnInterruptStopsEveryRankAfterTheSameStep() throws {
        try requireMPI()
        var environment = Self.plainEnvironment
        if geteuid() == 0 {
            environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
            environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        }
        let mpirun = try ProcessRunner.shell("command -v mpirun").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: mpirun)
        p.arguments = ["--quiet", "--oversubscribe", "--bind-to", "none", "-np", "2", Self.probe, "interrupt", "6000"]
        p.environment = environment
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        // One reader thread owns the pipe: it collects the output and says when both ranks are ready.
        final class Output: @unchecked Sendable { var text = "" }
        let output = Output()
        let ready = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let reader = out.fileHandleForReading
        DispatchQueue.global().async {
            var signalled = false
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                output.text += String(decoding: chunk, as: UTF8.self)
                if !signalled && output.text.components(separatedBy: " ready at ").count >= 3 {
                    signalled = true
                    ready.signal()
                }
            }
            if !signalled { ready.signal() }
            finished.signal()
        }
        XCTAssertEqual(ready.wait(timeout: .now() + 60), .success, "the ranks never started")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(finished.wait(timeout: .now() + 30), .success, "mpirun's output never closed")
        let text = output.text
        let stops = lines(text).filter { $0.contains("stopping cleanly after step") }
        XCTAssertEqual(stops.count, 2, text)
        let steps = Set(stops.map { $0.components(separatedBy: "after step ").last?.split(separator: " ").first ?? "" })
        XCTAssertEqual(steps.count, 1, "the ranks stopped after different steps: \(text)")
        XCTAssertNotEqual(p.terminationStatus, 0, text)
    }
}
