// Training curves as SVG, two panels side by side: loss (train, validation) and accuracy (train,
// validation, test) per epoch, with ticked axes and a legend. Non-finite values (a diverged run)
// break the line instead of bending the scale.

import Formats

enum TrainingCurvesSVG {
    struct Series {
        let name: String, color: String, dash: String?
        let values: [(epoch: Int, value: Double)]
    }

    static let panelWidth = 440.0, panelHeight = 320.0

    static func render(history: [EpochRecord], title: String? = nil) -> String {
        let top = title == nil ? 0.0 : 30.0
        let doc = SVGDocument(width: panelWidth * 2, height: panelHeight + top)
        if let title { doc.text(title, x: panelWidth, y: 20, size: 15, anchor: .middle, bold: true) }
        func series(_ name: String, _ color: String, _ dash: String?, _ get: (EpochRecord) -> Double?) -> Series {
            Series(name: name, color: color, dash: dash, values: history.compactMap { r in get(r).map { (r.epoch, $0) } })
        }
        let loss = [
            series("train loss", "#1f77b4", nil) { $0.trainLoss },
            series("validation loss", "#ff7f0e", "6 4") { $0.validationLoss },
        ]
        let metric = history.first?.metric ?? "accuracy"
        let accuracy = [
            series("train \(metric)", "#1f77b4", nil) { $0.trainAccuracy },
            series("validation \(metric)", "#ff7f0e", "6 4") { $0.validationAccuracy },
            series("test \(metric)", "#2ca02c", "2 3") { $0.testAccuracy },
        ]
        let epochs = history.map(\.epoch)
        panel(doc, x: 0, y: top, heading: "loss", series: loss, epochs: epochs, floorAtZero: true, legendAtBottom: false)
        panel(doc, x: panelWidth, y: top, heading: metric, series: accuracy, epochs: epochs, floorAtZero: false, legendAtBottom: true)
        return doc.rendered
    }

    static func panel(
        _ doc: SVGDocument, x: Double, y: Double, heading: String, series all: [Series],
        epochs: [Int], floorAtZero: Bool, legendAtBottom: Bool
    ) {
        let series = all.filter { !$0.values.isEmpty }
        let left = x + 60
        let right = x + panelWidth - 20
        let top = y + 40
        let bottom = y + panelHeight - 50
        doc.text(heading, x: (left + right) / 2, y: y + 24, size: 14, anchor: .middle, bold: true)
        let finite = series.flatMap { $0.values.map(\.value) }.filter(\.isFinite)
        let xs = AxisScale(lo: Double(epochs.min() ?? 1), hi: Double(max(epochs.max() ?? 1, (epochs.min() ?? 1) + 1)), target: 6)
        let ys = AxisScale(
            lo: floorAtZero ? min(0, finite.min() ?? 0) : (finite.min() ?? 0),
            hi: finite.max() ?? 1, target: 5)
        func px(_ e: Double) -> Double { xs.map(e, from: left, to: right) }
        func py(_ v: Double) -> Double { ys.map(v, from: bottom, to: top) }
        // grid, ticks and labels; epochs are whole numbers, so fractional ticks are skipped
        for t in ys.ticks {
            doc.line(x1: left, y1: py(t), x2: right, y2: py(t), stroke: "#e5e5e5")
            doc.text(ys.label(t), x: left - 6, y: py(t) + 4, size: 11, anchor: .end)
        }
        for t in xs.ticks where t == t.rounded() {
            doc.line(x1: px(t), y1: bottom, x2: px(t), y2: bottom + 5, stroke: "#444444")
            doc.text(fixed(t, 0), x: px(t), y: bottom + 18, size: 11, anchor: .middle)
        }
        doc.line(x1: left, y1: bottom, x2: right, y2: bottom, stroke: "#444444")
        doc.line(x1: left, y1: top, x2: left, y2: bottom, stroke: "#444444")
        doc.text("epoch", x: (left + right) / 2, y: bottom + 38, size: 12, anchor: .middle)
        doc.text(heading, x: x + 16, y: (top + bottom) / 2, size: 12, anchor: .middle, rotate: -90)
        if series.isEmpty {
            doc.text("no epochs recorded", x: (left + right) / 2, y: (top + bottom) / 2, size: 12, anchor: .middle, fill: "#888888")
            return
        }
        for s in series {
            var run: [(Double, Double)] = []
            for (e, v) in s.values {
                guard v.isFinite else {
                    doc.polyline(run, stroke: s.color, dash: s.dash)
                    run = []
                    continue
                }
                run.append((px(Double(e)), py(v)))
                doc.circle(cx: px(Double(e)), cy: py(v), r: 2.5, fill: s.color)
            }
            doc.polyline(run, stroke: s.color, dash: s.dash)
        }
        // legend, inside the plot area where the curves usually are not: top right for a falling
        // loss, bottom right for a rising accuracy
        let lx = right - 150
        let ly = legendAtBottom ? bottom - Double(series.count) * 18 - 8 : top + 8
        doc.rect(x: lx - 8, y: ly - 6, width: 156, height: Double(series.count) * 18 + 6, fill: "#ffffff", stroke: "#cccccc")
        for (i, s) in series.enumerated() {
            let yy = ly + Double(i) * 18 + 8
            doc.line(x1: lx, y1: yy, x2: lx + 24, y2: yy, stroke: s.color, width: 2, dash: s.dash)
            doc.text(s.name, x: lx + 30, y: yy + 4, size: 11)
        }
    }
}
