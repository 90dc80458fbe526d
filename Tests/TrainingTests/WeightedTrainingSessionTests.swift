import Formats
// Weighted training through the Training library: class weights and row weights in the
// configuration and the checkpoint, a weighted run stopped mid-epoch and resumed ending with the
// bits and the epoch losses of an uninterrupted one, the classification metrics in the epoch figures,
// a monitor on one of them, and the errors of settings that do not fit the data.
import Foundation
import Model
import Training
import XCTest

final class WeightedTrainingSessionTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("weighted-session-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        BLAS.setThreads(1)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// `count` rows of 6 features in `classes` classes (about one in five of class 1 with two
    /// classes), a class being a noisy function of the features; `weighted` gives each row a weight
    /// in [0, 3) with some exactly 0.
    static func table(_ count: Int, seed: UInt64, classes: Int = 2, weighted: Bool = true) -> Dataset {
        var rng = RandomGenerator(seed: seed)
        var x = [Float]()
        var labels = [Int32]()
        var weights = [Float]()
        for _ in 0..<count {
            let row = (0..<6).map { _ in rng.normal() }
            x += row
            let score = row[0] + 0.5 * row[1] + 0.7 * rng.normal()
            labels.append(classes == 2 ? (score > 0.9 ? 1 : 0) : Int32(min(classes - 1, max(0, Int((score + 1.5) * Float(classes) / 3)))))
            weights.append(rng.uniform() < 0.15 ? 0 : 3 * rng.uniform())
        }
        return Dataset(count: count, features: 6, storage: .floats(x), targets: .classes(labels), weights: weighted ? weights : nil)
    }

    func configuration() -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.network = .hidden([16], .relu)
        c.optimizer = .adam
        c.lr = 0.01
        c.batchSize = 16
        c.epochs = 3
        c.seed = 5
        c.classWeight = .balanced
        c.weightColumn = "w"
        c.metrics = MetricSelection(metrics: [.auc, .logLoss])
        return c
    }

    let data = TrainingData(train: table(100, seed: 1), test: table(40, seed: 2), task: .classification)

    func bits(_ s: TrainingSession) -> [UInt32] {
        var out = s.network.store.tensors.flatMap { t in (0..<t.count).map { t.value[$0].bitPattern } }
        for (_, buffer) in s.optimizer.state { out += (0..<buffer.count).map { buffer.data[$0].bitPattern } }
        return out
    }

    final class StopAfter: SessionObserver {
        let steps: Int
        var seen = 0
        init(_ steps: Int) { self.steps = steps }
        func stepFinished(_ session: TrainingSession, epoch: Int, done: Int, total: Int, elapsed: Double) { seen += 1 }
        var reached: Bool { seen >= steps }
    }

    func testAWeightedRunStoppedMidEpochResumesBitForBit() throws {
        let config = configuration()
        let whole = try TrainingSession(config: config, data: data)
        XCTAssertEqual(whole.trainer.classWeights?.count, 2)
        guard case .finished = try whole.run() else { return XCTFail("the run did not finish") }

        // Stopped after step 9: the second epoch's third step of its seven.
        let path = dir.appendingPathComponent("weighted.ckpt").path
        let first = try TrainingSession(config: config, data: data)
        let stop = StopAfter(9)
        first.observers = [stop]
        first.shouldStop = { stop.reached }
        guard case .interrupted = try first.run() else { return XCTFail("the run was not stopped") }
        XCTAssertGreaterThan(first.trainer.weightSum, 0)
        try Checkpoint.save(first, to: path)

        let file = try Checkpoint.read(path)
        XCTAssertEqual(file.metadataValue(for: "weight_sum"), "\(first.trainer.weightSum)")
        XCTAssertEqual(file.metadataValue(for: "class_weights"), first.trainer.classWeights!.map { "\($0)" }.joined(separator: ","))
        let stored = try Checkpoint.configuration(file, path: path)
        XCTAssertEqual(stored, config, "the checkpoint keeps the weights and metrics in the configuration")
        let resumed = try Checkpoint.resume(from: file, path: path, configuration: stored, data: data)
        guard case .finished = try resumed.run() else { return XCTFail("the resumed run did not finish") }
        XCTAssertTrue(bits(resumed) == bits(whole), "the resumed run ends with the uninterrupted run's tensors")
        // The interrupted epoch's loss is the weighted mean over all of its steps, as uninterrupted.
        XCTAssertEqual(resumed.history.map(\.loss), whole.history.map(\.loss))
        // (The history before the stop comes back from the checkpoint's JSON, in float precision.)
        XCTAssertEqual(
            resumed.history.map { $0.test?.value(of: .auc).map(Float.init) }, whole.history.map { $0.test?.value(of: .auc).map(Float.init) }
        )
    }

    func testTheEpochLossIsTheWeightedMeanOfTheSteps() throws {
        var config = configuration()
        config.epochs = 1
        config.batchSize = 100  // one step: the epoch's loss is that step's weighted loss
        let s = try TrainingSession(config: config, data: data)
        _ = try s.run()
        let w = try XCTUnwrap(s.trainer.classWeights)
        let train = data.train
        let expected = ClassWeights.exampleWeights(labels: train.labels, classWeights: w, sampleWeights: train.weights)
        XCTAssertEqual(s.trainer.weightSum, expected.reduce(0.0) { $0 + Double($1) }, accuracy: 1e-9)
        // Balanced: each class present carries n/k of the count-weight.
        let counts = train.classCounts
        XCTAssertEqual(Double(w[0]) * Double(counts[0]), Double(w[1]) * Double(counts[1]), accuracy: 1e-3)
    }

    func testTheFiguresAreWeightedByTheRowsWeights() throws {
        // A weighted test set's accuracy is the weighted share of rows right, and its loss the weighted mean.
        var config = configuration()
        config.epochs = 1
        config.metrics = MetricSelection(all: true)
        let s = try TrainingSession(config: config, data: data)
        _ = try s.run()
        let test = try XCTUnwrap(s.history.last?.test)
        let outputs = ModelOutputs.collect(s.network, on: data.test!, batchSize: 1000)
        let report = EvaluationReport.classification(outputs, labels: data.test!.labels, weights: data.test!.weights)
        let c = try XCTUnwrap(report.classification)
        XCTAssertEqual(test.accuracy, Float(c.accuracy))
        XCTAssertEqual(test.loss, report.loss)
        var right = 0.0
        var total = 0.0
        for (i, y) in data.test!.labels.enumerated() {
            let w = Double(data.test!.weights![i])
            total += w
            if c.predictions[i] == Int(y) { right += w }
        }
        XCTAssertEqual(c.accuracy, right / total, accuracy: 1e-12)
        let unweighted = EvaluationReport.classification(outputs, labels: data.test!.labels)
        XCTAssertNotEqual(unweighted.classification!.accuracy, c.accuracy)
        // `all` with two classes: every metric but top_k_accuracy, in the vocabulary's order.
        XCTAssertEqual(test.figures.map(\.metric), ClassificationMetric.allCases.filter { $0 != .topKAccuracy })
        XCTAssertEqual(test.value(of: .auc), c.value(.auc))
    }

    func testAMonitorWatchesAClassificationMetric() throws {
        var config = configuration()
        config.metrics = MetricSelection()
        config.validationSplit = 0.3
        config.epochs = 6
        config.earlyStopping = .init(metric: .valClassification(.logLoss), patience: 1)
        let s = try TrainingSession(config: config, data: data)
        _ = try s.run()
        let values = s.history.compactMap { $0.validation?.value(of: .logLoss) }
        XCTAssertEqual(values.count, s.history.count, "the watched metric is in every epoch's figures")
        // Minimized: the best epoch has the lowest log-loss.
        if s.best != nil { XCTAssertEqual(values.min(), values[s.bestEpoch - 1]) }
        XCTAssertFalse(MetricMonitor.Metric.valClassification(.logLoss).higherIsBetter)
        XCTAssertTrue(MetricMonitor.Metric(rawValue: "val_auc")!.higherIsBetter)
        XCTAssertEqual(MetricMonitor.Metric(rawValue: "val_pr_auc"), .valClassification(.prAUC))
        XCTAssertNil(MetricMonitor.Metric(rawValue: "val_nonsense"))
    }

    func testSettingsThatDoNotFitTheDataAreNamed() throws {
        func error(_ config: TrainingConfiguration, _ data: TrainingData) -> String? {
            do {
                _ = try TrainingSession(config: config, data: data)
                return nil
            } catch { return error.description }
        }
        var c = configuration()
        c.classWeight = .given([.init(label: "2", weight: 3)])
        XCTAssertEqual(error(c, data), "class_weight names class '2', which the target does not have (its classes: 0, 1)")
        var named = data
        named.classNames = ["no", "yes"]
        c.classWeight = .given([.init(label: "yes", weight: 3)])
        XCTAssertNil(error(c, named))
        c.classWeight = .given([.init(label: "yes", weight: 0), .init(label: "no", weight: 0)])
        XCTAssertEqual(error(c, named), "class_weight gives every class of the training set weight 0; nothing would be learnt")
        c = configuration()
        c.metrics = MetricSelection(metrics: [.topKAccuracy])
        XCTAssertEqual(error(c, data), "metrics top_k_accuracy is a figure of more than two classes; this is a classification of 2 classes")
        c.metrics = MetricSelection()
        c.validationSplit = 0.2
        c.earlyStopping = .init(metric: .valClassification(.prAUC), patience: 2)
        let three = TrainingData(train: Self.table(60, seed: 3, classes: 3), task: .classification)
        XCTAssertEqual(error(c, three), "monitor val_pr_auc is a figure of two classes; this is a classification of 3 classes")
        let regression = TrainingData(
            train: Dataset(count: 4, features: 1, storage: .floats([1, 2, 3, 4]), targets: .values([1, 2, 3, 4], width: 1)),
            task: .regression)
        c = configuration()
        XCTAssertEqual(
            error(c, regression),
            "class_weight weighs the classes of a classification; a regression or a multi-label target has none (a weight column weighs rows of any)"
        )
        c.classWeight = nil
        XCTAssertEqual(error(c, regression), "metrics auc is a figure of any classification; this is a regression")
        c.metrics = MetricSelection()
        c.validationSplit = 0.5
        c.earlyStopping = .init(metric: .valClassification(.auc), patience: 2)
        XCTAssertEqual(error(c, regression), "monitor val_auc watches a classification; a regression has val_loss and val_r2")
    }

    func testTheConfigurationKeepsWeightsAndMetricsInJSON() throws {
        var c = configuration()
        c.classWeight = .given([.init(label: ">50K", weight: 3), .init(label: "<=50K", weight: 0.5)])
        c.metrics = MetricSelection(all: true, metrics: [.f1])
        let text = c.json.serialized()
        XCTAssertTrue(text.contains("\"weight_column\":\"w\",\"class_weight\":{\">50K\":3,\"<=50K\":0.5},\"metrics\":\"all,f1\""), text)
        let back = try TrainingConfiguration(json: try JSONValue.parse(Array(text.utf8))) { TrainingError.data($0) }
        XCTAssertEqual(back, c)
        // Without them nothing is written, so a configuration of an earlier mlp reads the same.
        let plain = TrainingConfiguration().json.serialized()
        XCTAssertFalse(plain.contains("weight") && plain.contains("class_weight"))
        XCTAssertFalse(plain.contains("metrics"))
        for (member, complaint) in [
            ("\"class_weight\":\"heavy\"", "\"class_weight\" is a string, expected \"balanced\" or an object of class weights"),
            ("\"class_weight\":{\"a\":-1}", "\"class_weight\" gives class 'a' a number, expected a number of at least 0, once per class"),
            ("\"metrics\":\"auc,roc\"", "\"metrics\" is a string, expected a list of \(ClassificationMetric.names) or all"),
        ] {
            let broken = plain.dropLast() + "," + member + "}"
            XCTAssertThrowsError(try TrainingConfiguration(json: try JSONValue.parse(Array(broken.utf8))) { TrainingError.data($0) }) { e in
                XCTAssertEqual((e as? TrainingError)?.description, complaint)
            }
        }
    }
}
