// Nothing is ever lost: `mlp train --out` over an existing model, killed with SIGKILL at random
// moments, always leaves a complete, loadable model (the old one or the new one), and a write
// that runs out of disk space leaves the previous file as it was and says so.
//
// A killed writer can leave its temporary file `.NAME.tmp-PID-HEX` (nothing runs after SIGKILL);
// the next write of NAME removes those whose process is gone, so at most one is ever there.
import Foundation
import Glibc
import XCTest
import Formats
@testable import MLPCLI
@testable import Training
import Tables

final class NothingLostTests: XCTestCase {
    /// 16 random 28×28 images: a 784→1024→10 network (3.2 MB of safetensors) trains on them in a
    /// fraction of a second, so a random kill often lands while the file is being written.
    func dataset() throws -> TempDir {
        let dir = try TempDir()
        var state: UInt64 = 11
        let pixels = (0..<(16 * 784)).map { _ -> UInt8 in state = state &* 6364136223846793005 &+ 1; return UInt8(state >> 56) }
        try Synthetic.writeMNISTLike(dir: dir, images: pixels, labels: (0..<16).map { UInt8($0 % 10) }, rows: 28, cols: 28)
        return dir
    }

    func trainArgs(_ dir: TempDir, out: String, seed: Int) -> [String] {
        ["train", "--data", dir.path, "--hidden", "1024", "--epochs", "1", "--threads", "1", "--seed", "\(seed)", "--quiet", "--out", out]
    }

    func temporaries(_ dir: TempDir, _ name: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".\(name).tmp-") }
    }

    func testSIGKILLWhileSavingNeverLeavesABrokenModel() throws {
        let dir = try dataset()
        let path = dir.file("m.safetensors")
        // The old model (seed 1) and, trained elsewhere, the new one (seed 2): same seed and
        // threads give the same bytes, so every outcome can be told apart.
        XCTAssertEqual(try MLP.run(trainArgs(dir, out: dir.file("old.bin"), seed: 1)).status, 0)
        let start = Date()
        XCTAssertEqual(try MLP.run(trainArgs(dir, out: dir.file("new.bin"), seed: 2)).status, 0)
        let runtime = Date().timeIntervalSince(start)
        let old = try Data(contentsOf: URL(fileURLWithPath: dir.file("old.bin")))
        let new = try Data(contentsOf: URL(fileURLWithPath: dir.file("new.bin")))
        XCTAssertNotEqual(old, new)

        var outcomes = (old: 0, new: 0)
        var leftBehind = Set<String>()  // temporaries of killed runs, each counted once
        var rng = SystemRandomNumberGenerator()
        for iteration in 0..<40 {
            try old.write(to: URL(fileURLWithPath: path))
            let p = Process()
            p.executableURL = URL(fileURLWithPath: MLP.binary)
            p.arguments = trainArgs(dir, out: path, seed: 2)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            if iteration % 2 == 0 {
                // Any moment of the run.
                usleep(UInt32(Double.random(in: 0...(runtime * 1.1), using: &rng) * 1e6))
            } else {
                // Aim at the save: wait for the temporary file to appear, then up to 3 ms more.
                let deadline = Date().addingTimeInterval(runtime * 3 + 1)
                while try temporaries(dir, "m.safetensors").isEmpty && p.isRunning && Date() < deadline {}
                usleep(UInt32.random(in: 0...3000, using: &rng))
            }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()

            let now = try Data(contentsOf: URL(fileURLWithPath: path))
            XCTAssertTrue(now == old || now == new, "iteration \(iteration): the file is neither the old nor the new model (\(now.count) bytes)")
            if now == old { outcomes.old += 1 } else if now == new { outcomes.new += 1 }
            XCTAssertNoThrow(try ModelFile.load(path), "iteration \(iteration)")
            let temps = try temporaries(dir, "m.safetensors")
            XCTAssertLessThanOrEqual(temps.count, 1, "iteration \(iteration): stale temporaries pile up: \(temps)")
            leftBehind.formUnion(temps)
        }
        print("SIGKILL while saving: \(outcomes.old) old, \(outcomes.new) new, \(leftBehind.count) killed mid-write (temporary left)")
        XCTAssertGreaterThan(outcomes.old, 0, "no kill landed before the rename: the test did not exercise the save")
        XCTAssertGreaterThan(outcomes.new, 0, "no run got to the rename: the kill window is too short")

        // The next complete save removes whatever a killed run left.
        XCTAssertEqual(try MLP.run(trainArgs(dir, out: path, seed: 2)).status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), new)
        XCTAssertEqual(try temporaries(dir, "m.safetensors"), [])
    }

    // MARK: - A full disk

    /// A 64 KiB tmpfs mounted for the test; skipped where mounting is not allowed.
    final class SmallDisk {
        let dir: TempDir
        var path: String { dir.path }
        init() throws {
            dir = try TempDir()
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/mount")
            p.arguments = ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir.path]
            p.standardError = FileHandle.nullDevice
            do { try p.run() } catch { throw XCTSkip("cannot run mount: \(error)") }
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw XCTSkip("mounting a tmpfs needs root (CAP_SYS_ADMIN)") }
        }
        deinit {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/umount")
            p.arguments = [dir.path]
            try? p.run()
            p.waitUntilExit()
        }
    }

    func testAFullDiskKeepsThePreviousModelAndSaysSo() throws {
        let data = try dataset()
        let disk = try SmallDisk()
        let path = disk.path + "/m.safetensors"
        // A small model fits (784→4→10, about 13 KB)...
        let small = ["train", "--data", data.path, "--hidden", "4", "--epochs", "1", "--threads", "1", "--quiet", "--out", path]
        XCTAssertEqual(try MLP.run(small).status, 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        // ...a 784→64→10 one (200 KB) does not.
        let r = try MLP.run(["train", "--data", data.path, "--hidden", "64", "--epochs", "1", "--threads", "1", "--quiet", "--out", path])
        // (--quiet still prints one line per epoch; the error is the last line)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.split(separator: "\n").last, "error: \(path): cannot write: No space left on device (the previous file is unchanged)")
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.hasPrefix("error") }.count, 1)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertNoThrow(try ModelFile.load(path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: disk.path), ["m.safetensors"], "the temporary file is removed")
    }

    /// A killed writer's temporary file that fills the disk is removed by the next save, which
    /// then fits.
    func testAStaleTemporaryFileDoesNotKeepTheDiskFull() throws {
        let data = try dataset()
        let disk = try SmallDisk()
        let path = disk.path + "/m.safetensors"
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let stale = disk.path + "/.m.safetensors.tmp-\(dead.processIdentifier)-1a2b3c"
        try Data(count: 56 * 1024).write(to: URL(fileURLWithPath: stale))
        let r = try MLP.run(["train", "--data", data.path, "--hidden", "8", "--epochs", "1", "--threads", "1", "--quiet", "--out", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: disk.path), ["m.safetensors"])
    }
}
