// What `--augment` asks for: which random distortions each training image gets, and how strong.
//
// The text is comma-separated parts, each a name and its magnitudes separated by colons; a part
// given without magnitudes takes its default:
//   shift[:PIXELS]            translation, each axis uniform in [−PIXELS, PIXELS]            (default 2)
//   rotate[:DEGREES]          rotation about the image centre, uniform in [−DEGREES, DEGREES] (default 15)
//   scale[:F[:FY]]            zoom by 1 + uniform[−F, F], the same for both axes; with FY, the
//                             horizontal and vertical factors are drawn apart (1 ± F, 1 ± FY) (default 0.15)
//   shear[:S]                 horizontal shear x += s·y with s uniform in [−S, S]              (default 0.3)
//   elastic[:ALPHA[:SIGMA]]   elastic distortion (Simard et al. 2003): a field of displacements
//                             uniform in [−1, 1] per pixel and axis, smoothed by a Gaussian of
//                             standard deviation SIGMA pixels, times ALPHA pixels              (default 34, 4)
// e.g. "shift:2,rotate:15,scale:0.15,shear:0.3,elastic:34:4", or "rotate,elastic" for the defaults.
// The order of the parts in the text does not matter: every image gets the one affine map and the
// one displacement field they describe (ImageAugmenter.swift), and `token` writes them in a fixed order.

public struct AugmentationSpecError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

public struct AugmentationSpec: Equatable, Sendable {
    /// Largest translation in pixels, per axis.
    public var shift: Float?
    /// Largest rotation in degrees, either way.
    public var rotate: Float?
    /// Largest relative change of size.
    public var scale: Scale?
    /// Largest horizontal shear factor, either way.
    public var shear: Float?
    /// The elastic displacement field.
    public var elastic: Elastic?

    public struct Scale: Equatable, Sendable {
        /// Largest change of the horizontal factor (of both, unless `independent`).
        public var x: Float
        /// Largest change of the vertical factor (equal to x unless `independent`).
        public var y: Float
        /// Whether the two factors are drawn apart.
        public var independent: Bool
        public init(x: Float, y: Float, independent: Bool) {
            self.x = x
            self.y = y
            self.independent = independent
        }
    }

    public struct Elastic: Equatable, Sendable {
        /// Displacement scale, in pixels.
        public var alpha: Float
        /// Standard deviation of the smoothing Gaussian, in pixels.
        public var sigma: Float
        public init(alpha: Float, sigma: Float) {
            self.alpha = alpha
            self.sigma = sigma
        }
    }

    public init(shift: Float? = nil, rotate: Float? = nil, scale: Scale? = nil, shear: Float? = nil, elastic: Elastic? = nil) {
        self.shift = shift
        self.rotate = rotate
        self.scale = scale
        self.shear = shear
        self.elastic = elastic
    }

    /// A part's name, its syntax, what it does and its default magnitude, as help and the README say.
    public struct Part {
        public let name: String, syntax: String, meaning: String, defaults: String
    }

    public static let parts: [Part] = [
        Part(name: "shift", syntax: "shift[:PIXELS]", meaning: "translation, each axis uniform in [−PIXELS, PIXELS]", defaults: "2"),
        Part(
            name: "rotate", syntax: "rotate[:DEGREES]", meaning: "rotation about the centre, uniform in [−DEGREES, DEGREES]", defaults: "15"
        ),
        Part(
            name: "scale", syntax: "scale[:F[:FY]]",
            meaning: "zoom by 1 ± F on both axes; with FY, horizontal 1 ± F and vertical 1 ± FY drawn apart", defaults: "0.15"),
        Part(name: "shear", syntax: "shear[:S]", meaning: "horizontal shear x + s·y, s uniform in [−S, S]", defaults: "0.3"),
        Part(
            name: "elastic", syntax: "elastic[:ALPHA[:SIGMA]]",
            meaning: "elastic field: uniform [−1, 1] displacements smoothed by a Gaussian of SIGMA pixels, times ALPHA pixels",
            defaults: "34, 4"),
    ]

    public static let defaultShift: Float = 2, defaultRotate: Float = 15, defaultScale: Float = 0.15, defaultShear: Float = 0.3
    public static let defaultElastic = Elastic(alpha: 34, sigma: 4)

    /// Parses the text of `--augment`; a malformed part is an error naming it and what it expects.
    public static func parse(_ text: String) throws(AugmentationSpecError) -> AugmentationSpec {
        var spec = AugmentationSpec()
        var seen: Set<String> = []
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
        for (i, item) in items.enumerated() {
            let fields = item.split(separator: ":", omittingEmptySubsequences: false).map { String($0) }
            let name = fields[0].lowercased()
            let values = Array(fields.dropFirst())
            guard !name.isEmpty else {
                throw AugmentationSpecError(
                    message: "part \(i + 1) is empty; expected comma-separated parts, e.g. shift:2,rotate:15,elastic:34:4")
            }
            guard let part = parts.first(where: { $0.name == name }) else {
                let hint = closest(to: name).map { " (did you mean '\($0)'?)" } ?? ""
                throw AugmentationSpecError(
                    message: "unknown part '\(fields[0])'\(hint); the parts are \(parts.map(\.syntax).joined(separator: ", "))")
            }
            guard seen.insert(name).inserted else {
                throw AugmentationSpecError(message: "'\(name)' is given twice")
            }
            func number(_ k: Int, _ what: String, _ range: ClosedRange<Float>, open: Bool = false) throws(AugmentationSpecError) -> Float {
                let v = values[k]
                guard let x = Float(v), x.isFinite, range.contains(x), !(open && x == range.lowerBound) else {
                    let shown = v.isEmpty ? "nothing" : "'\(v)'"
                    throw AugmentationSpecError(
                        message:
                            "'\(item)': \(part.name) expects \(what) (\(part.syntax), e.g. \(part.name):\(part.defaults.replacingCommas())), got \(shown)"
                    )
                }
                return x
            }
            let most = name == "scale" || name == "elastic" ? 2 : 1
            guard values.count <= most else {
                throw AugmentationSpecError(
                    message:
                        "'\(item)': \(part.name) takes at most \(most) value\(most == 1 ? "" : "s") (\(part.syntax)), got \(values.count)")
            }
            switch name {
            case "shift":
                spec.shift = values.isEmpty ? defaultShift : try number(0, "a number of pixels from 0 to 1000", 0...1000)
            case "rotate":
                spec.rotate = values.isEmpty ? defaultRotate : try number(0, "a number of degrees from 0 to 180", 0...180)
            case "scale":
                let what = "a fraction from 0 to 0.9 (the factor stays in 1 ± F)"
                if values.isEmpty {
                    spec.scale = Scale(x: defaultScale, y: defaultScale, independent: false)
                } else {
                    let x = try number(0, what, 0...0.9)
                    let y = values.count == 2 ? try number(1, what, 0...0.9) : x
                    spec.scale = Scale(x: x, y: y, independent: values.count == 2)
                }
            case "shear":
                spec.shear = values.isEmpty ? defaultShear : try number(0, "a shear factor from 0 to 10", 0...10)
            default:
                let alpha = values.isEmpty ? defaultElastic.alpha : try number(0, "ALPHA, a number of pixels from 0 to 1000", 0...1000)
                let sigma =
                    values.count < 2
                    ? defaultElastic.sigma : try number(1, "SIGMA, a number of pixels above 0 and at most 50", 0...50, open: true)
                spec.elastic = Elastic(alpha: alpha, sigma: sigma)
            }
        }
        return spec
    }

    /// The spec as text `parse` reads back to the same value, its parts in a fixed order.
    public var token: String {
        var out: [String] = []
        if let shift { out.append("shift:\(shortest(shift))") }
        if let rotate { out.append("rotate:\(shortest(rotate))") }
        if let scale { out.append("scale:\(shortest(scale.x))" + (scale.independent ? ":\(shortest(scale.y))" : "")) }
        if let shear { out.append("shear:\(shortest(shear))") }
        if let elastic { out.append("elastic:\(shortest(elastic.alpha)):\(shortest(elastic.sigma))") }
        return out.joined(separator: ",")
    }

    /// "2" rather than "2.0"; otherwise Swift's shortest form, which reads back to the same Float.
    private func shortest(_ x: Float) -> String {
        if x == x.rounded(), abs(x) < 1e7 { return "\(Int(x))" }
        return "\(x)"
    }

    /// The part name nearest to a misspelt one (at most two edits away).
    private static func closest(to name: String) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var prev = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var cur = [i] + [Int](repeating: 0, count: b.count)
                for j in 1...max(b.count, 1) where !b.isEmpty {
                    cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                }
                prev = cur
            }
            return prev[b.count]
        }
        let best = parts.map { ($0.name, distance(Array(name), Array($0.name))) }.min { $0.1 < $1.1 }
        return best.flatMap { $0.1 <= 2 ? $0.0 : nil }
    }
}

extension String {
    /// "34, 4" → "34:4", the defaults as the part is written.
    fileprivate func replacingCommas() -> String { split(separator: ",").map { $0.trimmingSpaces() }.joined(separator: ":") }
}
