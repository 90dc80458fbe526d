// What `mlp evaluate` adds for a classification beyond accuracy, loss and the tables: the figures of
// EvaluationReport under the names of ClassificationMetric (a line of text, or JSON members), the
// decision of a two-class model, the weights, and the gates on the figures (--min-auc, --min-f1,
// --min-balanced-accuracy, --max-log-loss, --min-recall), every one checked and each failure named.
import Formats
import Model
import Training

/// The gates on the classification figures.
struct FigureGates {
    let minAUC: Float?, minF1: Float?, minBalancedAccuracy: Float?, maxLogLoss: Float?
    /// --min-recall LABEL:X, in the order given.
    let minRecall: [(label: String, bound: Float)]

    init(_ a: Arguments) throws(CLIError) {
        minAUC = try a.float(Flags.minAUC)
        minF1 = try a.float(Flags.minF1)
        minBalancedAccuracy = try a.float(Flags.minBalancedAccuracy)
        maxLogLoss = try a.float(Flags.maxLogLoss)
        var recall: [(String, Float)] = []
        for text in a.strings(Flags.minRecall) {
            guard let colon = text.lastIndex(of: ":"), let x = Float(text[text.index(after: colon)...]), x >= 0, x <= 1,
                colon > text.startIndex
            else {
                throw .usage("--min-recall expects LABEL:X with X between 0 and 1 (e.g. '>50K:0.6'), got '\(text)'", command: a.command)
            }
            let label = String(text[..<colon])
            if recall.contains(where: { $0.0 == label }) { throw .usage("--min-recall gives class '\(label)' twice", command: a.command) }
            recall.append((label, x))
        }
        minRecall = recall
    }

    /// The first gate given, by its flag (for "gates a classification" errors).
    var firstGiven: Flag? {
        [
            (minAUC != nil, Flags.minAUC), (minF1 != nil, Flags.minF1), (minBalancedAccuracy != nil, Flags.minBalancedAccuracy),
            (maxLogLoss != nil, Flags.maxLogLoss), (!minRecall.isEmpty, Flags.minRecall),
        ].first { $0.0 }?.1
    }

    /// Every --min-recall label is a class of `model`.
    func check(_ model: LoadedModel, path: String, command: String) throws(CLIError) {
        for (label, _) in minRecall where model.classIndex(of: label) == nil {
            let labels = (0..<model.network.outputFeatures).prefix(20).map { model.output.label($0) }
            throw .usage(
                "--min-recall names class '\(label)', which \(path) does not have (its classes: \(labels.joined(separator: ", "))\(model.network.outputFeatures > 20 ? ", …" : ""))",
                command: command)
        }
    }

    /// One line per gate the figures miss ("auc 0.8123 is below --min-auc 0.85"); empty when all pass.
    func failures(_ c: ClassificationFigures, model: LoadedModel) -> [String] {
        var out: [String] = []
        func below(_ name: String, _ value: Double?, _ bound: Float?, _ flag: Flag, minimum: Bool = true) {
            guard let bound else { return }
            guard let value, value.isFinite else {
                out.append("\(name) is undefined on these rows (\(undefinedReason(name))); --\(flag.name) \(bound) cannot be met")
                return
            }
            if minimum ? value < Double(bound) : value > Double(bound) {
                out.append("\(name) \(fixed(value, 4)) is \(minimum ? "below" : "above") --\(flag.name) \(bound)")
            }
        }
        below("auc", c.value(.auc), minAUC, Flags.minAUC)
        below("f1", c.value(.f1), minF1, Flags.minF1)
        below("balanced_accuracy", c.value(.balancedAccuracy), minBalancedAccuracy, Flags.minBalancedAccuracy)
        below("log_loss", c.value(.logLoss), maxLogLoss, Flags.maxLogLoss, minimum: false)
        for (label, bound) in minRecall {
            guard let k = model.classIndex(of: label) else { continue }
            let s = c.perClass[k]
            if s.support == 0 {
                out.append("recall of class \(label) is undefined: no row of these has it; --min-recall \(label):\(bound) cannot be met")
            } else if s.recall < Double(bound) {
                out.append("recall of class \(label) \(fixed(s.recall, 4)) is below --min-recall \(label):\(bound)")
            }
        }
        return out
    }

    private func undefinedReason(_ name: String) -> String {
        name == "auc" ? "every row with weight is of one class" : "no row has weight"
    }
}

enum EvaluateFigures {
    /// "auc 0.9088  pr_auc 0.7712  …": the figures of the problem, in the vocabulary's order, with
    /// the positive class and threshold of a binary model first.
    static func lines(
        _ c: ClassificationFigures, model: LoadedModel, source: DecisionFlags.Source?, weightColumn: String?,
        totalWeight: Double?
    ) -> [String] {
        var lines: [String] = []
        func shown(_ m: ClassificationMetric) -> String {
            "\(m.rawValue) \(c.value(m).map { fixed($0, 4) } ?? "n/a")"
        }
        if let b = c.binary {
            let from = source == .model ? ", the model's" : source == .flag ? "" : ", the default"
            lines.append(
                "positive class \(model.output.label(b.decision.positiveClass)) (threshold \(shortest(b.decision.threshold))\(from)): "
                    + [ClassificationMetric.precision, .recall, .f1].map(shown).joined(separator: "  "))
            lines.append(
                [ClassificationMetric.auc, .prAUC, .logLoss, .brier, .balancedAccuracy, .f1Weighted].map(shown).joined(separator: "  "))
        } else {
            var parts = [ClassificationMetric.f1, .f1Weighted, .auc, .logLoss, .brier, .balancedAccuracy].map(shown)
            parts[0] += " (macro)"
            if let k = c.topK { parts.append("\(shown(.topKAccuracy)) (k \(k))") }
            lines.append(parts.joined(separator: "  "))
        }
        if let weightColumn, let totalWeight {
            lines.append(
                "every figure is weighted by the column '\(weightColumn)' (total weight \(significant(totalWeight))); the confusion matrix counts rows"
            )
        }
        return lines
    }

    /// The JSON members after the ones evaluate has always printed.
    static func json(_ c: ClassificationFigures, model: LoadedModel, weightColumn: String?, totalWeight: Double?) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = []
        if let weightColumn, let totalWeight {
            members += [("weight_column", JSONValue(weightColumn)), ("total_weight", JSONValue(totalWeight))]
        }
        if let b = c.binary {
            members += [
                ("positive_label", model.output.labelJSON(b.decision.positiveClass)), ("threshold", JSONValue(Float(b.decision.threshold))),
            ]
        }
        for m in ClassificationMetric.allCases where m.applies(classes: c.classes) {
            members.append((m.rawValue, c.value(m).map { JSONValue(Float($0)) } ?? .null))
        }
        if let k = c.topK { members.append(("top_k", JSONValue(k))) }
        return members
    }

    /// Per-class rows weighted: precision, recall, F1 and the support as a weight.
    static func weightedTable(_ c: ClassificationFigures, label: (Int) -> String) -> String {
        var table = TextTable([("class", .right), ("precision", .right), ("recall", .right), ("f1", .right), ("support", .right)])
        for (k, s) in c.perClass.enumerated() {
            table.add([label(k), fixed(s.precision, 4), fixed(s.recall, 4), fixed(s.f1, 4), significant(s.support)])
        }
        table.add(["macro", fixed(c.macroPrecision, 4), fixed(c.macroRecall, 4), fixed(c.macroF1, 4), ""])
        return table.render()
            + "\nmacro: unweighted mean over the \(c.macroClasses) classes that occur in the labels or predictions; support: the classes' weights"
    }

    /// Per-class JSON with weighted supports.
    static func weightedPerClass(_ c: ClassificationFigures, model: LoadedModel) -> (perClass: JSONValue, macro: JSONValue) {
        let rows: [JSONValue] = c.perClass.enumerated().map { k, s in
            .object([
                ("class", model.output.labelJSON(k)), ("precision", JSONValue(Float(s.precision))), ("recall", JSONValue(Float(s.recall))),
                ("f1", JSONValue(Float(s.f1))), ("support", JSONValue(s.support)),
            ])
        }
        let macro: JSONValue = .object([
            ("precision", JSONValue(Float(c.macroPrecision))), ("recall", JSONValue(Float(c.macroRecall))),
            ("f1", JSONValue(Float(c.macroF1))), ("classes", JSONValue(c.macroClasses)),
        ])
        return (.array(rows), macro)
    }

    /// A threshold as typed: 0.5, 0.37 (a flag's value is a float).
    static func shortest(_ x: Double) -> String { JSONValue(Float(x)).serialized() }
}
