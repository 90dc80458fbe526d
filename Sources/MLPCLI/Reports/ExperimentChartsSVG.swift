// The charts of the experiment reports that the search plots do not draw: learning curves (a line
// per trial or fold, epochs across) and the spread of the folds' figures (a strip per figure: a dot
// per fold, the mean as a bar, mean ± standard deviation as a band, each strip on its own scale).
// Non-finite values break a line instead of bending the scale.
import Formats

enum ExperimentChartsSVG {
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    struct Line {
        let label: String
        let color: String
        let dash: String?
        /// (epoch, value) pairs; a non-finite value ends a segment.
        let points: [(x: Double, y: Double)]
    }

    /// Lines over epochs; `marks` draws dashed verticals (the rungs' budgets).
    static func lines(title: String, xLabel: String, yLabel: String, lines: [Line], marks: [Double] = []) -> String {
        let width = 720.0
        let legendRows = Double(lines.count)
        let height = 330.0 + legendRows * 16
        let doc = SVGDocument(width: width, height: height)
        let left = 64.0
        let right = width - 20
        let top = 36.0
        let bottom = 282.0
        doc.text(title, x: width / 2, y: 20, size: 14, anchor: .middle, bold: true)
        let finite = lines.flatMap { $0.points }.filter { $0.y.isFinite && $0.x.isFinite }
        let xs = AxisScale(lo: min(1, finite.map(\.x).min() ?? 1), hi: max(finite.map(\.x).max() ?? 1, marks.max() ?? 1), target: 8)
        let ys = AxisScale(lo: finite.map(\.y).min() ?? 0, hi: finite.map(\.y).max() ?? 1, target: 5)
        func px(_ v: Double) -> Double { xs.map(v, from: left, to: right) }
        func py(_ v: Double) -> Double { ys.map(v, from: bottom, to: top) }
        for t in ys.ticks {
            doc.line(x1: left, y1: py(t), x2: right, y2: py(t), stroke: "#e5e5e5")
            doc.text(ys.label(t), x: left - 6, y: py(t) + 4, size: 11, anchor: .end)
        }
        // Epochs are whole: no tick between two.
        for t in xs.ticks where t >= xs.lo && t <= xs.hi && t == t.rounded() {
            doc.line(x1: px(t), y1: bottom, x2: px(t), y2: bottom + 5, stroke: "#444444")
            doc.text("\(Int(t))", x: px(t), y: bottom + 18, size: 11, anchor: .middle)
        }
        for m in marks { doc.line(x1: px(m), y1: top, x2: px(m), y2: bottom, stroke: "#bbbbbb", dash: "3 3") }
        doc.line(x1: left, y1: bottom, x2: right, y2: bottom, stroke: "#444444")
        doc.line(x1: left, y1: top, x2: left, y2: bottom, stroke: "#444444")
        doc.text(xLabel, x: (left + right) / 2, y: bottom + 36, size: 12, anchor: .middle)
        doc.text(yLabel, x: 16, y: (top + bottom) / 2, size: 12, anchor: .middle, rotate: -90)
        for line in lines {
            var segment: [(Double, Double)] = []
            for p in line.points {
                if p.y.isFinite && p.x.isFinite {
                    segment.append((px(p.x), py(p.y)))
                } else {
                    doc.polyline(segment, stroke: line.color, width: 2, dash: line.dash)
                    segment = []
                }
            }
            if segment.count == 1 {
                doc.circle(cx: segment[0].0, cy: segment[0].1, r: 3, fill: line.color)
            } else {
                doc.polyline(segment, stroke: line.color, width: 2, dash: line.dash)
            }
        }
        for (i, line) in lines.enumerated() {
            let y = bottom + 56 + Double(i) * 16
            doc.line(x1: left, y1: y - 4, x2: left + 24, y2: y - 4, stroke: line.color, width: 2, dash: line.dash)
            doc.text(SVGDocument.shortened(line.label, limit: 100), x: left + 32, y: y, size: 11, tooltip: line.label)
        }
        if finite.isEmpty {
            doc.text("no epochs recorded", x: (left + right) / 2, y: (top + bottom) / 2, size: 12, anchor: .middle, fill: "#888888")
        }
        return doc.rendered
    }

    /// One strip per figure: its folds' values as dots (hover: which fold), the mean as a bar and
    /// mean ± standard deviation as a band.
    static func spread(title: String, figures: [(name: String, values: [Double], mean: Double, std: Double)], labels: [String])
        -> String
    {
        let width = 720.0
        let strip = 46.0
        let top = 40.0
        let height = top + Double(figures.count) * strip + 20
        let doc = SVGDocument(width: width, height: height)
        let left = 170.0
        let right = width - 130
        doc.text(title, x: width / 2, y: 20, size: 14, anchor: .middle, bold: true)
        for (i, f) in figures.enumerated() {
            let y = top + Double(i) * strip + strip / 2
            let finite = f.values.filter(\.isFinite)
            let scale = AxisScale(lo: finite.min() ?? 0, hi: finite.max() ?? 1, target: 4)
            func px(_ v: Double) -> Double { scale.map(v, from: left, to: right) }
            if i % 2 == 0 { doc.rect(x: 0, y: y - strip / 2, width: width, height: strip, fill: "#f7f7f7") }
            doc.text(f.name, x: left - 12, y: y + 4, size: 12, anchor: .end, bold: true)
            doc.line(x1: left, y1: y + 12, x2: right, y2: y + 12, stroke: "#999999")
            for t in [scale.lo, scale.hi] {
                doc.text(scale.label(t), x: px(t), y: y + 22, size: 9, anchor: .middle, fill: "#666666")
            }
            if f.mean.isFinite && f.std.isFinite {
                let a = max(px(f.mean - f.std), left)
                let b = min(px(f.mean + f.std), right)
                doc.rect(x: a, y: y - 10, width: max(b - a, 1), height: 20, fill: "#c6dbef", tooltip: "mean ± std")
                doc.line(x1: px(f.mean), y1: y - 12, x2: px(f.mean), y2: y + 12, stroke: "#08519c", width: 2)
            }
            for (k, v) in f.values.enumerated() where v.isFinite {
                doc.rect(
                    x: px(v) - 3.5, y: y - 3.5, width: 7, height: 7, fill: "#d62728",
                    tooltip: "\(k < labels.count ? labels[k] : "fold \(k + 1)"): \(ExperimentSetup.figure(v))")
            }
            doc.text(
                "\(ExperimentSetup.figure(f.mean)) ± \(ExperimentSetup.figure(f.std))", x: right + 12, y: y + 4, size: 12, fill: "#08519c")
        }
        return doc.rendered
    }

    /// An SVG document as an element inside an HTML page: without the XML declaration and the
    /// namespace attribute (HTML gives inline SVG its namespace; the page names no URL).
    static func inline(_ svg: String) -> String {
        guard let start = svg.firstRange(of: "<svg") else { return svg }
        return String(svg[start.lowerBound...]).replacingAll(" xmlns=\"http://www.w3.org/2000/svg\"", with: "")
    }
}
