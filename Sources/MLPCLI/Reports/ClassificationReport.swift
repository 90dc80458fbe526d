// The text tables `mlp evaluate` prints after the accuracy line: confusion matrix, per-class
// precision/recall/F1 with macro averages, and the most confident mistakes.
import Formats
import Model
import Training

enum ClassificationReport {
    /// `label` names class k (its index for IDX models, its label for table models).
    static func confusionTable(_ confusion: [[Int]], label: (Int) -> String = { "\($0)" }) -> String {
        var table = TextTable([("true\\pred", .right)] + confusion.indices.map { (label($0), .right) })
        for (t, row) in confusion.enumerated() { table.add([label(t)] + row.map { "\($0)" }) }
        return "confusion matrix (rows: true class, columns: predicted class)\n" + table.render()
    }

    static func metricsTable(
        _ metrics: [ClassMetrics], macro: (precision: Double, recall: Double, f1: Double, classes: Int),
        label: (Int) -> String = { "\($0)" }
    ) -> String {
        var table = TextTable([("class", .right), ("precision", .right), ("recall", .right), ("f1", .right), ("support", .right)])
        for m in metrics {
            table.add([label(m.classIndex), fixed(m.precision, 4), fixed(m.recall, 4), fixed(m.f1, 4), "\(m.support)"])
        }
        table.add(["macro", fixed(macro.precision, 4), fixed(macro.recall, 4), fixed(macro.f1, 4), ""])
        return table.render() + "\nmacro: unweighted mean over the \(macro.classes) classes that occur in the labels or predictions"
    }

    /// `ids`: an ID column's name and each example's ID, shown first (evaluate --id-column).
    static func mistakesTable(
        _ wrong: [Misclassification], requested: Int, label: (Int) -> String = { "\($0)" },
        items: String = "images", ids: (column: String, id: (Int) -> String)? = nil
    ) -> String {
        guard !wrong.isEmpty else { return "no misclassified \(items)" }
        var table = TextTable(
            (ids.map { [($0.column, .left)] } ?? []) + [
                ("index", .right), ("true", .right), ("predicted", .right), ("probability", .right),
            ])
        for w in wrong {
            table.add(
                (ids.map { [$0.id(w.index)] } ?? []) + ["\(w.index)", label(w.trueClass), label(w.predicted), fixed(w.probability, 4)])
        }
        let head =
            wrong.count < requested
            ? "all \(wrong.count) misclassified \(items), most confident first"
            : "the \(wrong.count) most confident mistakes"
        return head + "\n" + table.render()
    }
}
