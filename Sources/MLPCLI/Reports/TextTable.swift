// Plain-text tables for the reports: columns padded to their widest cell, numbers right-aligned.

import Formats

struct TextTable {
    enum Alignment { case left, right }

    let headers: [String]
    let alignments: [Alignment]
    private(set) var rows: [[String]] = []

    init(_ columns: [(String, Alignment)]) {
        headers = columns.map(\.0)
        alignments = columns.map(\.1)
    }

    mutating func add(_ cells: [String]) { rows.append(cells) }

    /// Header, a rule, the rows; columns separated by two spaces, no trailing spaces.
    func render(indent: String = "") -> String {
        var widths = headers.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, c) in cells.enumerated() where i < widths.count {
                let pad = String(repeating: " ", count: widths[i] - c.count)
                parts.append(alignments[i] == .right ? pad + c : c + pad)
            }
            var s = indent + parts.joined(separator: "  ")
            while s.last == " " { s.removeLast() }
            return s
        }
        let rule = indent + widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")
        return ([line(headers), rule] + rows.map(line)).joined(separator: "\n")
    }
}

/// 101770 as "101,770".
func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return (n < 0 ? "-" : "") + out
}
