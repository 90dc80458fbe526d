import Formats
// A failed `predict` leaves no partial answer: the header goes out only once the model, the flags and
// the input's columns and first rows have been checked, and when stdout is a regular file a failure
// further on cuts it back to where predict began writing.
import Foundation
import XCTest

final class PredictOutputTests: XCTestCase {
    /// A model trained on a small CSV table (columns a, b, c, label) in `dir`.
    func tableModel(_ dir: TempDir) throws -> String {
        var rows = ["a,b,c,label"]
        for i in 0..<80 { rows.append("\(Double(i % 10) / 10),\(Double(i % 7) / 7),\(["x", "y"][i % 2]),\(i % 2)") }
        try dir.write("train.csv", Array((rows.joined(separator: "\n") + "\n").utf8))
        let model = dir.file("m.safetensors")
        let r = try MLP.run(["train", "--data", dir.file("train.csv"), "--epochs", "1", "--threads", "1", "--quiet", "--out", model])
        XCTAssertEqual(r.status, 0, r.stderr)
        return model
    }

    /// A file holding `prefix`, open for writing after it (or appending, as `>>` opens it).
    func stdoutFile(_ path: String, prefix: String, append: Bool) throws -> FileHandle {
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(prefix.utf8)))
        let fd = open(path, O_WRONLY | (append ? O_APPEND : 0))
        XCTAssertGreaterThanOrEqual(fd, 0)
        if !append { lseek(fd, off_t(prefix.utf8.count), SEEK_SET) }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    func text(_ path: String) -> String { String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }

    func testAnInputWithoutTheModelsColumnsWritesNothing() throws {
        let dir = try TempDir()
        let model = try tableModel(dir)
        try dir.write("bad.csv", Array("a,b,z\n0.1,0.2,x\n".utf8))
        let message = "error: \(dir.file("bad.csv")): has no column 'c', which the model was trained on (its feature columns: a, b, c)\n"

        let piped = try MLP.run(["predict", "--model", model, "--input", dir.file("bad.csv")])
        XCTAssertEqual(piped.status, 1)
        XCTAssertEqual(piped.stdout, "", "no header before the error")
        XCTAssertEqual(piped.stderr, message)

        let out = dir.file("preds.csv")
        let r = try MLP.runRaw(
            ["predict", "--model", model, "--input", dir.file("bad.csv")], stdout: try stdoutFile(out, prefix: "", append: false))
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, message)
        XCTAssertEqual(text(out), "", "> preds.csv is left empty, not header-only")
    }

    /// A bad row after the first block (rows are answered 64 KiB at a time): what was written to the
    /// file on stdout is taken back, and what the file held before stays.
    func testABadRowFurtherOnTakesBackWhatWasWritten() throws {
        let dir = try TempDir()
        let model = try tableModel(dir)
        var rows = ["a,b,c,label"]
        for i in 0..<8000 { rows.append("0.\(i % 10),0.\(i % 7),\(["x", "y"][i % 2]),1") }
        rows.append("0.5,oops,x,1")
        try dir.write("late.csv", Array((rows.joined(separator: "\n") + "\n").utf8))
        let message = "error: \(dir.file("late.csv")): line 8002, column 'b' (2): 'oops' is not a number, and this column must be numeric\n"

        for append in [false, true] {
            let out = dir.file("preds-\(append).csv")
            let r = try MLP.runRaw(
                ["predict", "--model", model, "--input", dir.file("late.csv")],
                stdout: try stdoutFile(out, prefix: "kept\n", append: append))
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertEqual(r.stderr, message)
            XCTAssertEqual(text(out), "kept\n", append ? ">> preds.csv" : "> preds.csv after other output")
        }

        // Without the bad row, the same run writes every answer after what was there.
        try dir.write("good.csv", Array((rows.dropLast().joined(separator: "\n") + "\n").utf8))
        let out = dir.file("preds-good.csv")
        let r = try MLP.runRaw(
            ["predict", "--model", model, "--input", dir.file("good.csv")], stdout: try stdoutFile(out, prefix: "kept\n", append: false))
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = text(out).split(separator: "\n")
        XCTAssertEqual(lines.count, 1 + 1 + 8000)
        XCTAssertEqual(lines.prefix(2), ["kept", "index,predicted,probability"])
    }

    /// Another process appending to the same file meanwhile (`>> all.csv` from parallel runs): the
    /// file is not ours alone to cut back, so a failure leaves it as it is.
    func testAFileOthersAppendToIsNotCutBack() throws {
        let dir = try TempDir()
        let model = try tableModel(dir)
        let out = dir.file("all.csv")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: MLP.binary)
        p.arguments = ["predict", "--model", model, "--input", "-"]
        let input = Pipe()
        let err = Pipe()
        p.standardInput = input
        p.standardOutput = try stdoutFile(out, prefix: "", append: true)
        p.standardError = err
        try p.run()
        input.fileHandleForWriting.write(Data("a,b,c\n0.1,0.2,x\n".utf8))
        // Wait for the first answer, then append as another process would.
        XCTAssertTrue(FileWatch.wait(for: out) { text(out).split(separator: "\n").count >= 2 }, "the first answer: \(text(out))")
        let other = open(out, O_WRONLY | O_APPEND)
        XCTAssertEqual(write(other, "another run's line\n", 19), 19)
        close(other)
        input.fileHandleForWriting.write(Data("0.3,oops,y\n".utf8))
        try input.fileHandleForWriting.close()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 1)
        XCTAssertTrue(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("'oops' is not a number"))
        let lines = text(out).split(separator: "\n")
        XCTAssertEqual(lines.count, 3, text(out))
        XCTAssertEqual(lines.first, "index,predicted,probability")
        XCTAssertEqual(lines.last, "another run's line")
    }

    func testAnInputWithAHeaderAndNoRows() throws {
        let dir = try TempDir()
        let model = try tableModel(dir)
        try dir.write("empty.csv", Array("c,b,a\n".utf8))
        let r = try MLP.run(["predict", "--model", model, "--input", dir.file("empty.csv")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "index,predicted,probability\n", "the header alone")

        try dir.write("wrong.csv", Array("a,b\n".utf8))
        let w = try MLP.run(["predict", "--model", model, "--input", dir.file("wrong.csv")])
        XCTAssertEqual(w.status, 1)
        XCTAssertEqual(w.stdout, "")
        XCTAssertEqual(
            w.stderr, "error: \(dir.file("wrong.csv")): has no column 'c', which the model was trained on (its feature columns: a, b, c)\n")
    }

    func testImagesThatDoNotFitTheModelWriteNothing() throws {
        let dir = try TempDir()
        try Synthetic.quadrants(dir, count: 16)
        let model = dir.file("m.safetensors")
        XCTAssertEqual(try MLP.run(["train", "--data", dir.path, "--epochs", "1", "--hidden", "4", "--quiet", "--out", model]).status, 0)
        try dir.write("wide.idx", IDXWriter.encode(dims: [2, 4, 5], data: [UInt8](repeating: 9, count: 40)))
        let r = try MLP.run(["predict", "--model", model, "--images", dir.file("wide.idx")])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")

        try dir.write("none.idx", IDXWriter.encode(dims: [0, 4, 4], data: []))
        let none = try MLP.run(["predict", "--model", model, "--images", dir.file("none.idx")])
        XCTAssertEqual(none.status, 0, none.stderr)
        XCTAssertEqual(none.stdout, "index,predicted,probability\n")
    }
}
