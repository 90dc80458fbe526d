// A hand-written SVG document: shapes appended in drawing order, text escaped, numbers printed
// with at most two decimals. Readable in any browser; no Foundation, no dependencies.

import Formats

final class SVGDocument {
    let width: Double, height: Double
    private var body: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil, tooltip: String? = nil) {
        let s = stroke.map { " stroke=\"\($0)\"" } ?? ""
        let open = "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"\(fill)\"\(s)"
        body.append(tooltip.map { open + "><title>\(SVGDocument.escape($0))</title></rect>" } ?? open + "/>")
    }

    func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dash: String? = nil) {
        let d = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        body.append(
            "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\"\(d)/>")
    }

    func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, dash: String? = nil) {
        guard !points.isEmpty else { return }
        let d = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        let p = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        body.append("<polyline points=\"\(p)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\"\(d)/>")
    }

    func circle(cx: Double, cy: Double, r: Double, fill: String) {
        body.append("<circle cx=\"\(n(cx))\" cy=\"\(n(cy))\" r=\"\(n(r))\" fill=\"\(fill)\"/>")
    }

    /// Many equal dots as one group that carries their colour: a scatter plot's points, small in the
    /// file (centres to a tenth of a pixel).
    func dots(_ points: [(x: Double, y: Double)], r: Double, fill: String, opacity: Double) {
        guard !points.isEmpty else { return }
        func tenth(_ v: Double) -> String { n((v * 10).rounded() / 10) }
        let circles = points.map { "<circle cx=\"\(tenth($0.x))\" cy=\"\(tenth($0.y))\" r=\"\(n(r))\"/>" }.joined()
        body.append("<g fill=\"\(fill)\" fill-opacity=\"\(n(opacity))\">\(circles)</g>")
    }

    enum Anchor: String { case start, middle, end }

    /// Text with its baseline at y; `rotate` turns it (degrees) about (x, y). A `tooltip` (shown on
    /// hovering, e.g. the whole of a shortened label) wraps the text in a group with that title.
    func text(
        _ s: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start, fill: String = "#222",
        bold: Bool = false, rotate: Double? = nil, tooltip: String? = nil
    ) {
        let w = bold ? " font-weight=\"bold\"" : ""
        let r = rotate.map { " transform=\"rotate(\(n($0)) \(n(x)) \(n(y)))\"" } ?? ""
        let element =
            "<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(fill)\"\(w)\(r)>\(SVGDocument.escape(s))</text>"
        body.append(tooltip.map { "<g><title>\(SVGDocument.escape($0))</title>\(element)</g>" } ?? element)
    }

    /// `s` cut to at most `limit` characters, the last of them an ellipsis when it was longer (no
    /// space before it).
    static func shortened(_ s: String, limit: Int) -> String {
        guard s.count > limit else { return s }
        var head = s.prefix(max(limit - 1, 0))
        while head.last?.isWhitespace == true { head.removeLast() }
        return head + "…"
    }

    /// About how wide `s` is drawn at `size` px in a sans-serif font: 0.6 em a character, 1 em for
    /// wide (East Asian) ones. Enough to size margins; SVG has no text metrics.
    static func textWidth(_ s: String, size: Double) -> Double {
        s.unicodeScalars.reduce(0) { w, u in w + (u.properties.isIdeographic || (0xAC00...0xD7A3).contains(u.value) ? 1 : 0.6) } * size
    }

    /// The whole document, XML declaration first.
    var rendered: String {
        let head =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"sans-serif\">\n"
            + "<rect x=\"0\" y=\"0\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"#ffffff\"/>\n"
        return head + body.joined(separator: "\n") + "\n</svg>\n"
    }

    /// Text safe inside an element or an attribute; control characters XML forbids are dropped.
    static func escape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if u.value < 0x20 && u != "\t" && u != "\n" && u != "\r" { continue }
                if u.value == 0xFFFE || u.value == 0xFFFF { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// A coordinate with at most two decimals ("12", "12.5", "12.25").
    private func n(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        var s = fixed(x, 2)
        while s.contains("."), s.last == "0" { s.removeLast() }
        if s.last == "." { s.removeLast() }
        return s == "-0" ? "0" : s
    }
}
