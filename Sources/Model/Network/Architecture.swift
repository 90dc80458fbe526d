// The architecture string: comma-separated layer tokens, e.g. "512:relu,dropout:0.2,256:relu,batchnorm,10".
//
//   N            a dense layer of N units, linear (the last layer: one unit per class or target)
//   N:ACT        a dense layer of N units with activation ACT fused in
//   ACT          a standalone activation layer (e.g. after batchnorm)
//   dropout:P    inverted dropout with drop probability P in [0, 1)
//   batchnorm    batch normalization (batchnorm:M sets the running-statistics momentum, default 0.1)
// ACT is relu, leaky_relu (leaky_relu:ALPHA, default 0.01), sigmoid, tanh, gelu, swish (silu), linear.
// Each token is read by the first layer kind in LayerSpec.kinds that accepts it.

public struct ArchitectureError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }
}

public enum Architecture {
    /// What a token may be, for error messages and help.
    public static let accepted =
        LayerSpec.kinds.flatMap { $0.syntax }.joined(separator: ", ")
        + ", where ACT is one of " + Activation.names.joined(separator: ", ")

    /// Parses an architecture string into its layers (any output width).
    public static func parse(_ text: String) throws(ArchitectureError) -> [LayerSpec] {
        let tokens = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
        var specs: [LayerSpec] = []
        for (i, token) in tokens.enumerated() {
            guard let spec = LayerSpec.parse(token) else {
                let shown = token.isEmpty ? "an empty token" : "'\(token)'"
                throw ArchitectureError(message: "bad layer \(shown) at position \(i + 1) of the architecture; accepted: \(accepted)")
            }
            specs.append(spec)
        }
        return specs
    }

    /// Parses an architecture string whose last layer must be dense with `classes` units (one per
    /// target for a regression).
    public static func parse(_ text: String, classes: Int, regression: Bool = false) throws(ArchitectureError) -> [LayerSpec] {
        let specs = try parse(text)
        try checkOutput(specs, outputs: classes, regression: regression)
        return specs
    }

    /// The last layer must set the output width to `outputs`: one unit per class, or for a
    /// regression one per target.
    public static func checkOutput(_ specs: [LayerSpec], outputs: Int, regression: Bool = false) throws(ArchitectureError) {
        guard let last = specs.last, last.kind.units == outputs else {
            let units = outputs == 1 ? "1 unit" : "\(outputs) units"
            let per = regression ? "one per regression target" : "one per class"
            throw ArchitectureError(
                message:
                    "the architecture must end with a dense layer of \(units), \(per) (e.g. '...,\(outputs)'), got '\(specs.last?.token ?? "")'"
            )
        }
    }

    /// The architecture for `--hidden 128,64`: dense hidden layers with `activation`, then the outputs.
    public static func fromHidden(_ hidden: [Int], classes: Int, activation: Activation = .relu) -> [LayerSpec] {
        hidden.map { .dense(units: $0, activation: activation) } + [.dense(units: classes, activation: .linear)]
    }

    public static func string(_ specs: [LayerSpec]) -> String { specs.map(\.token).joined(separator: ",") }

    /// Each layer's tensors and its input width, for an input of `inputs` features, without
    /// allocating anything (model files are checked against this before a network is built).
    public static func declarations(inputs: Int, specs: [LayerSpec]) -> [(inputs: Int, tensors: [TensorDeclaration])] {
        var width = inputs
        return specs.map { spec in
            defer { width = spec.kind.outputWidth(inputs: width) }
            return (width, spec.kind.tensors(inputs: width))
        }
    }

    /// Bytes to train `specs` on `inputs` features: parameters, gradients and `optimizerSlots`
    /// optimizer states, saved state, and what the layers keep per example for a batch of `rows`
    /// (plus the input batch). nil on overflow.
    public static func trainingBytes(inputs: Int, specs: [LayerSpec], rows: Int, optimizerSlots: Int) -> Int? {
        var params = 0
        var state = 0
        var perExample = inputs
        var width = inputs
        for spec in specs {
            for t in spec.kind.tensors(inputs: width) {
                guard let n = t.count else { return nil }
                let (s, o) = (t.isParameter ? params : state).addingReportingOverflow(n)
                if o { return nil }
                if t.isParameter { params = s } else { state = s }
            }
            let (p, o) = perExample.addingReportingOverflow(spec.kind.floatsPerExample(inputs: width))
            if o { return nil }
            perExample = p
            width = spec.kind.outputWidth(inputs: width)
        }
        var total = 0
        for (n, o) in [
            params.multipliedReportingOverflow(by: 2 + optimizerSlots), (state, false),
            perExample.multipliedReportingOverflow(by: rows),
        ] {
            if o { return nil }
            let (t, o2) = total.addingReportingOverflow(n)
            if o2 { return nil }
            total = t
        }
        let (bytes, o) = total.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
        return o ? nil : bytes
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
