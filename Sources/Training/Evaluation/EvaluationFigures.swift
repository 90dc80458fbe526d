// Every figure `mlp evaluate` reports about a model on labelled data, by name, in one list: what
// cross-validation reports per fold and averages, and what a search may take as its objective.
// Classification: accuracy, loss, and the macro precision, recall and F1; regression: RMSE, MAE
// (in the targets' units, the mean over several targets), R² and the loss. A new metric added here
// reaches every report built on the list.
import Model
import Tables

public struct EvaluationFigures: Equatable {
    /// The figures in report order, by name ("accuracy", "loss", "macro_f1", "rmse", "r2", …).
    public var values: [(name: String, value: Double)]

    public static func == (a: EvaluationFigures, b: EvaluationFigures) -> Bool {
        a.values.count == b.values.count
            && zip(a.values, b.values).allSatisfy { $0.name == $1.name && $0.value.bitPattern == $1.value.bitPattern }
    }

    public init(_ values: [(name: String, value: Double)]) { self.values = values }

    public subscript(name: String) -> Double? { values.first { $0.name == name }?.value }

    /// Whether a larger value of the figure `name` is better (accuracy, F1, R², AUC), or a smaller
    /// one (a loss, an error, a score of miscalibration).
    public static func higherIsBetter(_ name: String) -> Bool {
        let n = name.hasPrefix("val_") ? String(name.dropFirst(4)) : name
        return
            !(n.hasSuffix("loss") || n.hasSuffix("rmse") || n.hasSuffix("mae") || n.hasSuffix("error")
            || n.hasSuffix("brier") || n.hasSuffix("ece") || n.hasSuffix("hamming"))
    }

    /// The figures of `network` on `data` for a `task`; regression errors in the units `targetScale`
    /// gives (each target's standard deviation).
    public static func compute(_ network: Network, on data: Dataset, task: Task, targetScale: [Float], batchSize: Int = 1000)
        -> EvaluationFigures
    {
        if task == .regression {
            let ev = RegressionEvaluation.run(network, on: data, batchSize: batchSize)
            let m = SessionMetrics.regression(ev, scale: targetScale)
            return EvaluationFigures([("rmse", m.rmse), ("mae", m.mae), ("r2", m.r2), ("loss", Double(ev.loss))])
        }
        let ev = Evaluation.run(network, on: data, batchSize: batchSize)
        let macro = ClassMetrics.macroAverage(ClassMetrics.from(confusion: ev.confusion))
        return EvaluationFigures([
            ("accuracy", Double(ev.accuracy)), ("loss", Double(ev.loss)),
            ("macro_precision", macro.precision), ("macro_recall", macro.recall), ("macro_f1", macro.f1),
        ])
    }
}
