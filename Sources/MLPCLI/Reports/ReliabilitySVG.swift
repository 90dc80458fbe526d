// The reliability diagram (Guo et al. 2017) as SVG, for evaluate --plot-calibration: the confidence
// axis cut into the ECE's equal-width bins; per bin a bar up to the accuracy of its rows, a red band
// between that and the rows' mean confidence (the gap the ECE weighs by the bin's share of the rows),
// and the diagonal where a calibrated model's bars end. Below, the bins' row counts as a histogram (on
// a square-root scale, so that the few rows of the low-confidence bins still show). Every bar's
// tooltip gives the bin's figures.
import Formats
import Model

enum ReliabilitySVG {
    static func render(_ c: Calibration, title: String, subtitle: String) -> String {
        let top = 70.0
        let side = 420.0
        let gap = 70.0
        let histogram = 110.0
        let legendWidth = 200.0
        let width = max(
            70 + side + legendWidth, SVGDocument.textWidth(title, size: 15) * 1.1 + 20, SVGDocument.textWidth(subtitle, size: 12) + 20)
        // the plot and its legend (on the right) centred
        let left = max(70, (width - side - legendWidth) / 2 + 30)
        let height = top + side + gap + histogram + 70
        let doc = SVGDocument(width: width, height: height)
        doc.text(title, x: width / 2, y: 24, size: 15, anchor: .middle, bold: true)
        doc.text(subtitle, x: width / 2, y: 46, size: 12, anchor: .middle)
        func x(_ v: Double) -> Double { left + v * side }
        func y(_ v: Double) -> Double { top + (1 - v) * side }
        // grid and axes
        for t in stride(from: 0.0, through: 1.0001, by: 0.2) {
            doc.line(x1: x(0), y1: y(t), x2: x(1), y2: y(t), stroke: "#eeeeee")
            doc.line(x1: x(t), y1: y(0), x2: x(t), y2: y(1), stroke: "#eeeeee")
            doc.text(fixed(t, 1), x: left - 8, y: y(t) + 4, size: 11, anchor: .end)
            doc.text(fixed(t, 1), x: x(t), y: y(0) + 16, size: 11, anchor: .middle)
        }
        for b in c.bins where !b.isEmpty {
            let tip =
                "confidence (\(fixed(b.lower, 3)), \(fixed(b.upper, 3))]: \(b.count) rows, mean confidence \(fixed(b.confidence, 4)), accuracy \(fixed(b.accuracy, 4)), gap \(fixed(abs(b.accuracy - b.confidence), 4))"
            let w = (b.upper - b.lower) * side
            doc.rect(x: x(b.lower), y: y(b.accuracy), width: w, height: b.accuracy * side, fill: "#4c78a8", stroke: "#ffffff", tooltip: tip)
            let (lo, hi) = (min(b.accuracy, b.confidence), max(b.accuracy, b.confidence))
            if hi - lo > 0 {
                doc.rect(x: x(b.lower), y: y(hi), width: w, height: (hi - lo) * side, fill: "#e45756", stroke: "#ffffff", tooltip: tip)
            }
        }
        doc.line(x1: x(0), y1: y(0), x2: x(1), y2: y(1), stroke: "#555555", width: 1.5, dash: "6 4")
        doc.line(x1: x(0), y1: y(0), x2: x(1), y2: y(0), stroke: "#222222")
        doc.line(x1: x(0), y1: y(0), x2: x(0), y2: y(1), stroke: "#222222")
        doc.text("confidence (the probability of the predicted class)", x: left + side / 2, y: y(0) + 34, size: 12, anchor: .middle)
        doc.text("accuracy", x: left - 44, y: top + side / 2, size: 12, anchor: .middle, rotate: -90)
        // legend, right of the plot
        let lx = x(1) + 16
        let ly = top + 12
        doc.rect(x: lx, y: ly - 9, width: 12, height: 12, fill: "#4c78a8")
        doc.text("accuracy of the bin's rows", x: lx + 18, y: ly + 1, size: 11)
        doc.rect(x: lx, y: ly + 9, width: 12, height: 12, fill: "#e45756")
        doc.text("gap to their mean confidence", x: lx + 18, y: ly + 19, size: 11)
        doc.line(x1: lx, y1: ly + 33, x2: lx + 12, y2: ly + 33, stroke: "#555555", width: 1.5, dash: "6 4")
        doc.text("calibrated", x: lx + 18, y: ly + 37, size: 11)
        // the counts
        let base = top + side + gap + histogram
        let most = Double(c.bins.map(\.count).max() ?? 0)
        doc.text("rows per bin (√ scale)", x: left + side / 2, y: top + side + gap - 8, size: 12, anchor: .middle)
        for b in c.bins where b.count > 0 {
            let h = most > 0 ? (Double(b.count) / most).squareRoot() * (histogram - 16) : 0
            doc.rect(
                x: x(b.lower), y: base - h, width: (b.upper - b.lower) * side, height: h, fill: "#9ecae9", stroke: "#ffffff",
                tooltip: "confidence (\(fixed(b.lower, 3)), \(fixed(b.upper, 3))]: \(b.count) rows")
            doc.text("\(b.count)", x: x((b.lower + b.upper) / 2), y: base - h - 3, size: 9, anchor: .middle)
        }
        doc.line(x1: x(0), y1: base, x2: x(1), y2: base, stroke: "#222222")
        return doc.rendered
    }
}
