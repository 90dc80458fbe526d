// A search's objective against each hyperparameter, as SVG: one point per trial and rung (colored
// by rung, so the promoted trials' later figures stand out), numbers on a linear or log axis,
// choices side by side. Written into the search's directory and drawn into its HTML report.
import Experiments
import Formats
import Glibc

enum SearchPlotsSVG {
    static let width = 460.0, height = 320.0
    static let rungColors = ["#9ecae1", "#4292c6", "#08519c", "#e6550d", "#a63603", "#54278f"]

    /// The objective against `dimension`, `key` naming it.
    static func render(_ s: SuccessiveHalving, dimension d: SearchDimension, key: String) -> String {
        let doc = SVGDocument(width: width, height: height)
        let left = 64.0
        let right = width - 16
        let top = 36.0
        let bottom = height - 48
        doc.text("\(s.objective) against \(key)", x: width / 2, y: 20, size: 14, anchor: .middle, bold: true)
        var points: [(x: Double, y: Double, rung: Int)] = []
        var categories: [String] = []
        if case .choices(let c) = d.domain { categories = c }
        for k in s.budgets.indices {
            for r in s.results[k] where r.value.isFinite {
                guard let v = s.trials[r.trial].parameters.first(where: { $0.name == d.name })?.value else { continue }
                if d.isNumeric {
                    guard let x = Double(v) else { continue }
                    points.append((d.isLog ? log10(max(x, 1e-300)) : x, r.value, k))
                } else {
                    if !categories.contains(v) { categories.append(v) }
                    points.append((Double(categories.firstIndex(of: v)!), r.value, k))
                }
            }
        }
        let ys = AxisScale(lo: points.map(\.y).min() ?? 0, hi: points.map(\.y).max() ?? 1, target: 5)
        func py(_ v: Double) -> Double { ys.map(v, from: bottom, to: top) }
        for t in ys.ticks {
            doc.line(x1: left, y1: py(t), x2: right, y2: py(t), stroke: "#e5e5e5")
            doc.text(ys.label(t), x: left - 6, y: py(t) + 4, size: 11, anchor: .end)
        }
        let px: (Double) -> Double
        if d.isNumeric {
            var lo = 0.0
            var hi = 1.0
            if case .range(let a, let b, let isLog, _) = d.domain { (lo, hi) = isLog ? (log10(a), log10(b)) : (a, b) }
            let xs = AxisScale(lo: lo, hi: hi, target: 5)
            px = { xs.map($0, from: left + 8, to: right - 8) }
            for t in xs.ticks where t >= xs.lo && t <= xs.hi {
                doc.line(x1: px(t), y1: bottom, x2: px(t), y2: bottom + 5, stroke: "#444444")
                doc.text(d.isLog ? logTick(t) : xs.label(t), x: px(t), y: bottom + 18, size: 11, anchor: .middle)
            }
        } else {
            let n = Double(max(categories.count, 1))
            px = { left + ($0 + 0.5) / n * (right - left) }
            for (i, c) in categories.enumerated() {
                doc.text(SVGDocument.shortened(c, limit: 14), x: px(Double(i)), y: bottom + 18, size: 11, anchor: .middle)
            }
        }
        doc.line(x1: left, y1: bottom, x2: right, y2: bottom, stroke: "#444444")
        doc.line(x1: left, y1: top, x2: left, y2: bottom, stroke: "#444444")
        doc.text(key + (d.isLog ? " (log scale)" : ""), x: (left + right) / 2, y: bottom + 38, size: 12, anchor: .middle)
        for k in s.budgets.indices {
            let color = rungColors[k % rungColors.count]
            doc.dots(points.filter { $0.rung == k }.map { (px($0.x), py($0.y)) }, r: 4, fill: color, opacity: 0.85)
            doc.rect(x: right - 110, y: top + 4 + Double(k) * 16, width: 10, height: 10, fill: color)
            doc.text(
                "rung \(k): \(s.budgets[k]) epoch\(s.budgets[k] == 1 ? "" : "s")", x: right - 96, y: top + 13 + Double(k) * 16, size: 10)
        }
        if points.isEmpty {
            doc.text("no results yet", x: (left + right) / 2, y: (top + bottom) / 2, size: 12, anchor: .middle, fill: "#888888")
        }
        return doc.rendered
    }

    /// A log axis's tick 10^t to two significant digits ("0.0032", not 0.0031622776601683794).
    static func logTick(_ t: Double) -> String {
        // Through the decimal text, so that 10^-5 is "0.00001", not 9.999999999999999e-06.
        let e = Int(floor(t + 1e-9))
        let mantissa = (pow(10, t - Double(e)) * 10).rounded() / 10
        return JSONValue.format(Double("\(mantissa)e\(e)") ?? pow(10, t))
    }
}

enum SearchPlots {
    /// Writes DIR/KEY.svg for every dimension; the first error, if any.
    static func write(_ s: SuccessiveHalving, space: [SearchDimension], dir: String, keys: (String) -> String) -> (
        written: [String], error: String?
    ) {
        var written: [String] = []
        for d in space {
            let path = dir + "/" + keys(d.name) + ".svg"
            do { try AtomicFile.write(Array(SearchPlotsSVG.render(s, dimension: d, key: keys(d.name)).utf8), to: path) } catch {
                return (written, "\(path): \(error)")
            }
            written.append(path)
        }
        return (written, nil)
    }
}
