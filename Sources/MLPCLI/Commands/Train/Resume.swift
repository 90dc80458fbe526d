// Stopping and resuming `mlp train`: --resume reads the checkpoint once (its configuration is the
// run's; only --epochs may extend it), and an interrupted run writes its checkpoint and says how
// to resume it.
import Formats
import Training

extension TrainCommand {
    /// The checkpoint a resumed run continues from, and the configuration it stores.
    struct Resumed {
        let path: String
        let file: SafetensorsFile
        let config: TrainingConfiguration
    }

    /// The checkpoint --resume names, read once; the run's model file becomes the one the checkpoint
    /// records unless --out is given.
    static func resume(_ path: String, options: inout Options, root: Bool, command: String) throws(CLIError) -> Resumed {
        let file = try library { try Checkpoint.read(path) }
        var config = try Checkpoint.commandLineConfiguration(file, path: path)
        if let flag = options.configurationGiven.first(where: { $0 != Flags.epochs }) {
            throw .usage(
                "--\(flag.name) cannot change when resuming: the checkpoint fixes the training configuration (only --epochs may extend it)",
                command: command)
        }
        if let e = options.epochs { config.epochs = e }
        try checkEpochs(file, path: path, epochs: config.epochs, given: options.epochs != nil, command: command)
        if !options.outGiven {
            if let out = Checkpoint.recordedOut(file) {
                options.out = out
            } else if root {
                Console.info("mlp: note: \(path) does not record the run's --out (an older mlp made it); the model goes to \(options.out)")
            }
        }
        return Resumed(path: path, file: file, config: config)
    }

    /// With --resume, --epochs counts the run's epochs from its start: fewer than the checkpoint has
    /// trained cannot be undone, and is refused. As many (the checkpoint finished its run) writes the
    /// model as it is.
    static func checkEpochs(_ file: SafetensorsFile, path: String, epochs: Int, given: Bool, command: String) throws(CLIError) {
        guard let (done, partway) = Checkpoint.progress(file) else { return }
        guard epochs < done || (epochs == done && partway) else { return }
        let trained = "\(done) epoch\(done == 1 ? "" : "s")" + (partway ? " and part of epoch \(done + 1)" : "")
        let asked = given ? "--epochs \(epochs)" : "its run's \(epochs) epochs"
        throw .usage(
            "\(path) has already trained \(trained), more than \(asked); --epochs counts the run's epochs from the start: give --epochs \(done + 1) or more to train further",
            command: command)
    }

    /// After SIGINT/SIGTERM: write the checkpoint (to --checkpoint, else next to the model), say
    /// how to resume, exit 130.
    static func interrupted(
        _ session: TrainingSession, at place: String, options: Options,
        given: Arguments, display: ProgressDisplay
    ) throws(CLIError) -> ExitCode {
        let path = options.checkpoint ?? defaultCheckpoint(out: options.out)
        try library { try Checkpoint.save(session, to: path, out: options.out) }
        display.warning("mlp: interrupted at \(place); checkpoint written to \(path)")
        // The flags that are not part of the stored configuration must be given again.
        var command = ["mlp", "train", "--resume", shellQuoted(path)]
        for f in flags where f != Flags.resume && !f.configuration {
            if let v = given.string(f) {
                command += ["--\(f.name)", shellQuoted(v)]
            } else if f.value == nil && given.has(f) {
                command += [String](repeating: "--\(f.name)", count: given.count(f))
            }
        }
        if options.checkpoint == nil { command += ["--checkpoint", shellQuoted(path)] }
        Console.err("mlp: resume with: \(command.joined(separator: " "))")
        return .interrupted
    }

    /// Where an interrupted run without --checkpoint saves its state: next to the model file, or,
    /// when the model goes to standard output, a device or a pipe, next to the default model file.
    static func defaultCheckpoint(out: String) -> String {
        let target = try? OutputTarget.resolve(out)
        return (target?.isAtomic ?? false ? out : Flags.out.defaultValue!) + ".ckpt"
    }

    /// A word as the shell needs it: quoted when it holds anything but safe characters.
    static func shellQuoted(_ s: String) -> String {
        let safe = s.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
        return safe && !s.isEmpty ? s : "'" + s.replacingAll("'", with: "'\\''") + "'"
    }
}
