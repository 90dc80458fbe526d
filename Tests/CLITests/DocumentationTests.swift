// The documents stay true to the binary: docs/reference.md is exactly what `mlp manpage --markdown`
// prints (regenerate it with `make docs`), it names every command, flag and exit code in tables
// that Markdown reads as tables, the README stays a manual of at most 350 lines, and every relative
// link in the README and docs/ leads to a file and heading that exist.
import Foundation
import XCTest

@testable import MLPCLI

final class DocumentationTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ relative: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
    }

    func testTheCheckedInReferenceIsWhatTheBinaryPrints() throws {
        let r = try MLP.run(["manpage", "--markdown"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let file = try Self.read("docs/reference.md")
        guard file != r.stdout else { return }
        let a = file.components(separatedBy: "\n")
        let b = r.stdout.components(separatedBy: "\n")
        let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        XCTFail(
            """
            docs/reference.md differs from `mlp manpage --markdown` at line \(i + 1); run `make docs` to regenerate it
              file:   \(i < a.count ? a[i] : "(end of file)")
              binary: \(i < b.count ? b[i] : "(end of output)")
            """)
    }

    func testTheReferenceNamesEveryCommandFlagAndExitCode() {
        let text = ReferenceDocument.text
        let sections = text.components(separatedBy: "\n## ")
        for c in CLI.commands {
            let section = try? XCTUnwrap(sections.first { $0.hasPrefix("mlp \(c.name)\n") }, "no section for mlp \(c.name)")
            guard let section else { continue }
            XCTAssertTrue(section.contains("```\n\(c.usage)\n```"), "mlp \(c.name): usage")
            for f in c.flags {
                XCTAssertTrue(
                    section.contains("\n| \(ReferenceDocument.flagCell(f)) | \(ReferenceDocument.cell(f.help)) |"),
                    "mlp \(c.name) --\(f.name)")
            }
            for e in c.examples { XCTAssertTrue(section.contains("# \(e.what)\n\(e.shell)\n"), e.shell) }
        }
        for e in ExitCode.allCases { XCTAssertTrue(text.contains("\n| \(e.rawValue) | "), "exit code \(e.rawValue)") }
        // Configuration flags are marked as a checkpoint keeps them, in train's table only.
        XCTAssertTrue(
            text.contains(
                "| `--lr X` | learning rate | images 0.05, or 0.001 with adam/adamw; tables 0.002, or 0.05 with sgd/nesterov | kept |"),
            text)
        XCTAssertTrue(
            text.contains(
                "| `--out FILE` | where to write the model, or - for standard output (with --resume: the run's own --out, which the checkpoint records) | `model.safetensors` | |"
            ), text)
        XCTAssertEqual(text.components(separatedBy: "| kept |").count - 1, Flags.configuration.count)
    }

    /// Every row of a table has as many cells as its header: a `|` in a help text is escaped, and
    /// `<NA>` is not swallowed as an HTML tag.
    func testEveryTableRowHasItsHeadersCells() {
        let text = ReferenceDocument.text
        func cells(_ line: String) -> Int {
            var n = 0
            var escaped = false
            for ch in line {
                if escaped {
                    escaped = false
                    continue
                }
                if ch == "\\" { escaped = true } else if ch == "|" { n += 1 }
            }
            return n
        }
        var header: Int?
        var rows = 0
        for line in text.components(separatedBy: "\n") {
            guard line.hasPrefix("|") else {
                header = nil
                continue
            }
            if let h = header {
                XCTAssertEqual(cells(line), h, line)
                rows += 1
            } else {
                header = cells(line)
            }
        }
        XCTAssertGreaterThan(rows, 100)
        XCTAssertTrue(text.contains("the CSV field delimiter: , ; tab or \\| |"))
        XCTAssertTrue(text.contains("&lt;NA&gt;"))
        XCTAssertEqual(ReferenceDocument.cell("a|b <NA> val_loss _ x*y `z` \\"), "a\\|b &lt;NA&gt; val_loss \\_ x\\*y \\`z\\` \\\\")
    }

    func testTheReadmeIsAManualOfAtMost350Lines() throws {
        let readme = try Self.read("README.md")
        let lines = readme.components(separatedBy: "\n").count - (readme.hasSuffix("\n") ? 1 : 0)
        XCTAssertLessThanOrEqual(lines, 350)
        // The contract: one command runs the main job, one passes the tests.
        XCTAssertTrue(readme.contains("\nmake train "), "README: make train")
        XCTAssertTrue(readme.contains("\nmake test "), "README: make test")
    }

    /// GitHub's anchor for a heading: lower case, punctuation other than - and _ dropped, spaces as -.
    static func anchor(_ heading: String) -> String {
        String(
            heading.lowercased().compactMap { ch -> Character? in
                if ch == " " { return "-" }
                return ch.isLetter || ch.isNumber || ch == "-" || ch == "_" ? ch : nil
            })
    }

    static func anchors(_ markdown: String) -> Set<String> {
        var seen: [String: Int] = [:]
        var out: Set<String> = []
        var inCode = false
        for line in markdown.components(separatedBy: "\n") {
            if line.hasPrefix("```") {
                inCode.toggle()
                continue
            }
            guard !inCode, line.hasPrefix("#") else { continue }
            let base = anchor(String(line.drop { $0 == "#" }.dropFirst()))
            let n = seen[base, default: 0]
            seen[base] = n + 1
            out.insert(n == 0 ? base : "\(base)-\(n)")
        }
        return out
    }

    func testEveryRelativeLinkLeadsToAFileAndHeadingThatExist() throws {
        let docs = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
        XCTAssertTrue(
            Set(docs).isSuperset(of: ["docs/reference.md", "docs/formats.md", "docs/architecture.md", "docs/benchmarks.md"]), "\(docs)")
        let link = try NSRegularExpression(pattern: "\\]\\(([^)\\s]+)\\)")
        var checked = 0
        for page in ["README.md"] + docs {
            let text = try Self.read(page)
            let dir = (page as NSString).deletingLastPathComponent
            for m in link.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let target = String(text[Range(m.range(at: 1), in: text)!])
                if target.contains("://") || target.hasPrefix("mailto:") { continue }
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let file = parts[0].isEmpty ? page : (dir.isEmpty ? parts[0] : dir + "/" + parts[0])
                let path = Self.root.appendingPathComponent(file).standardized.path
                XCTAssertTrue(FileManager.default.fileExists(atPath: path), "\(page): link to \(target): no file \(file)")
                if parts.count == 2, file.hasSuffix(".md"), let body = try? String(contentsOfFile: path, encoding: .utf8) {
                    XCTAssertTrue(Self.anchors(body).contains(parts[1]), "\(page): link to \(target): no such heading in \(file)")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 10)
        XCTAssertEqual(Self.anchor("`mlp train`"), "mlp-train")
        XCTAssertEqual(Self.anchor("Tables (CSV): classification and regression"), "tables-csv-classification-and-regression")
    }
}
