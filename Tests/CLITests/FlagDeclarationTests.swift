import Formats
import Tables
// Flags are declared once (Flags.swift) and read through their declarations: every flag a command's
// code reads is one it declares, and every flag it declares is read. Each command reads its whole
// command line into an Options value (and train also into a TrainingConfiguration), so running
// those on complete command lines covers every read.
import XCTest

@testable import MLPCLI
@testable import Training

final class FlagDeclarationTests: XCTestCase {
    /// A value each kind of flag accepts.
    func value(_ f: Flag) -> String? {
        switch f.kind {
        case .toggle: return nil
        case .integer(let r): return "\(max(r.lowerBound, 1))"
        case .number(_, let check): return check == .nonNegative || check == .positive ? "0.5" : "0.25"
        case .bytes: return "8G"
        case .text:
            switch f.name {
            case "layers": return "8:relu,4"
            case "hidden": return "8"
            case "activation": return "tanh"
            case "loss": return "mse"
            case "init": return "xavier-normal"
            case "optimizer": return "adam"
            case "schedule": return "cosine"
            case "monitor": return "val_accuracy"
            case "reduce-lr-on-plateau": return "0.5,2"
            case "delimiter": return ";"
            case "decimal": return ","
            case "thousands": return "."
            case "task": return "regression"
            case "missing": return "median"
            case "target": return "y"
            case "categorical": return "zip"
            case "shell": return "bash"
            case "augment": return "rotate"
            case "class-weight": return "balanced"
            case "missing-target": return "skip"
            case "metrics": return "auc"
            default: return "some/file"
            }
        }
    }

    /// The command line giving every flag of `command` except `leaving`, with `overrides`.
    func arguments(_ command: CLI.Command, leaving: Set<String> = [], overrides: [String: String] = [:]) throws -> Arguments {
        var args: [String] = []
        for f in command.flags where !leaving.contains(f.name) {
            args.append("--\(f.name)")
            if let v = overrides[f.name] ?? value(f) { args.append(v) }
        }
        return try Arguments(args[...], flags: command.flags, command: command.name, positional: command.positional)
    }

    func command(_ name: String) -> CLI.Command { CLI.commands.first { $0.name == name }! }

    /// Reads `a` the way the command does; errors after the reads (conflicting flags) do not matter.
    func read(_ a: Arguments) {
        _ = Verbosity(a)  // CLI.main reads every command's --quiet and --silent
        switch a.command {
        case "train":
            _ = try? TrainCommand.Options(a)
            _ = try? TrainingConfiguration(a)
            // The resume hint repeats the flags that are not part of the configuration.
            for f in TrainCommand.flags where !f.configuration {
                _ = a.string(f)
                _ = a.has(f)
            }
        case "evaluate": _ = try? EvaluateCommand.Options(a)
        case "predict": _ = try? PredictCommand.Options(a)
        case "summary": _ = try? SummaryCommand.Options(a)
        case "inspect": _ = try? InspectCommand.Options(a)
        case "completions": _ = a.string(Flags.shell)  // CLI.printCompletions reads nothing else
        case "manpage": _ = a.has(ReferenceDocument.markdown)
        case "export": _ = try? ExportCommand.Options(a)
        case "quantize": _ = try? QuantizeCommand.Options(a)
        case "augment": _ = try? AugmentCommand.Options(a)
        case "calibrate": _ = try? CalibrateCommand.Options(a)
        case "importance": _ = try? ImportanceCommand.Options(a)
        case "config": _ = try? ConfigCommand.Options(a)
        case "search":
            _ = try? SearchCommand.Options(a)
            _ = try? TrainingConfiguration(a)
            _ = a.string(Flags.config)  // CLI.main reads it
        case "cv":
            _ = try? CVCommand.Options(a)
            _ = try? TrainingConfiguration(a)
            _ = a.string(Flags.config)  // CLI.main reads it
        default: XCTFail("no reader for \(a.command)")
        }
    }

    func testEveryFlagReadIsDeclaredAndEveryDeclaredFlagIsRead() throws {
        Arguments.undeclaredReads = []
        // Flags that exclude each other get one command line each.
        let variants: [String: [(leaving: Set<String>, overrides: [String: String])]] = [
            "train": [
                (["hidden", "activation", "momentum"], [:]),
                (["layers", "beta1", "beta2"], ["optimizer": "sgd"]),
            ],
            "predict": [(["show", "input"], [:]), (["json", "images"], [:])],
            "cv": [
                (["hidden", "activation", "momentum", "features"], [:]), (["layers", "beta1", "beta2", "ignore"], ["optimizer": "sgd"]),
            ],
            "search": [
                (["hidden", "activation", "momentum", "features"], [:]), (["layers", "beta1", "beta2", "ignore"], ["optimizer": "sgd"]),
            ],
            "inspect": [(["images"], [:]), (["data"], [:])],
        ]
        for c in CLI.commands {
            var read: Set<String> = []
            for v in variants[c.name] ?? [([], [:])] {
                let a = try arguments(c, leaving: v.leaving, overrides: v.overrides)
                self.read(a)
                read.formUnion(a.flagsRead)
            }
            let declared = Set(c.flags.map(\.name))
            XCTAssertEqual(declared.subtracting(read).sorted(), [], "mlp \(c.name) declares flags it never reads")
        }
        XCTAssertEqual(Arguments.undeclaredReads.sorted(), [], "flags read but not declared by their command")
    }

    func testEachFlagIsDeclaredOnce() {
        var seen: [String: Flag] = [:]
        for c in CLI.commands {
            for f in c.flags {
                if let other = seen[f.name] {
                    // A flag may carry help worded for its command (and --batch-size means examples per
                    // step for train, per forward pass elsewhere); its value's form is the same.
                    XCTAssertEqual(other.value, f.value, "--\(f.name)")
                    XCTAssertEqual(other.kind, f.kind, "--\(f.name)")
                } else {
                    seen[f.name] = f
                }
            }
            XCTAssertEqual(Set(c.flags.map(\.name)).count, c.flags.count, "mlp \(c.name) lists a flag twice")
        }
        for f in Flags.configuration { XCTAssertTrue(f.configuration, "--\(f.name)") }
        XCTAssertEqual(
            TrainCommand.flags.filter(\.configuration).map(\.name), Flags.configuration.map(\.name),
            "train accepts exactly the configuration flags, in order")
    }
}
