// The entry point: dispatch to a command, turn every error into one line and an exit code.

public enum CLI {
    public static let version = "0.1.0"

    static let overview = """
    mlp \(version): train multi-layer perceptrons on the CPU (OpenBLAS), from the command line.

    usage:
      \(TrainCommand.usage)
      \(EvaluateCommand.usage)
      \(PredictCommand.usage)
      \(SummaryCommand.usage)
      \(InspectCommand.usage)
      mlp --help | mlp --version | mlp <command> --help

    commands:
      train       train a network on IDX data (MNIST) and save it as safetensors
      evaluate    accuracy and loss of a saved model on labelled data; --min-accuracy gates CI
      predict     class and probability for each image of an IDX, PGM or PNG file
      summary     the layers of a saved model, with output shapes and parameter counts
      inspect     weight statistics and histograms; dead ReLU and saturated units on data

    exit codes: 0 ok, 1 bad data or file, 2 bad command line, 3 below --min-accuracy,
                4 training diverged, 130 interrupted
    """

    struct Command {
        let name: String
        let usage: String
        let flags: [Flag]
        let summary: String
        let run: (Arguments, Double, [TrainingStepHook]) throws(CLIError) -> ExitCode
        /// The flag a bare argument stands for ("model" for `mlp summary FILE`).
        var positional: String? = nil
    }

    static let commands: [Command] = [
        Command(name: "train", usage: TrainCommand.usage, flags: TrainCommand.flags,
                summary: "Train a network on IDX data and save it.",
                run: { a, t, hooks throws(CLIError) in try TrainCommand.run(a, startTime: t, hooks: hooks) }),
        Command(name: "evaluate", usage: EvaluateCommand.usage, flags: EvaluateCommand.flags,
                summary: "Accuracy and mean loss of a saved model on labelled IDX data.", run: { a, _, _ throws(CLIError) in try EvaluateCommand.run(a) }),
        Command(name: "predict", usage: PredictCommand.usage, flags: PredictCommand.flags,
                summary: "Predicted class and probability for each image (CSV, or JSON lines).", run: { a, _, _ throws(CLIError) in try PredictCommand.run(a) }),
        Command(name: "summary", usage: SummaryCommand.usage, flags: SummaryCommand.flags,
                summary: "The layers of a saved model: output shapes, parameter counts, activations, totals.",
                run: { a, _, _ throws(CLIError) in try SummaryCommand.run(a) }, positional: "model"),
        Command(name: "inspect", usage: InspectCommand.usage, flags: InspectCommand.flags,
                summary: "Weight and bias statistics and histograms per layer; with data, dead and saturated units.",
                run: { a, _, _ throws(CLIError) in try InspectCommand.run(a) }, positional: "model"),
    ]

    /// Runs the command line `args` (without the program name); returns the exit code. `hooks` see
    /// every training step (the `mlp` binary passes none).
    public static func main(_ args: [String], trainingHooks hooks: [TrainingStepHook] = []) -> Int32 {
        let start = now()
        defer { Console.flush() }
        guard let first = args.first else {
            Console.err(overview)
            return ExitCode.usage.rawValue
        }
        switch first {
        case "--help", "-h", "help":
            Console.out(overview)
            return 0
        case "--version", "-V", "version":
            Console.out("mlp \(version)")
            return 0
        default: break
        }
        guard let command = commands.first(where: { $0.name == first }) else {
            let hint = Arguments.closest(to: first, in: commands.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
            Console.err("error: unknown command '\(CLIError.oneLine(first))'\(hint)")
            Console.err("usage: mlp train | evaluate | predict | summary | inspect ... (see 'mlp --help')")
            return ExitCode.usage.rawValue
        }
        do {
            let parsed = try Arguments(args.dropFirst(), flags: command.flags, command: command.name,
                                     positional: command.positional)
            if parsed.wantsHelp {
                Console.out(help(command))
                return 0
            }
            return try command.run(parsed, start, hooks).rawValue
        } catch {
            Console.flush()
            Console.err("error: \(error.message)")
            if let c = error.command, let cmd = commands.first(where: { $0.name == c }) {
                Console.err("usage: \(cmd.usage) (see 'mlp \(c) --help')")
            }
            return error.code.rawValue
        }
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
            lines += ["", "architecture tokens (--layers, comma-separated; the last is the class count):",
                      "  N             dense layer of N units, linear",
                      "  N:ACT         dense layer of N units followed by activation ACT",
                      "  ACT           standalone activation (e.g. after batchnorm)",
                      "  dropout:P     inverted dropout, drop probability P in [0, 1)",
                      "  batchnorm     batch normalization (batchnorm:M sets the running-average momentum, default 0.1)",
                      "  ACT is one of: relu, leaky_relu[:ALPHA] (default 0.01), sigmoid, tanh, gelu (tanh approximation), swish (silu), linear"]
        }
        return lines.joined(separator: "\n")
    }
}
