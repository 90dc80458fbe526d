// `mlp evaluate` on a multi-label model: a label is on when its probability is at or above the
// threshold (--threshold, else the model's stored one, else 0.5); the subset accuracy (rows with every label right,
// scikit-learn's accuracy_score, which --min-accuracy gates), the Hamming loss (the share of wrong
// labels), precision, recall and F1 per label, micro (over every label's decisions pooled) and
// macro (the mean of the labels' F1), the mean binary cross-entropy, and the ECE over every label's
// probability (MultilabelMetrics.swift has the definitions).
import Formats
import Model
import Training

extension EvaluateCommand {
    static func multilabel(_ model: LoadedModel, _ data: Dataset, options o: Options, path: String) throws(CLIError) -> ExitCode {
        guard case .table(.labels(let columns, _)) = model.output else { preconditionFailure("a multi-label model has label targets") }
        let why = "\(o.model) is a multi-label model"
        if o.minR2 != nil || o.maxRMSE != nil {
            throw .usage(
                "--\(o.minR2 != nil ? "min-r2" : "max-rmse") gates a regression; \(why): use --min-accuracy (every label right)",
                command: "evaluate")
        }
        if o.misclassified != nil { throw .usage("--misclassified lists a classification's mistakes; \(why)", command: "evaluate") }
        if o.plot != nil {
            throw .usage(
                "--plot draws a confusion matrix or a regression; \(why) (--plot-calibration draws its reliability)", command: "evaluate")
        }
        let threshold = try o.decision.labelThreshold(for: model, path: o.model, command: "evaluate")
        let start = now()
        let ev = try library { try model.evaluateMultilabel(data, batchSize: o.batch, threshold: Float(threshold)) }
        let seconds = now() - start
        let p = ev.probabilities.map { min(max(Double($0), 0), 1) }
        let truth = MultilabelEvaluation.truth(data)
        let weights = data.weights.map { $0.map(Double.init) }
        guard
            let m = MultilabelMetrics.compute(probabilities: p, labels: columns.count, truth: truth, weights: weights, threshold: threshold)
        else {
            throw CLIError(.dataError, "\(path): every row has weight 0; there is nothing to evaluate")
        }
        let reliability = Calibration.binary(
            probabilities: p, positives: truth,
            weights: weights.map { ws in ws.flatMap { [Double](repeating: $0, count: columns.count) } })
        if o.json {
            let per: [JSONValue] = zip(columns, m.perLabel).map { c, s in
                .object([
                    ("label", JSONValue(c)), ("precision", JSONValue(Float(s.precision))), ("recall", JSONValue(Float(s.recall))),
                    ("f1", JSONValue(Float(s.f1))), ("support", JSONValue(s.support)),
                ])
            }
            Console.out(
                JSONValue.object(
                    [
                        ("subset_accuracy", JSONValue(Float(m.subsetAccuracy))), ("hamming_loss", JSONValue(Float(m.hammingLoss))),
                        ("loss", JSONValue(ev.loss)), ("samples", JSONValue(ev.samples)), ("seconds", JSONValue(seconds, decimals: 6)),
                        ("threshold", JSONValue(Float(threshold))),
                        (
                            "micro",
                            .object([
                                ("precision", JSONValue(Float(m.microPrecision))), ("recall", JSONValue(Float(m.microRecall))),
                                ("f1", JSONValue(Float(m.microF1))),
                            ])
                        ),
                        ("macro_f1", JSONValue(Float(m.macroF1))), ("per_label", .array(per)),
                    ] + calibrationJSON(reliability, model)
                ).serialized())
        } else {
            Console.out(
                "subset accuracy \(fixed(m.subsetAccuracy, 4))  hamming loss \(fixed(m.hammingLoss, 4))  loss \(fixed(ev.loss, 4))  samples \(ev.samples)  (a label is on at probability ≥ \(Float(threshold)))"
            )
            if let line = calibrationLine(reliability, model) { Console.out(line) }
            Console.out("")
            var table = TextTable([("label", .left), ("precision", .right), ("recall", .right), ("f1", .right), ("support", .right)])
            func count(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? "\(Int(x))" : significant(x) }
            for (c, s) in zip(columns, m.perLabel) {
                table.add([c, fixed(s.precision, 4), fixed(s.recall, 4), fixed(s.f1, 4), count(s.support)])
            }
            table.add([
                "micro avg", fixed(m.microPrecision, 4), fixed(m.microRecall, 4), fixed(m.microF1, 4),
                count(m.perLabel.reduce(0) { $0 + $1.support }),
            ])
            table.add(["macro avg", "", "", fixed(m.macroF1, 4), ""])
            Console.out(table.render())
        }
        if let path = o.plotCalibration, let reliability {
            try writeReliability(
                path, reliability, model: model, modelPath: o.model, samples: "\(ev.samples) rows × \(columns.count) labels")
        }
        if let minAccuracy = o.minAccuracy, m.subsetAccuracy < Double(minAccuracy) {
            Console.flush()
            Console.err("error: subset accuracy \(fixed(m.subsetAccuracy, 4)) is below --min-accuracy \(minAccuracy)")
            return .belowMinimum
        }
        return .ok
    }
}
