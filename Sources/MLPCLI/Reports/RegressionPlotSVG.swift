// A regression's predictions as SVG, one row of two panels per target: predicted against actual
// values (with the line y = x, where a perfect model's points lie) and the residuals (actual −
// predicted) against the predicted values (with the line y = 0; a trend or a funnel shows a bias
// the figures hide). Axes cover every row; the points drawn are at most `maxPoints` rows, evenly
// spaced through the file, the same rows in every panel, so a large test set stays a small file.

import Formats

enum RegressionPlotSVG {
    /// One target column's values, in its units, row by row.
    struct Target {
        let name: String
        let actual: [Double], predicted: [Double]
        let rmse: Double, r2: Double
    }

    /// Rows drawn as points in each panel at most.
    static let maxPoints = 2000
    /// Targets drawn at most (the first ones), one row of panels each.
    static let maxTargets = 4
    static let panelWidth = 420.0, panelHeight = 424.0  // square plot areas: y = x at 45°

    /// Row indices of `count` rows to draw: all, or `limit` evenly spaced from the first row on.
    static func sample(count: Int, limit: Int = maxPoints) -> [Int] {
        count <= limit ? Array(0..<count) : (0..<limit).map { $0 * count / limit }
    }

    /// The plot of the first `maxTargets` of `targets`; `total` says how many the model has when only
    /// the first ones are given (the caller need not build the rest).
    static func render(targets all: [Target], of total: Int? = nil, title: String) -> String {
        let targets = Array(all.prefix(maxTargets))
        let targetCount = max(total ?? all.count, all.count)
        let rows = targets.first?.actual.count ?? 0
        let drawn = sample(count: rows)
        var notes: [String] = []
        if drawn.count < rows { notes.append("points: \(drawn.count) of \(rows) rows, evenly spaced through the file") }
        if targetCount > targets.count { notes.append("the first \(targets.count) of \(targetCount) targets") }
        let head = 34.0 + (notes.isEmpty ? 0 : 18)
        let width = max(panelWidth * 2, SVGDocument.textWidth(title, size: 15) * 1.1 + 20)
        let doc = SVGDocument(width: width, height: head + panelHeight * Double(max(targets.count, 1)))
        doc.text(title, x: width / 2, y: 22, size: 15, anchor: .middle, bold: true)
        if !notes.isEmpty { doc.text(notes.joined(separator: "; "), x: width / 2, y: 42, size: 11, anchor: .middle, fill: "#666666") }
        for (i, t) in targets.enumerated() {
            let y = head + panelHeight * Double(i)
            let name = SVGDocument.shortened(t.name, limit: 24)
            let pairs = zip(t.actual, t.predicted).filter { $0.0.isFinite && $0.1.isFinite }
            // Predicted against actual: one scale for both axes, so y = x is the diagonal.
            let values = pairs.flatMap { [$0.0, $0.1] }
            let both = AxisScale(lo: values.min() ?? 0, hi: values.max() ?? 1, target: 5)
            let fit = "R² \(t.r2.isFinite ? fixed(t.r2, 4) : "n/a"), RMSE \(t.rmse.isFinite ? significant(t.rmse) : "n/a")"
            panel(
                doc, x: 0, y: y, heading: "\(name): predicted against actual", note: fit, xs: both, ys: both,
                xLabel: "actual \(name)", yLabel: "predicted \(name)",
                points: drawn.compactMap { r in r < t.actual.count && r < t.predicted.count ? (t.actual[r], t.predicted[r]) : nil },
                reference: [(both.lo, both.lo), (both.hi, both.hi)], tooltip: t.name)
            // Residuals against predicted, on a scale symmetric about 0.
            let residuals = pairs.map { $0.0 - $0.1 }
            let reach = residuals.map(abs).max() ?? 1
            let rs = AxisScale(lo: -reach, hi: reach, target: 5)
            let ps = AxisScale(lo: pairs.map(\.1).min() ?? 0, hi: pairs.map(\.1).max() ?? 1, target: 5)
            panel(
                doc, x: panelWidth, y: y, heading: "\(name): residuals", note: "residual = actual − predicted",
                xs: ps, ys: rs, xLabel: "predicted \(name)", yLabel: "residual",
                points: drawn.compactMap { r in
                    r < t.actual.count && r < t.predicted.count ? (t.predicted[r], t.actual[r] - t.predicted[r]) : nil
                },
                reference: [(ps.lo, 0), (ps.hi, 0)], tooltip: t.name)
        }
        if targets.isEmpty { doc.text("no targets", x: width / 2, y: head + panelHeight / 2, size: 12, anchor: .middle, fill: "#888888") }
        return doc.rendered
    }

    /// One scatter panel at (x, y): ticked axes, the reference line (dashed), the points that are finite.
    static func panel(
        _ doc: SVGDocument, x: Double, y: Double, heading: String, note: String, xs: AxisScale, ys: AxisScale,
        xLabel: String, yLabel: String, points: [(Double, Double)], reference: [(Double, Double)], tooltip: String
    ) {
        let left = x + 70
        let right = x + panelWidth - 20
        let top = y + 44
        let bottom = y + panelHeight - 50
        doc.text(heading, x: (left + right) / 2, y: y + 18, size: 13, anchor: .middle, bold: true, tooltip: tooltip)
        doc.text(note, x: (left + right) / 2, y: y + 34, size: 11, anchor: .middle, fill: "#555555")
        func px(_ v: Double) -> Double { xs.map(v, from: left, to: right) }
        func py(_ v: Double) -> Double { ys.map(v, from: bottom, to: top) }
        for t in ys.ticks {
            doc.line(x1: left, y1: py(t), x2: right, y2: py(t), stroke: "#e5e5e5")
            doc.text(ys.label(t), x: left - 6, y: py(t) + 4, size: 11, anchor: .end)
        }
        for t in xs.ticks {
            doc.line(x1: px(t), y1: top, x2: px(t), y2: bottom, stroke: "#f0f0f0")
            doc.line(x1: px(t), y1: bottom, x2: px(t), y2: bottom + 5, stroke: "#444444")
            doc.text(xs.label(t), x: px(t), y: bottom + 18, size: 11, anchor: .middle)
        }
        doc.line(x1: left, y1: bottom, x2: right, y2: bottom, stroke: "#444444")
        doc.line(x1: left, y1: top, x2: left, y2: bottom, stroke: "#444444")
        doc.text(xLabel, x: (left + right) / 2, y: bottom + 38, size: 12, anchor: .middle)
        doc.text(yLabel, x: x + 16, y: (top + bottom) / 2, size: 12, anchor: .middle, rotate: -90)
        let finite = points.filter { $0.0.isFinite && $0.1.isFinite }
        doc.dots(finite.map { (x: px($0.0), y: py($0.1)) }, r: 2.2, fill: "#1f77b4", opacity: 0.45)
        if let a = reference.first, let b = reference.last {
            doc.line(x1: px(a.0), y1: py(a.1), x2: px(b.0), y2: py(b.1), stroke: "#d62728", width: 1.5, dash: "6 4")
        }
    }
}
