// What `mlp evaluate` says about a classifier's calibration: the expected calibration error (ECE,
// 15 equal-width bins of the top class's probability; Calibration.swift), the temperature the model
// stores (mlp calibrate), and --plot-calibration's reliability diagram.
import Formats
import Model
import Training

extension EvaluateCommand {
    /// Before any work: --plot-calibration needs a model whose outputs are probabilities.
    static func checkCalibrationPlot(_ o: Options, _ model: LoadedModel) throws(CLIError) {
        guard o.plotCalibration != nil else { return }
        if model.output.task == .regression {
            throw .usage(
                "--plot-calibration draws how a classifier's confidence matches its accuracy; \(o.model) is a regression",
                command: "evaluate")
        }
        if ModelCalibration.softmax(model) == nil {
            throw .usage(
                "--plot-calibration needs probabilities; \(o.model) was trained with --loss \(model.network.loss.token), whose outputs are not",
                command: "evaluate")
        }
    }

    /// The top class's reliability bins (nil for a model whose outputs are not probabilities: mse).
    static func reliability(_ ev: ClassificationFigures, _ data: Dataset, _ model: LoadedModel) -> Calibration? {
        guard ModelCalibration.softmax(model) != nil else { return nil }
        return Calibration.reliability(
            confidences: ev.confidences.map { min(max(Double($0), 0), 1) },
            correct: zip(ev.predictions, data.labels).map { $0 == Int($1) },
            weights: data.weights.map { $0.map(Double.init) })
    }

    /// The text line: "ece 0.0123 (15 bins) …"; nil when there is no ECE.
    static func calibrationLine(_ c: Calibration?, _ model: LoadedModel) -> String? {
        guard let c else { return nil }
        let ece = fixed(c.expectedCalibrationError, 4)
        let stored =
            model.temperature != 1
            ? "temperature \(model.temperature) applied (mlp calibrate)" : "uncalibrated: mlp calibrate fits a temperature"
        return "ece \(ece)  (expected calibration error, \(Calibration.defaultBins) bins; \(stored))"
    }

    /// The --json members: ece, ece_bins, temperature (null when none is stored).
    static func calibrationJSON(_ c: Calibration?, _ model: LoadedModel) -> [(String, JSONValue)] {
        [
            ("ece", c.map { JSONValue($0.expectedCalibrationError) } ?? .null), ("ece_bins", JSONValue(Calibration.defaultBins)),
            ("temperature", model.temperature != 1 ? JSONValue(model.temperature) : .null),
        ]
    }

    /// --plot-calibration: the reliability diagram, written as every output is (AtomicFile).
    static func writeReliability(_ path: String, _ c: Calibration, model: LoadedModel, modelPath: String, samples: String) throws(CLIError)
    {
        let title = "reliability: \(lastComponent(modelPath)), ECE \(fixed(c.expectedCalibrationError, 4)) on \(samples)"
        let stored = model.temperature != 1 ? "temperature \(model.temperature) applied" : "no temperature stored (mlp calibrate fits one)"
        let subtitle =
            "\(Calibration.defaultBins) equal-width bins of confidence; largest gap (MCE) \(fixed(c.maximumCalibrationError, 4)); \(stored)"
        let svg = ReliabilitySVG.render(c, title: title, subtitle: subtitle)
        do { try AtomicFile.write(Array(svg.utf8), to: path) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(path): \(error)")
        }
        Console.info("reliability diagram written to \(OutputPath.name(path))")
    }
}
