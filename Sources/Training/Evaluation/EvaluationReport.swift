// Every figure of a model on labelled data, as one value: what `mlp evaluate` prints, what the
// training logs take their val_ and test_ columns from, what a cross-validation reports per fold.
// Computed from the model's outputs over every row (ModelOutputs) in Double, with the rows' weights
// when the data has them (every figure is then a weighted one, as scikit-learn's sample_weight makes
// it; the confusion matrix alone keeps counting rows).
//
// A classification's prediction: with two classes, the positive class when P(positive) ≥ the
// decision threshold (by default 0.5 and the second class); with more, the most probable class
// (the first of equals). Per class k, with TP_k, support S_k and predicted Q_k as weights:
// precision_k = TP_k/Q_k, recall_k = TP_k/S_k, F1_k = 2TP_k/(S_k + Q_k) (0 where they divide by 0);
// the macro means are over the classes in the labels or the predictions (scikit-learn's
// average="macro"), balanced accuracy the mean recall over the classes in the labels. The other
// figures come from BinaryMetrics (two classes) and MulticlassMetrics (more), which agree with
// scikit-learn to 1e-6.
import Model

public struct EvaluationReport {
    /// How a binary classifier decides: the positive class and the threshold on its probability.
    public struct Decision: Equatable, Sendable {
        public var positiveClass: Int
        public var threshold: Double
        public init(positiveClass: Int = 1, threshold: Double = 0.5) {
            self.positiveClass = positiveClass
            self.threshold = threshold
        }
        public static let standard = Decision()
    }

    public enum Figures {
        case classification(ClassificationFigures)
        case regression(RegressionFigures)
    }

    /// Rows evaluated, and their total weight (nil: the rows are unweighted).
    public let rows: Int
    public let totalWeight: Double?
    /// The model's mean loss (weighted with weights).
    public let loss: Float
    public let figures: Figures

    public var weighted: Bool { totalWeight != nil }
    public var classification: ClassificationFigures? {
        if case .classification(let c) = figures { return c }
        return nil
    }
    public var regression: RegressionFigures? {
        if case .regression(let r) = figures { return r }
        return nil
    }

    /// A classification's report from its probabilities (`outputs`, one row per label).
    public static func classification(
        _ outputs: ModelOutputs, labels: [Int32], weights: [Float]? = nil,
        decision: Decision = .standard, topK: Int? = nil
    ) -> EvaluationReport {
        let figures = ClassificationFigures.compute(
            probabilities: outputs.values, classes: outputs.width, labels: labels,
            weights: weights, decision: decision, topK: topK)
        return EvaluationReport(
            rows: outputs.rows, totalWeight: weights.map { _ in figures.totalWeight }, loss: outputs.loss,
            figures: .classification(figures))
    }

    /// A regression's report from its outputs and the targets, both in the network's standardized
    /// units; `scale` brings each target back to its units (its standard deviation).
    public static func regression(_ outputs: ModelOutputs, targets: [Float], scale: [Float], weights: [Float]? = nil) -> EvaluationReport {
        let figures = RegressionFigures.compute(
            outputs: outputs.values, targets: targets, width: outputs.width, scale: scale, weights: weights)
        return EvaluationReport(
            rows: outputs.rows, totalWeight: weights.map { _ in figures.totalWeight }, loss: outputs.loss,
            figures: .regression(figures))
    }

    /// Every figure by the name `evaluate --json` gives it, in its order (nil: undefined here).
    public var namedFigures: [(name: String, value: Double?)] {
        var out: [(String, Double?)] = [("loss", Double(loss))]
        switch figures {
        case .classification(let c):
            out.append(("accuracy", c.accuracy))
            for m in ClassificationMetric.allCases where m.applies(classes: c.classes) { out.append((m.rawValue, c.value(m))) }
        case .regression(let r):
            out += [("rmse", r.rmse), ("mae", r.mae), ("r2", r.r2)]
        }
        return out
    }
}

/// A classification's figures (EvaluationReport.swift says how each is computed).
public struct ClassificationFigures {
    public struct ClassScores: Equatable, Sendable {
        public let precision: Double, recall: Double, f1: Double
        /// Weight of the rows of this class, and of those predicted as it (counts without weights).
        public let support: Double, predicted: Double
    }

    /// The binary figures and how they were decided.
    public struct Binary {
        public let decision: EvaluationReport.Decision
        public let metrics: BinaryMetrics
    }

    public let classes: Int
    public let totalWeight: Double
    public let accuracy: Double
    /// The predicted class of every row, and the probability it was given.
    public let predictions: [Int]
    public let confidences: [Float]
    /// confusion[true][predicted], in rows (unweighted).
    public let confusion: [[Int]]
    public let perClass: [ClassScores]
    /// Means over the classes in the labels or the predictions.
    public let macroPrecision: Double, macroRecall: Double, macroF1: Double
    public let macroClasses: Int
    public let weightedF1: Double
    public let balancedAccuracy: Double
    public let logLoss: Double
    public let brier: Double
    /// With two classes.
    public let binary: Binary?
    /// With more than two.
    public let multiclass: MulticlassMetrics?

    /// The k of the top-k accuracy when none is asked: 5, or one less than the classes when there
    /// are fewer than six (the figure is 1 when k reaches the classes).
    public static func defaultTopK(classes: Int) -> Int { classes > 5 ? 5 : max(classes - 1, 1) }

    /// A figure by name; nil where it is undefined (an area with one class present) or does not apply.
    public func value(_ m: ClassificationMetric) -> Double? {
        guard m.applies(classes: classes) else { return nil }
        switch m {
        case .auc: return binary.map { $0.metrics.rocAUC } ?? multiclass?.macroRocAUC
        case .prAUC: return binary?.metrics.averagePrecision
        case .f1: return binary?.metrics.f1 ?? macroF1
        case .f1Weighted: return weightedF1
        case .precision: return binary?.metrics.precision
        case .recall: return binary?.metrics.recall
        case .logLoss: return logLoss
        case .brier: return brier
        case .balancedAccuracy: return balancedAccuracy
        case .topKAccuracy: return multiclass?.topKAccuracy
        }
    }

    /// The k of the top-k accuracy (more than two classes).
    public var topK: Int? { multiclass?.k }

    static func compute(
        probabilities: [Float], classes c: Int, labels: [Int32], weights: [Float]?,
        decision: EvaluationReport.Decision, topK: Int?
    ) -> ClassificationFigures {
        let n = labels.count
        precondition(probabilities.count == n * c && c >= 2, "one row of probabilities per label, two classes or more")
        precondition(c != 2 || (0..<2).contains(decision.positiveClass), "the positive class is 0 or 1")
        // Probabilities as the metrics take them: every value in [0, 1] (a sigmoid or softmax in Float
        // may round a hair outside only through NaN, which a finite network does not give).
        let p = probabilities.map { min(max(Double($0), 0), 1) }
        let w = weights.map { $0.map(Double.init) }
        var predictions = [Int](repeating: 0, count: n)
        var confidences = [Float](repeating: 0, count: n)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: c), count: c)
        var tp = [Double](repeating: 0, count: c)
        var support = tp
        var predicted = tp
        var positive = [Double]()
        var isPositive = [Bool]()
        if c == 2 {
            positive.reserveCapacity(n)
            isPositive.reserveCapacity(n)
        }
        probabilities.withUnsafeBufferPointer { pp in
            for i in 0..<n {
                let row = pp.baseAddress! + i * c
                let k: Int
                if c == 2 {
                    let pos = decision.positiveClass
                    k = p[i * c + pos] >= decision.threshold ? pos : 1 - pos
                    positive.append(p[i * c + pos])
                    isPositive.append(Int(labels[i]) == pos)
                } else {
                    k = Network.argmax(row, c)
                }
                predictions[i] = k
                confidences[i] = row[k]
                let y = Int(labels[i])
                confusion[y][k] += 1
                let wi = w?[i] ?? 1
                support[y] += wi
                predicted[k] += wi
                if k == y { tp[y] += wi }
            }
        }
        let total = support.reduce(0, +)
        var perClass = [ClassScores]()
        var precisionSum = 0.0
        var recallSum = 0.0
        var f1Sum = 0.0
        var macroClasses = 0
        var weightedF1 = 0.0
        var recallPresent = 0.0
        var present = 0
        for k in 0..<c {
            let precision = predicted[k] > 0 ? tp[k] / predicted[k] : 0
            let recall = support[k] > 0 ? tp[k] / support[k] : 0
            let f1 = support[k] + predicted[k] > 0 ? 2 * tp[k] / (support[k] + predicted[k]) : 0
            perClass.append(ClassScores(precision: precision, recall: recall, f1: f1, support: support[k], predicted: predicted[k]))
            if support[k] > 0 || predicted[k] > 0 {
                precisionSum += precision
                recallSum += recall
                f1Sum += f1
                macroClasses += 1
            }
            if support[k] > 0 {
                recallPresent += recall
                present += 1
            }
            weightedF1 += support[k] * f1
        }
        var binary: ClassificationFigures.Binary?
        var multiclass: MulticlassMetrics?
        var logLoss = Double.nan
        var brier = Double.nan
        if c == 2 {
            if let m = BinaryMetrics.compute(probabilities: positive, positives: isPositive, weights: w, threshold: decision.threshold) {
                binary = Binary(decision: decision, metrics: m)
                logLoss = m.logLoss
                brier = m.brierScore
            }
        } else if let m = MulticlassMetrics.compute(
            probabilities: p, classes: c, labels: labels, weights: w,
            k: min(topK ?? defaultTopK(classes: c), c))
        {
            multiclass = m
            logLoss = m.logLoss
            brier = m.brierScore
        }
        let classes = Double(max(macroClasses, 1))
        return ClassificationFigures(
            classes: c, totalWeight: total, accuracy: total > 0 ? tp.reduce(0, +) / total : 0,
            predictions: predictions, confidences: confidences, confusion: confusion, perClass: perClass,
            macroPrecision: precisionSum / classes, macroRecall: recallSum / classes, macroF1: f1Sum / classes,
            macroClasses: macroClasses, weightedF1: total > 0 ? weightedF1 / total : 0,
            balancedAccuracy: present > 0 ? recallPresent / Double(present) : 0,
            logLoss: logLoss, brier: brier, binary: binary, multiclass: multiclass)
    }

    /// Up to `count` wrong predictions, by descending probability of the predicted class (ties:
    /// lower index first). `labels` are the true classes.
    public func mostConfidentMistakes(labels: [Int32], count: Int) -> [Misclassification] {
        var wrong: [Misclassification] = []
        for i in 0..<min(predictions.count, labels.count) where predictions[i] != Int(labels[i]) {
            wrong.append(Misclassification(index: i, trueClass: Int(labels[i]), predicted: predictions[i], probability: confidences[i]))
        }
        wrong.sort { $0.probability != $1.probability ? $0.probability > $1.probability : $0.index < $1.index }
        return Array(wrong.prefix(max(count, 0)))
    }
}

/// A regression's figures in the targets' units: per target, and their unweighted means (as
/// scikit-learn averages several outputs).
public struct RegressionFigures {
    public let totalWeight: Double
    public let rmse: Double, mae: Double, r2: Double
    public let perTarget: [(rmse: Double, mae: Double, r2: Double)]
    /// The network's outputs, row-major, in its standardized units.
    public let predictions: [Float]

    static func compute(outputs: [Float], targets: [Float], width: Int, scale: [Float], weights: [Float]?) -> RegressionFigures {
        let m = RegressionMetrics.compute(
            predictions: outputs.map(Double.init), truth: targets.map(Double.init), width: width,
            weights: weights.map { $0.map(Double.init) })
        let per = (0..<width).map { j -> (rmse: Double, mae: Double, r2: Double) in
            guard let t = m?.targets[j] else { return (.nan, .nan, .nan) }
            let s = Double(j < scale.count ? scale[j] : 1)
            return (t.meanSquaredError.squareRoot() * s, t.meanAbsoluteError * s, t.r2)
        }
        let k = Double(max(width, 1))
        return RegressionFigures(
            totalWeight: m?.totalWeight ?? 0, rmse: per.reduce(0) { $0 + $1.rmse } / k,
            mae: per.reduce(0) { $0 + $1.mae } / k, r2: per.reduce(0) { $0 + $1.r2 } / k,
            perTarget: per, predictions: outputs)
    }
}
