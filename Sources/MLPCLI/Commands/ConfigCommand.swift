// `mlp config MODEL|CHECKPOINT`: the training configuration a model or checkpoint was made with, as
// a configuration file (ConfigurationFile.swift): `mlp train --config FILE --data …` trains the
// same network again (bit for bit with the same data and --threads).
import Formats
import Training

enum ConfigCommand {
    static let flags: [Flag] = [
        Flags.model.helped("the model file or checkpoint (or give it as the first argument)"),
        Flags.exportOut.helped("write the file here instead of standard output"),
    ]

    static let usage = "mlp config MODEL|CHECKPOINT [--out FILE.json]"

    /// Everything `mlp config` reads from its command line.
    struct Options {
        let model: String
        let out: String?
        init(_ a: Arguments) throws(CLIError) {
            model = try a.required(Flags.model)
            out = a.string(Flags.exportOut)
        }
    }

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        let o = try Options(a)
        let out = o.out
        let config = try configuration(o.model)
        let text = ConfigurationFile.text(try ConfigurationFile.document(config)) + "\n"
        if let out, out != "-" {
            _ = try OutputPath.checkWritable(out, flag: Flags.exportOut.name, command: a.command, kind: .text)
            do { try AtomicFile.write(Array(text.utf8), to: out) } catch let e as FormatError { throw .data(e) } catch {
                throw CLIError(.dataError, "\(out): \(error)")
            }
        } else {
            Console.out(text, newline: false)
        }
        return .ok
    }

    /// The configuration stored in a model file or a checkpoint.
    static func configuration(_ path: String) throws(CLIError) -> TrainingConfiguration {
        let file: SafetensorsFile
        do { file = try Safetensors.read(path: path) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(path): \(error)")
        }
        if file.metadataValue(for: "format") == Checkpoint.format {
            return try Checkpoint.commandLineConfiguration(file, path: path)
        }
        guard file.metadataValue(for: "format") == ModelFile.format else {
            throw CLIError(.dataError, "\(path): not a model file or checkpoint written by mlp")
        }
        guard let text = file.metadataValue(for: "config") else {
            throw CLIError(
                .dataError,
                "\(path): the model does not record its training configuration (an older mlp wrote it); its checkpoint does (mlp config CHECKPOINT)"
            )
        }
        guard let json = try? JSONValue.parse(Array(text.utf8)) else {
            throw CLIError(.dataError, "\(path): metadata \"config\" is not JSON")
        }
        return try TrainingConfiguration(json: json) { CLIError(.dataError, "\(path): metadata \"config\" \($0)") }
    }
}
