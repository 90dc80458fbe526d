import Formats
// Nothing is ever lost: `mlp train --out` over an existing model, killed with SIGKILL before its
// save and at chosen bytes inside it, always leaves a complete, loadable model (the old one or the
// new one), and a write that runs out of disk space leaves the previous file as it was and says so.
//
// A killed writer can leave its temporary file `.NAME.tmp-PID-HEX` (nothing runs after SIGKILL);
// the next write of NAME removes those whose process is gone, so at most one is ever there.
import Foundation
import Glibc
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class NothingLostTests: XCTestCase {
    /// 16 random 28×28 images: a 784→1024→10 network (3.2 MB of safetensors) trains on them in a
    /// fraction of a second.
    func dataset() throws -> TempDir {
        let dir = try TempDir()
        var rng = SeededGenerator(seed: 11)
        let pixels = (0..<(16 * 784)).map { _ in UInt8(rng.next() >> 56) }
        try Synthetic.writeMNISTLike(dir: dir, images: pixels, labels: (0..<16).map { UInt8($0 % 10) }, rows: 28, cols: 28)
        return dir
    }

    func trainArgs(_ dir: TempDir, out: String, seed: Int) -> [String] {
        ["train", "--data", dir.path, "--hidden", "1024", "--epochs", "1", "--threads", "1", "--seed", "\(seed)", "--quiet", "--out", out]
    }

    func temporaries(_ dir: TempDir, _ name: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".\(name).tmp-") }
    }

    /// The kills come from the test driver, so each lands where it is aimed and a failure
    /// reproduces: after the first training step (before the save), and at the write that would take
    /// the temporary file past N bytes, for N from 0 to one byte short of the whole file (in the
    /// header's length, in its JSON, at its end, in the tensors).
    func testSIGKILLWhileSavingNeverLeavesABrokenModel() throws {
        let dir = try dataset()
        let path = dir.file("m.safetensors")
        // The old model (seed 1) and, trained elsewhere, the new one (seed 2): same seed and
        // threads give the same bytes, so every outcome can be told apart.
        XCTAssertEqual(try MLP.run(trainArgs(dir, out: dir.file("old.bin"), seed: 1)).status, 0)
        XCTAssertEqual(try MLP.run(trainArgs(dir, out: dir.file("new.bin"), seed: 2)).status, 0)
        let old = try Data(contentsOf: URL(fileURLWithPath: dir.file("old.bin")))
        let new = try Data(contentsOf: URL(fileURLWithPath: dir.file("new.bin")))
        XCTAssertNotEqual(old, new)
        let header = 8 + new.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertLessThan(header, 65_536)

        var kills: [(label: String, driver: [String], written: Int?)] = [
            ("after the first step", ["--interrupt-after", "1", "--signal", "KILL"], nil)
        ]
        for n in [0, 1, 7, 8, header / 2, header, 65_536, new.count / 2, new.count - 1] {
            kills.append(("at byte \(n)", ["--kill-at-file-size", "\(n)"], n))
        }
        for kill in kills {
            try old.write(to: URL(fileURLWithPath: path))
            let r = try ProcessRunner.run(MLP.driver, kill.driver + trainArgs(dir, out: path, seed: 2))
            XCTAssertEqual(r.signal, SIGKILL, "\(kill.label): killed (\(r.stderr))")
            let now = try Data(contentsOf: URL(fileURLWithPath: path))
            XCTAssertTrue(now == old, "\(kill.label): the file is not the old model (\(now.count) bytes)")
            XCTAssertNoThrow(try ModelFile.load(path), kill.label)
            let temps = try temporaries(dir, "m.safetensors")
            if let written = kill.written {
                // The kill came inside the write: the temporary file holds exactly the bytes written.
                XCTAssertEqual(temps.count, 1, "\(kill.label): one temporary left by the killed run: \(temps)")
                let sizes = try temps.map { try FileManager.default.attributesOfItem(atPath: dir.file($0))[.size] as? Int }
                XCTAssertEqual(sizes, [written], kill.label)
            } else {
                XCTAssertLessThanOrEqual(temps.count, 1, "\(kill.label): stale temporaries pile up: \(temps)")
            }
        }
        // The next complete save removes whatever a killed run left.
        XCTAssertEqual(try MLP.run(trainArgs(dir, out: path, seed: 2)).status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), new)
        XCTAssertEqual(try temporaries(dir, "m.safetensors"), [])
        // The last kill was at the save's last byte: with the limit at the whole file, nothing is killed.
        let whole = try ProcessRunner.run(MLP.driver, ["--kill-at-file-size", "\(new.count)"] + trainArgs(dir, out: path, seed: 2))
        XCTAssertEqual(whole.status, 0, whole.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), new)
    }

    // MARK: - A full disk

    /// A 64 KiB tmpfs mounted for the test; skipped where mounting is not allowed.
    final class SmallDisk {
        let dir: TempDir
        var path: String { dir.path }
        init() throws {
            dir = try TempDir()
            let mount: Run
            do { mount = try ProcessRunner.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir.path]) } catch {
                throw XCTSkip("cannot run mount: \(error)")
            }
            guard mount.status == 0 else { throw XCTSkip("mounting a tmpfs needs root (CAP_SYS_ADMIN)") }
        }
        deinit { _ = try? ProcessRunner.run("/bin/umount", [dir.path]) }
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
        XCTAssertEqual(
            r.stderr.split(separator: "\n").last, "error: \(path): cannot write: No space left on device (the previous file is unchanged)")
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
