// The architecture string: comma-separated layer tokens, e.g. "512:relu,dropout:0.2,256:relu,batchnorm,10".
//
//   N            a dense layer of N units, linear (the last layer: one unit per class)
//   N:ACT        a dense layer of N units with activation ACT fused in
//   ACT          a standalone activation layer (e.g. after batchnorm)
//   dropout:P    inverted dropout with drop probability P in [0, 1)
//   batchnorm    batch normalization (batchnorm:M sets the running-statistics momentum, default 0.1)
// ACT is relu, leaky_relu (leaky_relu:ALPHA, default 0.01), sigmoid, tanh, gelu, swish (silu), linear.

public enum LayerSpec: Equatable, Sendable {
    case dense(units: Int, activation: Activation)
    case activation(Activation)
    case dropout(rate: Float)
    case batchNorm(momentum: Float)

    public var token: String {
        switch self {
        case .dense(let n, let a): return a == .linear ? "\(n)" : "\(n):\(a.token)"
        case .activation(let a): return a.token
        case .dropout(let p): return "dropout:\(p)"
        case .batchNorm(let m): return m == 0.1 ? "batchnorm" : "batchnorm:\(m)"
        }
    }
}

public struct ArchitectureError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }
}

public enum Architecture {
    /// What a token may be, for error messages and help.
    public static let accepted =
        "N, N:ACT, ACT, dropout:P, batchnorm[:MOMENTUM], where ACT is one of "
        + Activation.names.joined(separator: ", ")

    /// Parses an architecture string; the last layer must be dense with `classes` units.
    public static func parse(_ text: String, classes: Int) throws(ArchitectureError) -> [LayerSpec] {
        let tokens = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingSpaces() }
        var specs: [LayerSpec] = []
        for (i, token) in tokens.enumerated() {
            guard let spec = parseToken(token) else {
                let shown = token.isEmpty ? "an empty token" : "'\(token)'"
                throw ArchitectureError(message: "bad layer \(shown) at position \(i + 1) of the architecture; accepted: \(accepted)")
            }
            specs.append(spec)
        }
        guard case .dense(let units, _)? = specs.last, units == classes else {
            throw ArchitectureError(message: "the architecture must end with a dense layer of \(classes) units, one per class (e.g. '...,\(classes)'), got '\(tokens.last ?? "")'")
        }
        return specs
    }

    /// The architecture for `--hidden 128,64`: dense hidden layers with `activation`, then the classes.
    public static func fromHidden(_ hidden: [Int], classes: Int, activation: Activation = .relu) -> [LayerSpec] {
        hidden.map { .dense(units: $0, activation: activation) } + [.dense(units: classes, activation: .linear)]
    }

    public static func string(_ specs: [LayerSpec]) -> String { specs.map(\.token).joined(separator: ",") }

    static func parseToken(_ token: String) -> LayerSpec? {
        let parts = token.lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard let head = parts.first, !head.isEmpty else { return nil }
        if let units = Int(head) {
            guard units > 0, units <= 1 << 20 else { return nil }
            if parts.count == 1 { return .dense(units: units, activation: .linear) }
            guard parts.count <= 3,
                  let act = Activation(name: parts[1], argument: parts.count == 3 ? parts[2] : nil) else { return nil }
            return .dense(units: units, activation: act)
        }
        switch head {
        case "dropout":
            guard parts.count == 2, let p = Float(parts[1]), p >= 0, p < 1 else { return nil }
            return .dropout(rate: p)
        case "batchnorm", "bn", "batch_norm":
            if parts.count == 1 { return .batchNorm(momentum: 0.1) }
            guard parts.count == 2, let m = Float(parts[1]), m >= 0, m <= 1 else { return nil }
            return .batchNorm(momentum: m)
        default:
            guard parts.count <= 2, let act = Activation(name: head, argument: parts.count == 2 ? parts[1] : nil) else { return nil }
            return .activation(act)
        }
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
