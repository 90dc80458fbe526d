// The confusion matrix as an SVG heat map: rows are true classes, columns predicted classes; a
// cell's shade grows with its share of the row (the row's recall on the diagonal), on a square-root
// scale so that a few mistakes still show; its text is the count.

enum ConfusionMatrixSVG {
    static func render(confusion: [[Int]], title: String) -> String {
        let k = max(confusion.count, 1)
        let cell = max(22.0, min(48.0, 480.0 / Double(k)))
        let left = 80.0, top = 70.0, grid = cell * Double(k)
        // wide enough for the title (about 8.5 px per character at 15 px bold)
        let width = max(left + grid + 30, Double(title.count) * 8.5 + 20)
        let doc = SVGDocument(width: width, height: top + grid + 60)
        doc.text(title, x: width / 2, y: 24, size: 15, anchor: .middle, bold: true)
        doc.text("predicted class", x: left + grid / 2, y: 48, size: 12, anchor: .middle)
        doc.text("true class", x: 24, y: top + grid / 2, size: 12, anchor: .middle, rotate: -90)
        let fontSize = max(8.0, min(13.0, cell * 0.32))
        for (t, row) in confusion.enumerated() {
            let total = row.reduce(0, +)
            let y = top + Double(t) * cell
            doc.text("\(t)", x: left - 8, y: y + cell / 2 + 4, size: 11, anchor: .end)
            for (p, count) in row.enumerated() {
                let x = left + Double(p) * cell
                let share = total == 0 ? 0 : Double(count) / Double(total)
                let tip = "true \(t), predicted \(p): \(count)" + (total == 0 ? "" : " (\(fixed(100 * share, 1))% of class \(t))")
                doc.rect(x: x, y: y, width: cell, height: cell, fill: shade(share.squareRoot()), stroke: "#dddddd", tooltip: tip)
                if count > 0 {
                    doc.text("\(count)", x: x + cell / 2, y: y + cell / 2 + fontSize * 0.35, size: fontSize, anchor: .middle,
                             fill: share > 0.25 ? "#ffffff" : "#222222")
                }
            }
        }
        for p in 0..<confusion.count {
            doc.text("\(p)", x: left + (Double(p) + 0.5) * cell, y: top - 6, size: 11, anchor: .middle)
        }
        doc.text("shade: √(share of the true class's examples), white 0%, dark blue 100%", x: left, y: top + grid + 28, size: 11)
        return doc.rendered
    }

    /// White at 0, dark blue (#08306b) at 1.
    static func shade(_ v: Double) -> String {
        let t = min(max(v, 0), 1)
        let c = [(255.0, 8.0), (255.0, 48.0), (255.0, 107.0)].map { Int(($0.0 + ($0.1 - $0.0) * t).rounded()) }
        return "#" + c.map { c in let h = String(c, radix: 16); return h.count == 1 ? "0" + h : h }.joined()
    }
}
