// The confusion matrix as an SVG heat map: rows are true classes, columns predicted classes, both
// named by the labels `evaluate` prints, in the model's class order; a cell's shade grows with its
// share of the row (the row's recall on the diagonal), on a square-root scale so that a few
// mistakes still show; its text is the count. Long labels are shortened with an ellipsis (the
// whole label is the tooltip); column labels turn vertical when they do not fit a cell's width.

import Formats

enum ConfusionMatrixSVG {
    /// Characters of a label shown on an axis; longer ones end in "…".
    static let labelLimit = 18
    /// Above this many classes cells shrink, their counts move to the tooltips and empty cells are
    /// left blank (a matrix of k² cells would otherwise run to megabytes).
    static let manyClasses = 100

    /// `labels[k]` names class k (its index when nil).
    static func render(confusion: [[Int]], labels given: [String]? = nil, title: String) -> String {
        let k = max(confusion.count, 1)
        let labels: [String] = confusion.indices.map { i in
            if let given, i < given.count { return given[i] }
            return "\(i)"
        }
        let shown = labels.map { SVGDocument.shortened($0, limit: labelLimit) }
        let many = k > manyClasses
        let cell = many ? 14.0 : max(22.0, min(48.0, 480.0 / Double(k)))
        let labelSize = many ? 9.0 : 11.0
        let labelWidth = shown.map { SVGDocument.textWidth($0, size: labelSize) }.max() ?? 0
        // Column labels run upwards when the widest does not fit a cell.
        let vertical = labelWidth > cell - 4
        let left = max(80.0, 44 + labelWidth)
        let top = 62 + (vertical ? labelWidth : labelSize + 2)
        let grid = cell * Double(k)
        let legend = "shade: √(share of the true class's examples), white 0%, dark blue 100%" + (many ? "; counts in the tooltips" : "")
        // wide enough for the title (bold: a tenth wider) and the legend below the grid
        let width = max(
            left + grid + 30, SVGDocument.textWidth(title, size: 15) * 1.1 + 20,
            left + SVGDocument.textWidth(legend, size: 11) + 10)
        let doc = SVGDocument(width: width, height: top + grid + 60)
        doc.text(title, x: width / 2, y: 24, size: 15, anchor: .middle, bold: true)
        doc.text("predicted class", x: left + grid / 2, y: 46, size: 12, anchor: .middle)
        doc.text("true class", x: 24, y: top + grid / 2, size: 12, anchor: .middle, rotate: -90)
        let fontSize = max(8.0, min(13.0, cell * 0.32))
        func tip(_ i: Int) -> String? { shown[i] == labels[i] ? nil : labels[i] }
        if many {
            // Light rules in place of the blank cells.
            for i in 0...k {
                let at = Double(i) * cell
                doc.line(x1: left, y1: top + at, x2: left + grid, y2: top + at, stroke: "#eeeeee")
                doc.line(x1: left + at, y1: top, x2: left + at, y2: top + grid, stroke: "#eeeeee")
            }
        }
        for (t, row) in confusion.enumerated() {
            let total = row.reduce(0, +)
            let y = top + Double(t) * cell
            doc.text(shown[t], x: left - 8, y: y + cell / 2 + labelSize * 0.35, size: labelSize, anchor: .end, tooltip: tip(t))
            for (p, count) in row.enumerated() {
                if many && count == 0 { continue }
                let x = left + Double(p) * cell
                let share = total == 0 ? 0 : Double(count) / Double(total)
                let percent = total == 0 ? "" : " (\(fixed(100 * share, 1))% of class \(labels[t]))"
                let tip = "true \(labels[t]), predicted \(labels[p]): \(count)" + percent
                doc.rect(x: x, y: y, width: cell, height: cell, fill: shade(share.squareRoot()), stroke: "#dddddd", tooltip: tip)
                if count > 0 && !many {
                    doc.text(
                        "\(count)", x: x + cell / 2, y: y + cell / 2 + fontSize * 0.35, size: fontSize, anchor: .middle,
                        fill: share > 0.25 ? "#ffffff" : "#222222")
                }
            }
        }
        for p in 0..<confusion.count {
            let x = left + (Double(p) + 0.5) * cell
            if vertical {
                doc.text(shown[p], x: x + labelSize * 0.35, y: top - 6, size: labelSize, anchor: .start, rotate: -90, tooltip: tip(p))
            } else {
                doc.text(shown[p], x: x, y: top - 6, size: labelSize, anchor: .middle, tooltip: tip(p))
            }
        }
        doc.text(legend, x: left, y: top + grid + 28, size: 11)
        return doc.rendered
    }

    /// White at 0, dark blue (#08306b) at 1.
    static func shade(_ v: Double) -> String {
        let t = min(max(v, 0), 1)
        let c = [(255.0, 8.0), (255.0, 48.0), (255.0, 107.0)].map { Int(($0.0 + ($0.1 - $0.0) * t).rounded()) }
        return "#"
            + c.map { c in
                let h = String(c, radix: 16)
                return h.count == 1 ? "0" + h : h
            }.joined()
    }
}
