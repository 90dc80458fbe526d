import Formats
// `mpirun -np 2 mlp train` end to end, through Scripts/mpirun.sh (oversubscribed on a
// small machine, allowed as root): two ranks train the model one process trains, rank 0 alone
// prints and writes, an interrupted job resumes, a failing rank ends the job with its one line.
// Skipped when Open MPI's mpirun is not installed (Scripts/deps.sh installs it).
import Foundation
import XCTest

final class DataParallelTests: XCTestCase {
    /// The environment of a plain shell: no launcher variables inherited from an outer mpirun.
    static var plainEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("OMPI_") && !$0.key.hasPrefix("PMIX_") && !$0.key.hasPrefix("PMI_")
        }
    }

    func requireMPI() throws {
        if try ProcessRunner.shell("command -v mpirun >/dev/null").status != 0 { throw XCTSkip("mpirun (openmpi-bin) is not installed") }
    }

    /// Scripts/mpirun.sh ARGS (the mpirun part, then the program and its arguments).
    func mpirun(_ args: [String]) throws -> Run {
        try ProcessRunner.run("/bin/sh", [Package.path("Scripts/mpirun.sh")] + args, environment: Self.plainEnvironment)
    }

    func lines(_ s: String) -> [String] { s.split(separator: "\n").map(String.init) }

    /// The largest difference between two model files' tensors (which must have the same names and shapes).
    func largestDifference(_ a: String, _ b: String) throws -> Float {
        let x = try Safetensors.read(path: a)
        let y = try Safetensors.read(path: b)
        XCTAssertEqual(x.tensors.map(\.name), y.tensors.map(\.name))
        var worst: Float = 0
        for t in x.tensors {
            let u = try XCTUnwrap(y.tensor(t.name))
            XCTAssertEqual(t.shape, u.shape, t.name)
            for (p, q) in zip(t.values, u.values) { worst = max(worst, abs(p - q)) }
        }
        return worst
    }

    /// One step (the batch is the whole training set) with dropout: the masks of a rank's rows are
    /// those one process draws, the gradients summed over ranks are the whole batch's, so the
    /// weights agree to float rounding; with 3 ranks too (shares of 86, 85 and 85 rows).
    func testOneStepOnTwoAndThreeRanksGivesTheOneProcessWeights() throws {
        try requireMPI()
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 256)
        let train = [
            "train", "--data", dir.path, "--layers", "32:tanh,dropout:0.3,16:relu,4", "--batch-size", "256",
            "--epochs", "1", "--lr", "0.5", "--momentum", "0.9", "--threads", "1", "--quiet",
        ]
        let one = try MLP.run(train + ["--out", dir.file("one.safetensors")])
        XCTAssertEqual(one.status, 0, one.stderr)
        // The step moved the weights well beyond the tolerance (so the test compares trained weights).
        let still = try MLP.run(train.map { $0 == "0.5" ? "0.000001" : $0 } + ["--out", dir.file("still.safetensors")])
        XCTAssertEqual(still.status, 0, still.stderr)
        XCTAssertGreaterThan(try largestDifference(dir.file("one.safetensors"), dir.file("still.safetensors")), 1e-2)
        for ranks in ["2", "3"] {
            let many = try mpirun(["-np", ranks, MLP.binary] + train + ["--out", dir.file("\(ranks).safetensors")])
            XCTAssertEqual(many.status, 0, many.stderr)
            let d = try largestDifference(dir.file("one.safetensors"), dir.file("\(ranks).safetensors"))
            XCTAssertLessThan(d, 1e-6, "\(ranks) ranks")
        }
    }

    /// Several epochs of small batches (the last has one row: rank 0 computes none of it):
    /// same accuracy as one process, rank 0 alone prints its report and writes the files, and a
    /// second run with the same rank count writes the same bytes.
    func testTwoRanksTrainLikeOneProcessReportOnceAndRepeatExactly() throws {
        try requireMPI()
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 241)  // 193 training rows: the last batch of 1 leaves rank 0 none
        let train = [
            "train", "--data", dir.path, "--hidden", "16", "--batch-size", "32", "--epochs", "3",
            "--threads", "1", "--validation-split", "0.2",
        ]
        let one = try MLP.run(train + ["--out", dir.file("one.safetensors")])
        XCTAssertEqual(one.status, 0, one.stderr)
        let two = try mpirun(
            ["-np", "2", MLP.binary] + train + [
                "--out", dir.file("two.safetensors"), "--log", dir.file("log.jsonl"),
                "--plot", dir.file("curves.svg"), "--checkpoint", dir.file("ckpt"),
            ])
        XCTAssertEqual(two.status, 0, two.stderr)
        // One report, from rank 0: the same test accuracy as one process.
        let report = lines(two.stdout)
        XCTAssertEqual(report.count, 2, two.stdout)
        XCTAssertTrue(report[0].contains("on 2 ranks"), report[0])
        func accuracy(_ s: String) -> Double? {
            guard let r = s.range(of: "test accuracy ") else { return nil }
            return Double(s[r.upperBound...].prefix(6))
        }
        let a1 = try XCTUnwrap(accuracy(one.stdout))
        let a2 = try XCTUnwrap(accuracy(two.stdout))
        XCTAssertEqual(a1, a2, accuracy: 0.003)
        XCTAssertLessThan(try largestDifference(dir.file("one.safetensors"), dir.file("two.safetensors")), 1e-4)
        // One banner, one line per epoch: nothing printed twice.
        XCTAssertEqual(lines(two.stderr).filter { $0.hasPrefix("mlp: network ") }.count, 1, two.stderr)
        XCTAssertTrue(two.stderr.contains("shared by 2 ranks"), two.stderr)
        XCTAssertEqual(lines(two.stderr).filter { $0.hasPrefix("epoch 3/3") }.count, 1, two.stderr)
        XCTAssertEqual(lines(try String(contentsOfFile: dir.file("log.jsonl"), encoding: .utf8)).count, 3)
        for f in ["curves.svg", "ckpt"] { XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file(f)), f) }
        // No temporary files left by any rank.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp") }
        XCTAssertEqual(left, [])

        let again = try mpirun(["-np", "2", MLP.binary] + train + ["--out", dir.file("again.safetensors"), "--quiet"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: dir.file("again.safetensors"))),
            try Data(contentsOf: URL(fileURLWithPath: dir.file("two.safetensors"))))
    }

    /// Every rank gets SIGTERM (as mpirun sends on Ctrl-C): the ranks agree to stop after the same
    /// step, rank 0 writes the checkpoint, all exit 130; resuming on 2 ranks ends with the bytes of
    /// the uninterrupted run.
    func testInterruptedJobCheckpointsOnceAndResumesToTheSameBytes() throws {
        try requireMPI()
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 256)
        let train = [
            "train", "--data", dir.path, "--layers", "16:relu,dropout:0.2,4", "--batch-size", "32", "--epochs", "2",
            "--threads", "1", "--quiet", "--checkpoint", dir.file("ckpt"),
        ]
        let whole = try mpirun(["-np", "2", MLP.binary] + train + ["--out", dir.file("whole.safetensors")])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let cut = try mpirun(
            ["-np", "2", MLP.driver, "--interrupt-after", "5", "--signal", "TERM"] + train + ["--out", dir.file("cut.safetensors")])
        XCTAssertEqual(cut.status, 130, cut.stderr)
        let said = lines(cut.stderr).filter { $0.contains("checkpoint written to") }
        XCTAssertEqual(said.count, 1, cut.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("cut.safetensors")))
        let resumed = try mpirun([
            "-np", "2", MLP.binary, "train", "--resume", dir.file("ckpt"), "--data", dir.path, "--threads", "1", "--quiet",
            "--out", dir.file("cut.safetensors"),
        ])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: dir.file("cut.safetensors"))),
            try Data(contentsOf: URL(fileURLWithPath: dir.file("whole.safetensors"))))
    }

    /// Rank 1 cannot read its data (a bad file on one host): the job ends non-zero with rank 1's
    /// one line naming the rank and host, and no model is written.
    func testAFailingRankEndsTheJobWithItsOneLine() throws {
        try requireMPI()
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 64)
        let args = ["--hidden", "8", "--epochs", "1", "--threads", "1", "--quiet", "--out", dir.file("m.safetensors")]
        // mpirun's MPMD form: rank 0 reads the good directory, rank 1 a missing one.
        let r = try mpirun(
            ["-np", "1", MLP.binary, "train", "--data", dir.path] + args
                + [":", "-np", "1", MLP.binary, "train", "--data", dir.file("missing")] + args)
        XCTAssertEqual(r.status, 1, r.stderr)
        let errors = lines(r.stderr).filter { $0.hasPrefix("error: ") }
        XCTAssertEqual(errors.count, 1, r.stderr)
        XCTAssertTrue(errors[0].hasPrefix("error: rank 1 on "), r.stderr)
        XCTAssertTrue(errors[0].contains(dir.file("missing")), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("m.safetensors")))
        // A usage error every rank meets alike is printed once, by rank 0.
        let bad = try mpirun(["-np", "2", MLP.binary, "train", "--data", dir.path, "--lr", "fast"])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertEqual(lines(bad.stderr).filter { $0.hasPrefix("error: ") }.count, 1, bad.stderr)
        XCTAssertTrue(bad.stderr.hasPrefix("error: rank 0 on "), bad.stderr)
    }
}
