// The entry point: dispatch to a command, turn every error into one line and an exit code.
import Collective
import Formats
import Training

public enum CLI {
    public static let version = "0.2.0"

    /// `mlp --help`: the usage of every command, what each does, and the exit codes.
    static var overview: String {
        var lines = ["mlp \(version): train multi-layer perceptrons on the CPU (OpenBLAS), from the command line.", "", "usage:"]
        lines += commands.map { "  " + $0.usage }
        lines += ["  mlp --help | mlp --version | mlp <command> --help", "", "commands:"]
        let width = (commands.map(\.name.count).max() ?? 0) + 4
        for c in commands { lines.append("  " + c.name + String(repeating: " ", count: width - c.name.count) + c.brief) }
        lines += ["", "exit codes:"]
        for e in ExitCode.allCases {
            lines.append("  \(e.rawValue)" + String(repeating: " ", count: 5 - "\(e.rawValue)".count) + e.meaning)
        }
        return lines.joined(separator: "\n")
    }

    struct Command {
        let name: String
        let usage: String
        let flags: [Flag]
        let summary: String
        /// A line for `mlp --help`'s list of commands.
        let brief: String
        let run: (Arguments, Double, [TrainingStepHook]) throws(CLIError) -> ExitCode
        /// The flag a bare argument stands for ("model" for `mlp summary FILE`).
        var positional: String? = nil
        /// Example command lines, for --help and the manual page.
        var examples: [Example] = []
        /// Another command's flag given here → the flags of this command it stands for (given its
        /// value), for the unknown flag's "did you mean".
        var insteadOf: [String: (String?) -> [String]] = [:]
    }

    /// A path that names a CSV file by its extension.
    static func looksLikeCSV(_ path: String?) -> Bool {
        guard let p = path?.lowercased() else { return false }
        return [".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt"].contains { p.hasSuffix($0) }
    }

    static let commands: [Command] = [
        Command(
            name: "train", usage: TrainCommand.usage, flags: TrainCommand.flags,
            summary: "Train a network on IDX images or a CSV table and save it.",
            brief: "train a network on IDX images (MNIST) or a CSV table and save it as safetensors",
            run: { a, t, hooks throws(CLIError) in try TrainCommand.run(a, startTime: t, hooks: hooks) },
            examples: Examples.train, insteadOf: ["input": { _ in ["data"] }, "images": { _ in ["train-images"] }]),
        Command(
            name: "evaluate", usage: EvaluateCommand.usage, flags: EvaluateCommand.flags,
            summary:
                "How a saved model does on labelled data: accuracy, loss, ROC and PR AUC, F1, log-loss and the other figures of scikit-learn's metrics, or RMSE, MAE and R²; gates on them for CI.",
            brief: "accuracy, AUC, F1, … (or RMSE and R²) of a saved model on labelled data; --min-accuracy, --min-auc, … gate CI",
            run: { a, _, _ throws(CLIError) in try EvaluateCommand.run(a) },
            examples: Examples.evaluate,
            insteadOf: [
                "input": { _ in ["data"] }, "test-data": { _ in ["data"] }, "images": { _ in ["test-images"] },
                "labels": { _ in ["test-labels"] },
            ]),
        Command(
            name: "predict", usage: PredictCommand.usage, flags: PredictCommand.flags,
            summary: "The prediction for each image or CSV row (CSV, or JSON lines), as the rows arrive.",
            brief: "class and probability for each image (IDX, PGM, PNG) or CSV row; values for a regression",
            run: { a, _, _ throws(CLIError) in try PredictCommand.run(a) },
            examples: Examples.predict,
            // predict's input is unlabelled: rows (--input) or images (--images), never a
            // directory of IDX files as train's and evaluate's --data may be.
            insteadOf: [
                "data": { v in looksLikeCSV(v) ? ["input"] : ["input", "images"] }, "test-data": { _ in ["input"] },
                "test-images": { _ in ["images"] },
            ]),
        Command(
            name: "cv", usage: CVCommand.usage, flags: CVCommand.flags,
            summary:
                "K-fold cross-validation of one training configuration: every figure evaluate reports, per fold and as mean ± standard deviation; folds run side by side on the cores and across mpirun's ranks; --min-accuracy and the other gates apply to the means.",
            brief: "k-fold cross-validation: per-fold figures and mean ± std, gates on the means",
            run: { a, _, _ throws(CLIError) in try CVCommand.run(a) }, examples: Examples.cv),
        Command(
            name: "search", usage: SearchCommand.usage, flags: SearchCommand.flags,
            summary:
                "Hyperparameter search: random or grid over ranges and choices of the training flags, with asynchronous successive halving (promoted trials continue from their checkpoints); trials run side by side and across mpirun's ranks; a leaderboard rewritten as results arrive; the best configuration, its model and plots at the end. Run again to continue.",
            brief: "hyperparameter search with successive halving; leaderboard, best config and model, resumable",
            run: { a, _, _ throws(CLIError) in try SearchCommand.run(a) }, examples: Examples.search),
        Command(
            name: "summary", usage: SummaryCommand.usage, flags: SummaryCommand.flags,
            summary:
                "The layers of a saved model or checkpoint: output shapes, parameter counts, activations, totals (for a checkpoint also where the run stands and its configuration).",
            brief: "the layers of a saved model or checkpoint, with output shapes and parameter counts",
            run: { a, _, _ throws(CLIError) in try SummaryCommand.run(a) }, positional: "model"),
        Command(
            name: "config", usage: ConfigCommand.usage, flags: ConfigCommand.flags,
            summary:
                "The training configuration of a model or checkpoint as a JSON file for --config: 'mlp train --config FILE --data …' trains it again.",
            brief: "a model's or checkpoint's training configuration, as a file for --config",
            run: { a, _, _ throws(CLIError) in try ConfigCommand.run(a) }, positional: "model",
            examples: Examples.config),
        Command(
            name: "inspect", usage: InspectCommand.usage, flags: InspectCommand.flags,
            summary: "Weight and bias statistics and histograms per layer; with data, dead and saturated units.",
            brief: "weight statistics and histograms; dead ReLU and saturated units on data",
            run: { a, _, _ throws(CLIError) in try InspectCommand.run(a) }, positional: "model"),
        Command(
            name: "augment", usage: AugmentCommand.usage, flags: AugmentCommand.flags,
            summary: "What an --augment spec does: a PNG grid of images, each beside distorted copies drawn as training draws them.",
            brief: "preview --augment: a PNG grid of images beside their distorted copies",
            run: { a, _, _ throws(CLIError) in try AugmentCommand.run(a) }),
        Command(
            name: "export", usage: ExportCommand.usage, flags: ExportCommand.flags,
            summary:
                "The model as an ONNX file (opset 17) for onnxruntime and other runtimes: pixel bytes, or a table's raw rows (one input per column), in; the label and probabilities, or the values, out.",
            brief: "the model as ONNX (opset 17), with its input encoding and output inside the graph",
            run: { a, _, _ throws(CLIError) in try ExportCommand.run(a) }),
        Command(
            name: "quantize", usage: QuantizeCommand.usage, flags: QuantizeCommand.flags,
            summary:
                "The model with INT8 weights (s8, a scale per output unit) for evaluate and predict to run on oneDNN; activations quantized per batch, or in ranges calibrated on --data.",
            brief: "an INT8 copy of a model (about a quarter of the file), run on oneDNN by evaluate and predict",
            run: { a, _, _ throws(CLIError) in try QuantizeCommand.run(a) }),
        Command(
            name: "calibrate", usage: CalibrateCommand.usage, flags: CalibrateCommand.flags,
            summary:
                "Fit a classifier's temperature on held-out data (temperature scaling: the held-out log-loss made as small as it goes), and store it in the model, which every command then applies; with --pick-threshold, also a binary model's decision threshold.",
            brief: "make a classifier's probabilities honest: fit and store a temperature on held-out data",
            run: { a, _, _ throws(CLIError) in try CalibrateCommand.run(a) },
            examples: Examples.calibrate,
            insteadOf: ["test-images": { _ in ["validation-images"] }, "test-labels": { _ in ["validation-labels"] }]),
        Command(
            name: "importance", usage: ImportanceCommand.usage, flags: ImportanceCommand.flags,
            summary:
                "Permutation importance: how much a model's score drops when one input column (or pixel) is shuffled across the rows, the mean and standard deviation over seeded repeats, run on every core.",
            brief: "which input columns (or pixels) a model relies on: the score's drop when each is shuffled",
            run: { a, _, _ throws(CLIError) in try ImportanceCommand.run(a) },
            examples: Examples.importance, insteadOf: ["input": { _ in ["data"] }, "test-data": { _ in ["data"] }]),
        Command(
            name: "completions", usage: "mlp completions bash|zsh", flags: [Flags.shell],
            summary: "A shell completion script for mlp's commands and flags (make install puts them in place).",
            brief: "shell completion for bash or zsh, generated from the flags",
            run: { a, _, _ throws(CLIError) in try CLI.printCompletions(a) }, positional: "shell"),
        Command(
            name: "manpage", usage: "mlp manpage [--markdown]", flags: [ReferenceDocument.markdown],
            summary:
                "The mlp(1) manual page, in roff (make install puts it in place); with --markdown the command reference (docs/reference.md).",
            brief: "the manual page mlp(1), or the Markdown reference, generated from the flags",
            run: { a, _, _ throws(CLIError) in
                Console.out(a.has(ReferenceDocument.markdown) ? ReferenceDocument.text : ManPage.text, newline: false)
                return .ok
            }),
    ]

    /// Runs the command line `args` (without the program name); returns the exit code. `hooks` see
    /// every training step (the `mlp` binary passes none).
    public static func main(_ args: [String], trainingHooks hooks: [TrainingStepHook] = []) -> Int32 {
        let start = now()
        defer { Console.flush() }
        Console.silent = false
        guard let first = args.first else {
            Console.err(overview)
            return ExitCode.usage.rawValue
        }
        switch first {
        case "--help", "-h", "help":
            Console.out(overview)
            return 0
        case "--version", "-V", "version":
            Console.out(VersionReport.text)
            return 0
        default: break
        }
        guard let command = commands.first(where: { $0.name == first }) else {
            let hint = NearestName.hint(for: first, in: commands.map(\.name)) { "'\($0)'" }
            Console.err("error: unknown command '\(CLIError.oneLine(first))'\(hint)")
            Console.err("usage: mlp train | evaluate | predict | summary | inspect ... (see 'mlp --help')")
            return ExitCode.usage.rawValue
        }
        do {
            var parsed = try Arguments(
                args.dropFirst(), flags: command.flags, command: command.name,
                positional: command.positional, insteadOf: command.insteadOf, elsewhere: flagOwners)
            if parsed.declares(Flags.config), let path = parsed.string(Flags.config) {
                parsed = try ConfigurationFile.merge(
                    parsed, file: ConfigurationFile.read(path, command: command.name), positional: command.positional)
            }
            Console.silent = Verbosity(parsed) == .silent
            if parsed.wantsHelp {
                Console.out(help(command))
                return 0
            }
            StandardOutputFile.remember()
            let code = try command.run(parsed, start, hooks).rawValue
            DataParallelJob.current?.finish()
            return code
        } catch {
            if let job = DataParallelJob.current, job.ranks > 1 { job.abort(after: error) }
            DataParallelJob.current?.finish()
            // Under mpirun, a bad command line is every rank's: rank 0 alone says so.
            if error.code == .usage, let rank = MPILaunch.detect()?.rank, rank != 0 { return error.code.rawValue }
            Console.flush()
            StandardOutputFile.takeBack()
            Console.err("error: \(error.message)")
            if let c = error.command, let cmd = commands.first(where: { $0.name == c }) {
                Console.err("usage: \(cmd.usage) (see 'mlp \(c) --help')")
            }
            return error.code.rawValue
        }
    }

    /// Each flag's first command, for "--epochs is a flag of 'mlp train'".
    static var flagOwners: [String: String] {
        var owners: [String: String] = [:]
        for c in commands { for f in c.flags where owners[f.name] == nil { owners[f.name] = c.name } }
        return owners
    }

    static func printCompletions(_ a: Arguments) throws(CLIError) -> ExitCode {
        let shell = try a.required(Flags.shell)
        guard let script = Completions.script(shell) else {
            throw .usage("the shell '\(shell)' is not one of \(Completions.shells.joined(separator: ", "))", command: a.command)
        }
        Console.out(script, newline: false)
        return .ok
    }

    static func help(_ c: Command) -> String {
        let width = (c.flags.map { $0.name.count + ($0.value.map { $0.count + 1 } ?? 0) }.max() ?? 0) + 4
        var lines = [c.summary, "", "usage: \(c.usage)", "", "flags:"]
        for f in c.flags {
            var left = "--\(f.name)" + (f.value.map { " \($0)" } ?? "")
            while left.count < width { left += " " }
            lines.append("  \(left)\(f.helpWithDefault)")
        }
        lines.append("  --help" + String(repeating: " ", count: max(width - 6, 1)) + "this text")
        if c.name == "train" {
            lines += [
                "", "architecture tokens (--layers, comma-separated; the last is the class count):",
                "  N             dense layer of N units, linear",
                "  N:ACT         dense layer of N units followed by activation ACT",
                "  N[:ACT]:maxnorm=C  the same, its units' incoming weights held to L2 norm C (overrides --max-norm)",
                "  ACT           standalone activation (e.g. after batchnorm)",
                "  dropout:P     inverted dropout, drop probability P in [0, 1)",
                "  batchnorm     batch normalization (batchnorm:M sets the running-average momentum, default 0.1)",
                "  ACT is one of: relu, leaky_relu[:ALPHA] (default 0.01), sigmoid, tanh, gelu (tanh approximation), swish (silu), linear",
            ]
        }
        if !c.examples.isEmpty {
            lines += ["", "examples:"]
            for (i, e) in c.examples.enumerated() {
                if i > 0 { lines.append("") }
                lines += ["  # \(e.what)", "  \(e.shell)"]
            }
        }
        return lines.joined(separator: "\n")
    }
}
