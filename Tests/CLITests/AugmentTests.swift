import Formats
// --augment end to end: an interrupted and resumed run ends with the bytes of an uninterrupted one,
// the same seed and threads give the same model, the spec lives in the configuration (checkpoint,
// model file, summary), its time is reported, validation and test images are evaluated as they are,
// every misuse is one line; and `mlp augment` draws its grid.
import Foundation
import Model
import Tables
import XCTest

@testable import MLPCLI
@testable import Training

final class AugmentTests: XCTestCase {
    /// 9×11 images of four classes: a bright 3×3 blob in one quadrant, at a jittered place, on noise.
    func blobs(_ dir: TempDir, count: Int = 256) throws {
        let rows = 9
        let cols = 11
        var rng = SeededGenerator(seed: 5)
        func next(_ n: Int) -> Int { Int(rng.next() >> 33) % n }
        var images: [UInt8] = []
        var labels: [UInt8] = []
        for i in 0..<count {
            let c = i % 4
            let top = (c / 2) * 5 + next(2)
            let left = (c % 2) * 6 + next(3)
            for y in 0..<rows {
                for x in 0..<cols {
                    let inside = y >= top && y < top + 3 && x >= left && x < left + 3
                    images.append(UInt8(inside ? 200 + next(50) : next(30)))
                }
            }
            labels.append(UInt8(c))
        }
        try Synthetic.writeMNISTLike(dir: dir, images: images, labels: labels, rows: rows, cols: cols)
    }

    func tensors(_ path: String) throws -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: try Safetensors.read(path: path).tensors.map { ($0.name, $0.values) })
    }

    func number(_ v: JSONValue?) -> Double {
        if case .number(let x)? = v { return x }
        return .nan
    }

    static let spec = "shift:1.5,rotate:20,scale:0.1,shear:0.2,elastic:4:1.5"

    func testInterruptedAndResumedRunEndsWithTheSameBytes() throws {
        let dir = try TempDir()
        try blobs(dir)
        // Batches of 16 are four chunks of the gather, shared by two threads.
        let common = [
            "--data", dir.path, "--layers", "24:relu,dropout:0.2,4", "--augment", Self.spec, "--optimizer", "sgd",
            "--epochs", "3", "--batch-size", "16", "--seed", "3", "--threads", "2", "--quiet",
        ]
        let straight = dir.file("straight.safetensors")
        let again = dir.file("again.safetensors")
        XCTAssertEqual(try MLP.run(["train", "--out", straight] + common).status, 0)
        XCTAssertEqual(try MLP.run(["train", "--out", again] + common).status, 0)
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: straight)), try Data(contentsOf: URL(fileURLWithPath: again)),
            "the same seed and threads give the same model file")

        let resumed = dir.file("resumed.safetensors")
        let ckpt = dir.file("run.ckpt")
        // 16 steps per epoch: the signal after global step 21 stops the run at step 5 of epoch 2.
        let r = try MLP.run(["--interrupt-after", "21", "train", "--out", resumed, "--checkpoint", ckpt] + common, executable: MLP.driver)
        XCTAssertEqual(r.status, 130, r.stderr)
        XCTAssertTrue(r.stderr.contains("mlp: interrupted at epoch 2, step 5 of 16"), r.stderr)
        let file = try Safetensors.read(path: ckpt)
        XCTAssertEqual(file.metadataValue(for: "augment_rng")?.split(separator: ",").count, 4)
        let done = try MLP.run(["train", "--resume", ckpt, "--data", dir.path, "--out", resumed, "--threads", "2", "--quiet"])
        XCTAssertEqual(done.status, 0, done.stderr)
        XCTAssertTrue(done.stderr.contains("epoch 3/3"), done.stderr)
        let a = try tensors(straight)
        let b = try tensors(resumed)
        XCTAssertEqual(a.keys.sorted(), b.keys.sorted())
        for (k, v) in a { XCTAssertEqual(v, b[k], "tensor \(k) differs after resume") }

        // Without the augmentation (or with another seed of it) the model is another one.
        let plain = dir.file("plain.safetensors")
        var without = common
        without.removeSubrange(4...5)
        XCTAssertEqual(try MLP.run(["train", "--out", plain] + without).status, 0)
        XCTAssertNotEqual(try tensors(plain)["layers.0.weight"], a["layers.0.weight"])
    }

    func testTheSpecIsPartOfTheConfigurationAndItsTimeIsReported() throws {
        let dir = try TempDir()
        try blobs(dir, count: 64)
        let model = dir.file("m.safetensors")
        let ckpt = dir.file("c.ckpt")
        let log = dir.file("log.jsonl")
        let csv = dir.file("log.csv")
        let r = try MLP.run([
            "train", "--data", dir.path, "--augment", "elastic:20, rotate", "--epochs", "2", "--batch-size", "8",
            "--checkpoint", ckpt, "--log", log, "--log-csv", csv, "--out", model, "--json",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let canonical = "rotate:15,elastic:20:4"
        XCTAssertTrue(
            r.stderr.contains(
                "mlp: augmenting the training images, afresh every epoch: \(canonical) (validation and test images as they are)"), r.stderr)
        XCTAssertTrue(r.stderr.contains(#"s/s  augment "#), r.stderr)
        let summary = try JSONValue.parse(Array(r.stdout.utf8))
        XCTAssertGreaterThan(number(summary["augmentation_seconds"]), 0)
        XCTAssertLessThanOrEqual(number(summary["augmentation_seconds"]), number(summary["train_seconds"]))
        for line in try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") {
            let v = try JSONValue.parse(Array(line.utf8))
            XCTAssertGreaterThan(number(v["augment_seconds"]), 0, String(line))
            XCTAssertLessThan(number(v["augment_seconds"]), number(v["seconds"]), String(line))
        }
        XCTAssertTrue(
            try String(contentsOfFile: csv, encoding: .utf8).hasPrefix(
                "epoch,step,lr,loss,accuracy,test_loss,test_accuracy,seconds,samples_per_second,augment_seconds,grad_norm.layers.0.weight,")
        )

        // The checkpoint's configuration, the model file and its summary say how it was trained.
        let config = try JSONValue.parse(Array(try Safetensors.read(path: ckpt).metadataValue(for: "config")!.utf8))
        XCTAssertEqual(config["augment"], .string(canonical))
        let s = try MLP.run(["summary", model])
        XCTAssertTrue(s.stdout.contains("trained with optimizer sgd lr 0.05 momentum 0.9, augment \(canonical), epochs 2"), s.stdout)
        XCTAssertTrue(try MLP.run(["summary", model, "--json"]).stdout.contains(#""augment":"\#(canonical)""#))
        // Resuming keeps it and refuses to change it.
        let change = try MLP.run(["train", "--resume", ckpt, "--data", dir.path, "--augment", "shift"])
        XCTAssertEqual(change.status, 2)
        XCTAssertEqual(
            change.stderr.split(separator: "\n").first,
            "error: --augment cannot change when resuming: the checkpoint fixes the training configuration (only --epochs may extend it)")
        let more = try MLP.run(["train", "--resume", ckpt, "--data", dir.path, "--epochs", "3", "--out", model])
        XCTAssertEqual(more.status, 0, more.stderr)
        XCTAssertTrue(more.stderr.contains(canonical), more.stderr)

        // A run without --augment reports no augmentation.
        let plain = try MLP.run(["train", "--data", dir.path, "--epochs", "1", "--out", model, "--json"])
        XCTAssertNil(try JSONValue.parse(Array(plain.stdout.utf8))["augmentation_seconds"])
        XCTAssertFalse(plain.stderr.contains("augment"), plain.stderr)
    }

    func testTheStoredConfigurationRoundTripsAndADamagedSpecIsAOneLineError() throws {
        let c = try TrainingConfiguration(
            Arguments(["--augment", "elastic, scale:0.1:0.2"][...], flags: TrainCommand.flags, command: "train"))
        XCTAssertEqual(c.augment?.token, "scale:0.1:0.2,elastic:34:4")
        let text = c.json.serialized()
        XCTAssertTrue(text.hasSuffix(#","augment":"scale:0.1:0.2,elastic:34:4"}"#), text)
        let back = try TrainingConfiguration(json: try JSONValue.parse(Array(text.utf8))) { CLIError(.dataError, $0) }
        XCTAssertEqual(back, c)
        // Without --augment the member is left out, so the checkpoint reads in an mlp that predates it.
        XCTAssertFalse(
            try TrainingConfiguration(Arguments([][...], flags: TrainCommand.flags, command: "train")).json.serialized().contains("augment")
        )
        guard case .object(let members) = c.json else { return XCTFail() }
        for (value, message) in [
            (
                JSONValue("twist"),
                "C: augment: unknown part 'twist'; the parts are shift[:PIXELS], rotate[:DEGREES], scale[:F[:FY]], shear[:S], elastic[:ALPHA[:SIGMA]]"
            ),
            (JSONValue(3), "C: \"augment\" is a number, expected a string"),
        ] {
            let damaged = JSONValue.object(members.map { $0.0 == "augment" ? ("augment", value) : $0 })
            XCTAssertThrowsError(try TrainingConfiguration(json: damaged) { CLIError(.dataError, "C: \($0)") }) { e in
                XCTAssertEqual(CLIError.from(e).message, message)
            }
        }
    }

    func testValidationAndTestImagesAreEvaluatedAsTheyAre() throws {
        // Strong distortions: had the evaluation distorted the images, the figures would not match
        // `mlp evaluate` on the same files.
        let dir = try TempDir()
        try blobs(dir, count: 128)
        let model = dir.file("m.safetensors")
        let r = try MLP.run([
            "train", "--data", dir.path, "--validation-images", dir.file("t10k-images-idx3-ubyte"),
            "--validation-labels", dir.file("t10k-labels-idx1-ubyte"), "--augment", "rotate:60,elastic:30:2",
            "--epochs", "2", "--batch-size", "8", "--out", model, "--json",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let trained = try JSONValue.parse(Array(r.stdout.utf8))
        let e = try MLP.run(["evaluate", "--model", model, "--data", dir.path, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let evaluated = try JSONValue.parse(Array(e.stdout.utf8))
        XCTAssertEqual(number(trained["test_loss"]), number(evaluated["loss"]))
        XCTAssertEqual(number(trained["val_loss"]), number(evaluated["loss"]), "the validation files are the test files here")
        XCTAssertEqual(number(trained["test_accuracy"]), number(evaluated["accuracy"]))
    }

    func testMisuseIsOneLine() throws {
        let dir = try TempDir()
        try blobs(dir, count: 16)
        let model = dir.file("m.safetensors")
        func check(_ args: [String], _ status: Int32, _ first: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let r = try MLP.run(args)
            XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
            XCTAssertEqual(r.stderr.split(separator: "\n").first.map(String.init), first, file: file, line: line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: model), file: file, line: line)
        }
        try check(
            ["train", "--data", dir.path, "--augment", "rotate:15,elastc:34", "--out", model], 2,
            "error: --augment: unknown part 'elastc' (did you mean 'elastic'?); the parts are shift[:PIXELS], rotate[:DEGREES], scale[:F[:FY]], shear[:S], elastic[:ALPHA[:SIGMA]]"
        )
        try check(
            ["train", "--data", dir.path, "--augment", "shift:lots", "--out", model], 2,
            "error: --augment: 'shift:lots': shift expects a number of pixels from 0 to 1000 (shift[:PIXELS], e.g. shift:2), got 'lots'")
        // A table has no images.
        let csv = dir.file("t.csv")
        try Data("a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n".utf8).write(to: URL(fileURLWithPath: csv))
        try check(
            ["train", "--data", csv, "--augment", "rotate", "--out", model], 2,
            "error: --augment distorts images (IDX files); \(csv) is a CSV table, which has no images to distort")
        // Images of one row are a row of values, not an image.
        let rowDir = try TempDir()
        let xor = Synthetic.xor(count: 16, seed: 1)
        try Synthetic.writeMNISTLike(dir: rowDir, images: xor.images, labels: xor.labels, rows: 1, cols: 2)
        try check(
            ["train", "--data", rowDir.path, "--augment", "rotate", "--out", model], 1,
            "error: \(rowDir.path)/train-images-idx3-ubyte.gz: images are 1×2, a row or a column of values, not an image; --augment distorts two-dimensional images"
        )
        try check(
            ["augment", "--images", rowDir.file("t10k-images-idx3-ubyte"), "--augment", "rotate", "--out", dir.file("g.png")], 1,
            "error: \(rowDir.file("t10k-images-idx3-ubyte")): images are 1×2, a row or a column of values, not an image; --augment distorts two-dimensional images"
        )
        try check(
            ["augment", "--images", dir.file("t10k-images-idx3-ubyte"), "--out", dir.file("g.png")], 2,
            "error: missing required flag --augment")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("g.png")))
    }

    func testAugmentDrawsOriginalsBesideTheirCopies() throws {
        let dir = try TempDir()
        try blobs(dir, count: 8)
        let images = dir.file("t10k-images-idx3-ubyte")
        let source = try IDXReader.readImages(path: images)
        func grid(_ spec: String, seed: String = "1", out name: String = "g.png") throws -> IDXImages {
            let out = dir.file(name)
            let r = try MLP.run([
                "augment", "--images", images, "--augment", spec, "--out", out, "--originals", "3", "--copies", "2",
                "--zoom", "2", "--seed", seed,
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, "")
            XCTAssertEqual(
                r.stderr,
                "mlp: 3 originals of \(images), each beside 2 distorted copies (\(try AugmentationSpec.parse(spec).token)), written to \(out) (78×62)\n"
            )
            return try PNGReader.parse(Array(try Data(contentsOf: URL(fileURLWithPath: out))), path: out)
        }
        // Cells of 22×18 (zoom 2), gaps of 2 around them and of 6 after each original:
        // 2 + 22 + 6 + 2·(22 + 2) = 78 wide, 2 + 3·(18 + 2) = 62 high.
        let g = try grid("shift:0")
        XCTAssertEqual([g.cols, g.rows], [78, 62])
        func cell(_ img: IDXImages, row i: Int, column j: Int) -> [UInt8] {
            let x0 = j == 0 ? 2 : 2 + 22 + 6 + (j - 1) * 24
            let y0 = 2 + i * 20
            return (0..<9).flatMap { y in (0..<11).map { x in img.pixels[(y0 + 2 * y) * img.cols + x0 + 2 * x] } }
        }
        for i in 0..<3 {
            let original = Array(source.pixels[(i * 99)..<((i + 1) * 99)])
            // Zero magnitudes: every copy is its original.
            for j in 0..<3 { XCTAssertEqual(cell(g, row: i, column: j), original, "row \(i), cell \(j)") }
        }
        XCTAssertEqual(g.pixels[0], 128, "the gaps are mid-gray")
        let r1 = try grid("rotate:40,elastic:10:2", out: "a.png")
        let r2 = try grid("rotate:40,elastic:10:2", out: "b.png")
        XCTAssertEqual(r1, r2, "the same seed draws the same copies")
        XCTAssertEqual(cell(r1, row: 1, column: 0), Array(source.pixels[99..<198]), "originals are drawn as they are")
        XCTAssertNotEqual(cell(r1, row: 1, column: 1), cell(r1, row: 1, column: 0))
        XCTAssertNotEqual(cell(r1, row: 1, column: 1), cell(r1, row: 1, column: 2), "each copy is distorted anew")
        XCTAssertNotEqual(try grid("rotate:40,elastic:10:2", seed: "2", out: "c.png"), r1)

        // --out - writes the PNG to standard output.
        let piped = dir.file("piped.png")
        let p = try MLP.run(
            [
                "-c", "\"$0\" augment --images \"$1\" --augment shift:0 --originals 3 --copies 2 --zoom 2 --out - > \"$2\"",
                MLP.binary, images, piped,
            ], executable: "/bin/sh")
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertEqual(try PNGReader.parse(Array(try Data(contentsOf: URL(fileURLWithPath: piped))), path: piped), g)
    }
}
