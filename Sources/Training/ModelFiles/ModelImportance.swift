// Permutation importance of a saved model (`mlp importance`): the drop in a metric when one input
// column (a table model's original CSV column: a categorical column's one-hot indicators move
// together) or one pixel (an image model) is shuffled across the rows, R seeded repeats each
// (PermutationImportance.swift has the definition). The model's forward pass, its temperature
// included, scores every shuffled copy.
//
// The shuffled evaluations run on `lanes` lanes of the caller's loops, each lane with its own copy
// of the network (its layers keep their buffers) and its own output buffers, allocated once: no
// shuffle allocates a network or a batch. An INT8 model runs on one lane, the INT8 engine's own
// threads doing its matrix products.
import Model
import Quantized
import Tables

#if canImport(Glibc)
    import Glibc
#endif

public enum ModelImportance {
    /// The score whose drop is measured.
    public enum Metric: String, CaseIterable, Sendable {
        case accuracy
        case logLoss = "log_loss"
        case auc, f1, r2, rmse, mae
        case hammingLoss = "hamming_loss"

        public var higherIsBetter: Bool { ![.logLoss, .rmse, .mae, .hammingLoss].contains(self) }

        /// The default of a task: accuracy (every label right, for a multi-label model), or R².
        public static func standard(for task: Task) -> Metric { task == .regression ? .r2 : .accuracy }

        /// Why the metric does not fit the model, or nil when it does.
        public func unfit(_ model: LoadedModel) -> String? {
            let task = model.output.task
            switch self {
            case .r2, .rmse, .mae:
                return task == .regression ? nil : "\(rawValue) measures a regression"
            case .hammingLoss:
                return task == .multilabel ? nil : "hamming_loss measures a multi-label model"
            case .accuracy:
                return task == .regression ? "accuracy measures a classification (a regression has r2, rmse, mae)" : nil
            case .logLoss, .auc, .f1:
                if task == .regression { return "\(rawValue) measures a classification (a regression has r2, rmse, mae)" }
                if task == .multilabel && self == .auc {
                    return "auc measures a binary or multi-class model (a multi-label model has accuracy, hamming_loss, log_loss, f1)"
                }
                if ModelCalibration.softmax(model) == nil {
                    return
                        "\(rawValue) needs probabilities, and a model trained with loss \(model.network.loss.token) gives none (accuracy does not need them)"
                }
                return nil
            }
        }
    }

    /// What is shuffled together: a table model's columns (in the encoder's order), or an image
    /// model's pixels (row-major).
    public static func groups(_ model: LoadedModel) -> [(name: String, features: [Int])] {
        switch model.input {
        case .table(let encoder, _):
            var out: [(String, [Int])] = []
            var offset = 0
            for c in encoder.columns {
                out.append((c.name, Array(offset..<(offset + c.width))))
                offset += c.width
            }
            return out
        case .pixels(_, let rows, let cols):
            return (0..<(rows * cols)).map { ("pixel (\($0 / cols), \($0 % cols))", [$0]) }
        }
    }

    /// The rows' features as the network's first layer takes them (pixels scaled), row-major.
    public static func features(_ data: Dataset) -> [Float] {
        switch data.storage {
        case .floats(let f): return f
        case .bytes(let b, let scale): return b.map { Float($0) * scale }
        }
    }

    /// The importances of `model`'s groups on `data`. `lanes` share the work out on `loops` (for a
    /// float model; an INT8 one uses one lane).
    public static func compute(
        _ model: LoadedModel, data: Dataset, metric: Metric, repeats: Int, seed: UInt64,
        lanes: Int, loops: Loops, batch: Int
    ) throws(TrainingError) -> PermutationImportance.Result {
        let width = model.network.inputFeatures
        let n = data.count
        let used = model.quantized == nil ? max(1, lanes) : 1
        let scorer = Scorer(model, data: data, metric: metric, lanes: used, batch: batch)
        let groups = self.groups(model).map(\.features)
        let result = PermutationImportance.compute(
            features: features(data), rows: n, width: width, groups: groups, repeats: repeats,
            seed: seed, lanes: used, loops: used > 1 ? loops : Loops(),
            higherIsBetter: metric.higherIsBetter
        ) { lane, x in scorer.score(lane: lane, x) }
        if let failure = scorer.failure { throw failure }
        return result
    }

    /// Scores the rows of a features buffer: per lane a network, an input batch and the outputs.
    final class Scorer {
        let model: LoadedModel, metric: Metric, batch: Int
        let rows: Int, width: Int, outputs: Int
        let labels: [Int32], truth: [Bool], targets: [Float], weights: [Double]?
        let networks: [Network], inputs: [Matrix]
        /// Per lane, the outputs of every row (rows × outputs), in Double.
        let values: [UnsafeMutablePointer<Double>]
        /// An INT8 engine failure (one lane): reported after the run.
        var failure: TrainingError?
        let threshold: Double

        init(_ model: LoadedModel, data: Dataset, metric: Metric, lanes: Int, batch: Int) {
            self.model = model
            self.metric = metric
            self.batch = max(1, min(batch, data.count))
            rows = data.count
            width = model.network.inputFeatures
            outputs = model.network.outputFeatures
            labels = data.labels
            truth = model.output.task == .multilabel ? MultilabelEvaluation.truth(data) : data.labels.map { $0 == 1 }
            if case .values(let v, _) = data.targets { targets = v } else { targets = [] }
            weights = data.weights.map { $0.map(Double.init) }
            threshold = DecisionThreshold.stored(model) ?? DecisionThreshold.standard
            let net = model.network
            // Lane 0 runs the model's own network; the others a copy of it (parameters and state).
            networks = (0..<lanes).map { lane in
                guard lane > 0, let loss = LossKind.make(net.loss.token) else { return net }
                let copy = Network(inputs: net.inputFeatures, specs: net.specs, loss: loss, initializer: .zeros)
                copy.store.values.copy(from: net.store.values)
                copy.store.state.copy(from: net.store.state)
                return copy
            }
            inputs = (0..<lanes).map { _ in Matrix(rows: max(1, min(batch, data.count)), cols: model.network.inputFeatures) }
            values = (0..<lanes).map { _ in
                let p = UnsafeMutablePointer<Double>.allocate(capacity: max(1, data.count * model.network.outputFeatures))
                p.initialize(repeating: 0, count: max(1, data.count * model.network.outputFeatures))
                return p
            }
        }

        deinit { for p in values { p.deallocate() } }

        /// The metric of the model on the rows at `x`, on lane `lane`.
        func score(lane: Int, _ x: UnsafePointer<Float>) -> Double {
            let net = networks[lane]
            let input = inputs[lane]
            var start = 0
            while start < rows {
                let m = min(batch, rows - start)
                input.resize(rows: m)
                input.data.update(from: x + start * width, count: m * width)
                let z: Matrix
                if let q = model.quantized {
                    do { z = try q.forward(floats: input.data, rows: m) } catch {
                        failure = .data(error.message)
                        return .nan
                    }
                } else {
                    z = net.forward(input, training: false)
                }
                let out = model.output.task == .regression ? z : net.probabilities(of: model.tempered(z))
                let v = values[lane] + start * outputs
                for i in 0..<(m * outputs) { v[i] = Double(out.data[i]) }
                start += m
            }
            return measure(UnsafeBufferPointer(start: values[lane], count: rows * outputs))
        }

        /// The metric of the outputs `v` (rows × outputs): probabilities, or standardized values.
        func measure(_ v: UnsafeBufferPointer<Double>) -> Double {
            let w = outputs
            func weight(_ i: Int) -> Double { weights?[i] ?? 1 }
            switch (model.output, metric) {
            case (.table(.values(_, _, let std)), _):
                // In each target's units, the mean over the targets (as evaluate reports them).
                var total = 0.0
                for j in 0..<w {
                    var se = 0.0
                    var ae = 0.0
                    var sum = 0.0
                    var sumSq = 0.0
                    var wsum = 0.0
                    for i in 0..<rows {
                        let t = Double(targets[i * w + j])
                        let d = v[i * w + j] - t
                        let wi = weight(i)
                        se += wi * d * d
                        ae += wi * abs(d)
                        sum += wi * t
                        sumSq += wi * t * t
                        wsum += wi
                    }
                    guard wsum > 0 else { return .nan }
                    let s = Double(std[j])
                    switch metric {
                    case .rmse: total += (se / wsum).squareRoot() * s
                    case .mae: total += ae / wsum * s
                    default:
                        let ssTot = sumSq - sum * sum / wsum
                        total += ssTot <= 1e-12 * max(sumSq, 1) ? (se <= 1e-12 ? 1 : 0) : 1 - se / ssTot
                    }
                }
                return total / Double(w)
            case (.table(.labels), _):
                let p = v.map { min(max($0, 0), 1) }
                guard let m = MultilabelMetrics.compute(probabilities: p, labels: w, truth: truth, weights: weights, threshold: threshold)
                else { return .nan }
                switch metric {
                case .hammingLoss: return m.hammingLoss
                case .f1: return m.microF1
                case .logLoss:
                    var loss = 0.0
                    var wsum = 0.0
                    for i in 0..<rows {
                        for k in 0..<w {
                            let q = min(max(p[i * w + k], 1e-15), 1 - 1e-15)
                            loss -= weight(i) * (truth[i * w + k] ? log(q) : log(1 - q))
                        }
                        wsum += weight(i) * Double(w)
                    }
                    return wsum > 0 ? loss / wsum : .nan
                default: return m.subsetAccuracy
                }
            default:
                switch metric {
                case .accuracy:
                    var right = 0.0
                    var wsum = 0.0
                    for i in 0..<rows {
                        var best = 0
                        for k in 1..<max(w, 1) where v[i * w + k] > v[i * w + best] { best = k }
                        if best == Int(labels[i]) { right += weight(i) }
                        wsum += weight(i)
                    }
                    return wsum > 0 ? right / wsum : .nan
                case .auc where w == 2, .f1 where w == 2:
                    let positive = (0..<rows).map { min(max(v[$0 * 2 + 1], 0), 1) }
                    if metric == .auc { return BinaryMetrics.rocAUC(scores: positive, positives: truth, weights: weights) ?? .nan }
                    return BinaryMetrics.compute(probabilities: positive, positives: truth, weights: weights, threshold: threshold)?.f1
                        ?? .nan
                default:
                    let p = v.map { min(max($0, 0), 1) }
                    guard
                        let m = MulticlassMetrics.compute(
                            probabilities: p, classes: w, labels: labels, weights: weights, rocAUC: metric == .auc)
                    else { return .nan }
                    switch metric {
                    case .auc: return m.macroRocAUC ?? .nan
                    case .f1: return m.macroF1
                    default: return m.logLoss
                    }
                }
            }
        }
    }
}
