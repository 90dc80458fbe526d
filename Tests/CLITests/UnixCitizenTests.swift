import Formats
// mlp in shells and pipes: the manual page and the completions cover every command and flag (they
// are generated from the same declarations as --help), --version says what it runs on, "-" reads
// standard input, predict answers rows as they arrive, and a closed pipe ends it quietly.
import Foundation
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class UnixCitizenTests: XCTestCase {
    func testManPageAndCompletionsCoverEveryCommandAndFlag() throws {
        let man = ManPage.text
        let bash = Completions.bash
        let zsh = Completions.zsh
        for c in CLI.commands {
            XCTAssertTrue(man.contains(".SS \(ManPage.escape(c.name))\n"), "man page: \(c.name)")
            XCTAssertTrue(bash.contains("        \(c.name)) flags=\""), "bash: \(c.name)")
            XCTAssertTrue(zsh.contains("    '\(c.name):"), "zsh: \(c.name)")
            for f in c.flags {
                let roff =
                    f.value == nil
                    ? ".B \\-\\-\(ManPage.escape(f.name))\n" : ".BI \"\\-\\-\(ManPage.escape(f.name)) \" \"\(ManPage.escape(f.value!))\"\n"
                XCTAssertTrue(man.contains(roff), "man page: mlp \(c.name) --\(f.name)")
                if let d = f.defaultValue {
                    XCTAssertTrue(man.contains(ManPage.escape("(default \(d))")), "man page: default of --\(f.name)")
                }
                XCTAssertTrue(bash.contains("--\(f.name)"), "bash: mlp \(c.name) --\(f.name)")
                XCTAssertTrue(zsh.contains("'--\(f.name)["), "zsh: mlp \(c.name) --\(f.name)")
                for choice in f.choices { XCTAssertTrue(bash.contains(choice), "bash: --\(f.name) \(choice)") }
            }
        }
        for e in ExitCode.allCases {
            XCTAssertTrue(man.contains(".B \(e.rawValue)\n\(ManPage.escape(e.meaning))"), "exit code \(e.rawValue)")
        }
    }

    func testCompletionScriptsParse() throws {
        for (shell, path) in [("bash", "/bin/bash"), ("zsh", "/usr/bin/zsh")] {
            guard FileManager.default.isExecutableFile(atPath: path) else { continue }
            let dir = try TempDir()
            let r = try MLP.run(["completions", shell])
            XCTAssertEqual(r.status, 0, r.stderr)
            try dir.write("script", Array(r.stdout.utf8))
            let check = try ProcessRunner.run(path, ["-n", dir.file("script")])
            XCTAssertEqual(check.status, 0, "\(shell) -n on the generated script: \(check.stderr)")
        }
        let bad = try MLP.run(["completions", "fish"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.hasPrefix("error: the shell 'fish' is not one of bash, zsh\n"), bad.stderr)
    }

    func testVersionSaysWhatItRunsOn() throws {
        let r = try MLP.run(["--version"])
        XCTAssertEqual(r.status, 0)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first.map(String.init), "mlp \(CLI.version)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("OpenBLAS: OpenBLAS ") && $0.contains("; kernel ") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("MPI ") }, r.stdout)
        if FileManager.default.fileExists(atPath: "/usr/bin/mpirun") {
            XCTAssertTrue(lines.contains { $0.hasPrefix("MPI (data-parallel training under mpirun): Open MPI v") }, r.stdout)
        }
        XCTAssertTrue(lines.contains { $0.hasPrefix("INT8 ") }, r.stdout)
    }

    /// Runs mlp with `input` on standard input, returning what it printed.
    func runWithInput(_ args: [String], _ input: [UInt8]) throws -> Run {
        try ProcessRunner.run(MLP.binary, args, input: input)
    }

    func irisModel(_ dir: TempDir) throws -> String {
        let model = dir.file("iris.safetensors")
        let r = try MLP.run([
            "train", "--data", TabularTests.data + "/iris.csv.gz", "--epochs", "20", "--batch-size", "16",
            "--threads", "1", "--quiet", "--out", model,
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        return model
    }

    func testDashReadsStandardInput() throws {
        let dir = try TempDir()
        let model = try irisModel(dir)
        let gz = try FileBytes.read(TabularTests.data + "/iris.csv.gz")
        let fromFile = try MLP.run(["predict", "--model", model, "--input", TabularTests.data + "/iris.csv.gz"])
        XCTAssertEqual(try runWithInput(["predict", "--model", model, "--input", "-"], gz).stdout, fromFile.stdout, "gzip on stdin")
        let plain = try Gzip.decompress(gz, path: "iris")
        XCTAssertEqual(try runWithInput(["predict", "--model", model, "--input", "-"], plain).stdout, fromFile.stdout, "CSV on stdin")
        let empty = try runWithInput(["predict", "--model", model, "--input", "-"], [])
        XCTAssertEqual(empty.status, 1)
        XCTAssertEqual(empty.stderr, "error: standard input: is empty, expected a CSV header and rows\n")
        // An error in a later block names the line of the whole input.
        var text = String(decoding: plain, as: UTF8.self)
        text += "5.0,3.0,oops,0.2,0\n"
        let bad = try runWithInput(["predict", "--model", model, "--input", "-"], Array(text.utf8))
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(
            bad.stderr,
            "error: standard input: line 152, column 'petal_length_cm' (3): 'oops' is not a number, and this column must be numeric\n")

        // Images too: IDX on standard input.
        let d = Synthetic.xor(count: 16, seed: 2)
        try Synthetic.writeMNISTLike(dir: dir, images: d.images, labels: d.labels, rows: 1, cols: 2)
        let xor = dir.file("xor.safetensors")
        XCTAssertEqual(try MLP.run(["train", "--data", dir.path, "--epochs", "1", "--quiet", "--out", xor]).status, 0)
        let images = try FileBytes.read(dir.file("t10k-images-idx3-ubyte"))
        let viaStdin = try runWithInput(["predict", "--model", xor, "--images", "-"], images)
        XCTAssertEqual(viaStdin.status, 0, viaStdin.stderr)
        XCTAssertEqual(viaStdin.stdout, try MLP.run(["predict", "--model", xor, "--images", dir.file("t10k-images-idx3-ubyte")]).stdout)
    }

    /// predict answers the rows it has before the input ends: a row written to its standard input
    /// comes back on its standard output while the pipe is still open.
    func testPredictStreamsRowsAsTheyArrive() throws {
        let dir = try TempDir()
        let model = try irisModel(dir)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: MLP.binary)
        p.arguments = ["predict", "--model", model, "--input", "-"]
        let inPipe = Pipe()
        let out = Pipe()
        p.standardInput = inPipe
        p.standardOutput = out
        p.standardError = Pipe()
        try p.run()
        let reader = out.fileHandleForReading
        func line() -> String {
            var bytes = Data()
            while true {
                let b = reader.readData(ofLength: 1)
                if b.isEmpty || b == Data([0x0A]) { return String(decoding: bytes, as: UTF8.self) }
                bytes.append(b)
            }
        }
        inPipe.fileHandleForWriting.write(Data("sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n5.1,3.5,1.4,0.2\n".utf8))
        XCTAssertEqual(line(), "index,predicted,probability")
        XCTAssertTrue(line().hasPrefix("0,0,"), "the first row is answered while the input is still open")
        inPipe.fileHandleForWriting.write(Data("6.7,3.0,5.2,2.3\n".utf8))
        XCTAssertTrue(line().hasPrefix("1,2,"), "and the next one")
        try inPipe.fileHandleForWriting.close()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
    }

    /// `mlp predict … | head -n 1`: once the reader is gone, mlp ends quietly (SIGPIPE, or 0).
    func testAClosedPipeEndsQuietly() throws {
        let dir = try TempDir()
        let model = try irisModel(dir)
        let plain = String(
            decoding: try Gzip.decompress(try FileBytes.read(TabularTests.data + "/iris.csv.gz"), path: "iris"), as: UTF8.self)
        let rows = plain.split(separator: "\n").dropFirst().joined(separator: "\n") + "\n"
        try dir.write("many.csv", Array((plain + String(repeating: rows, count: 400)).utf8))
        let r = try ProcessRunner.run(
            "/bin/bash",
            [
                "-c",
                "'\(MLP.binary)' predict --model '\(model)' --input '\(dir.file("many.csv"))' 2>'\(dir.file("err"))' | head -n 2 >/dev/null; exit ${PIPESTATUS[0]}",
            ])
        XCTAssertTrue([0, 141].contains(r.status), "status \(r.status)")
        XCTAssertEqual(try String(contentsOfFile: dir.file("err"), encoding: .utf8), "", "nothing on stderr")
    }
}
