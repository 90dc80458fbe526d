// Permutation importances as SVG (mlp importance --plot). A table model's columns: one horizontal
// bar per column, sorted by mean drop, with a whisker of ± one standard deviation over the repeats
// and a line at 0 (a column within noise of 0 has a whisker across it); at most `maxBars` columns,
// the rest counted in a note. An image model's pixels: the mean drop of each pixel as a heat map in
// the image's shape (white at 0 or below, dark red at the largest drop), each cell's tooltip its
// figures.
import Formats
import Model

enum ImportanceSVG {
    static let maxBars = 60
    static let labelLimit = 28

    /// The bar chart of `names[g]`'s importances.
    static func bars(_ r: PermutationImportance.Result, names: [String], title: String, subtitle: String) -> String {
        let order = Array(r.ranking.prefix(maxBars))
        let shown = order.map { SVGDocument.shortened(names[$0], limit: labelLimit) }
        let labelWidth = shown.map { SVGDocument.textWidth($0, size: 11) }.max() ?? 40
        let left = max(90.0, labelWidth + 20)
        let plot = 460.0
        let bar = 20.0
        let top = 84.0
        let hidden = r.mean.count - order.count
        let width = max(left + plot + 40, SVGDocument.textWidth(title, size: 15) * 1.1 + 20, SVGDocument.textWidth(subtitle, size: 12) + 20)
        let height = top + Double(order.count) * bar + 56 + (hidden > 0 ? 18 : 0)
        let doc = SVGDocument(width: width, height: height)
        doc.text(title, x: width / 2, y: 24, size: 15, anchor: .middle, bold: true)
        doc.text(subtitle, x: width / 2, y: 46, size: 12, anchor: .middle)
        let lo = order.map { r.mean[$0] - r.standardDeviation[$0] }.min() ?? 0
        let hi = order.map { r.mean[$0] + r.standardDeviation[$0] }.max() ?? 1
        let scale = AxisScale(lo: min(lo, 0), hi: max(hi, 0))
        func x(_ v: Double) -> Double { scale.map(v, from: left, to: left + plot) }
        let bottom = top + Double(order.count) * bar
        for t in scale.ticks {
            doc.line(x1: x(t), y1: top - 4, x2: x(t), y2: bottom, stroke: "#eeeeee")
            doc.text(scale.label(t), x: x(t), y: bottom + 16, size: 11, anchor: .middle)
        }
        for (i, g) in order.enumerated() {
            let y = top + Double(i) * bar
            let m = r.mean[g]
            let s = r.standardDeviation[g]
            let tip = "\(names[g]): mean drop \(fixed(m, 5)), standard deviation \(fixed(s, 5)) over \(r.drops[g].count) repeats"
            doc.text(shown[i], x: left - 8, y: y + bar / 2 + 4, size: 11, anchor: .end, tooltip: shown[i] == names[g] ? nil : names[g])
            doc.rect(
                x: min(x(0), x(m)), y: y + 3, width: abs(x(m) - x(0)), height: bar - 6, fill: m >= 0 ? "#4c78a8" : "#bab0ac", tooltip: tip)
            if s > 0 {
                doc.line(x1: x(m - s), y1: y + bar / 2, x2: x(m + s), y2: y + bar / 2, stroke: "#222222")
                doc.line(x1: x(m - s), y1: y + 6, x2: x(m - s), y2: y + bar - 6, stroke: "#222222")
                doc.line(x1: x(m + s), y1: y + 6, x2: x(m + s), y2: y + bar - 6, stroke: "#222222")
            }
        }
        doc.line(x1: x(0), y1: top - 4, x2: x(0), y2: bottom, stroke: "#222222")
        doc.text(
            "drop in the score when the column is shuffled (mean ± standard deviation)", x: left + plot / 2, y: bottom + 36, size: 12,
            anchor: .middle)
        if hidden > 0 { doc.text("\(hidden) more columns, of smaller mean drop, not drawn", x: left, y: bottom + 54, size: 11) }
        return doc.rendered
    }

    /// The heat map of the pixels' mean drops, `rows` × `cols`, row-major.
    static func heatMap(_ r: PermutationImportance.Result, rows: Int, cols: Int, title: String, subtitle: String) -> String {
        let cell = max(6.0, min(18.0, 504.0 / Double(max(rows, cols))))
        let top = 70.0
        let left = 40.0
        let most = max(r.mean.max() ?? 0, 1e-12)
        let width = max(
            left * 2 + cell * Double(cols) + 90, SVGDocument.textWidth(title, size: 15) * 1.1 + 20,
            SVGDocument.textWidth(subtitle, size: 12) + 20)
        let doc = SVGDocument(width: width, height: top + cell * Double(rows) + 50)
        doc.text(title, x: width / 2, y: 24, size: 15, anchor: .middle, bold: true)
        doc.text(subtitle, x: width / 2, y: 46, size: 12, anchor: .middle)
        for i in 0..<min(rows * cols, r.mean.count) {
            let m = r.mean[i]
            let s = r.standardDeviation[i]
            doc.rect(
                x: left + Double(i % cols) * cell, y: top + Double(i / cols) * cell, width: cell, height: cell, fill: shade(m / most),
                tooltip: "pixel (\(i / cols), \(i % cols)): mean drop \(fixed(m, 5)) ± \(fixed(s, 5))")
        }
        doc.rect(x: left, y: top, width: cell * Double(cols), height: cell * Double(rows), fill: "none", stroke: "#888888")
        // the colour scale
        let sx = left + cell * Double(cols) + 24
        let h = cell * Double(rows)
        for k in 0..<20 {
            let v = 1 - Double(k) / 20
            doc.rect(x: sx, y: top + Double(k) * h / 20, width: 14, height: h / 20 + 0.5, fill: shade(v))
        }
        doc.text(fixed(most, 4), x: sx + 18, y: top + 10, size: 10)
        doc.text("≤ 0", x: sx + 18, y: top + h, size: 10)
        doc.text("mean drop when the pixel is shuffled", x: left, y: top + h + 24, size: 11)
        return doc.rendered
    }

    /// White at 0 (and below), dark red (#67000d) at 1.
    static func shade(_ v: Double) -> String {
        let t = min(max(v, 0), 1)
        let c = [(255.0, 103.0), (255.0, 0.0), (255.0, 13.0)].map { Int(($0.0 + ($0.1 - $0.0) * t).rounded()) }
        return "#"
            + c.map { c in
                let h = String(c, radix: 16)
                return h.count == 1 ? "0" + h : h
            }.joined()
    }
}
