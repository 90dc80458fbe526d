// `mlp manpage`: the mlp(1) manual page in roff, generated from the same declarations as --help
// (the commands, their flags with defaults, the exit codes, the examples), so the two cannot
// drift apart.
// `make install` writes it to PREFIX/share/man/man1/mlp.1.
import Formats
import Model
import Training

enum ManPage {
    /// Text with roff's special characters escaped: backslash, and a leading dot or quote.
    static func escape(_ s: String) -> String {
        var out = s.replacingAll("\\", with: "\\e").replacingAll("-", with: "\\-")
        if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
        return out
    }

    /// The environment variables mlp reads, for the ENVIRONMENT section and the reference.
    static let environment: [(name: String, effect: String)] = [
        ("NO_COLOR", "when set, the progress bar of train is never drawn in place (as when standard error is not a terminal)"),
        ("COLUMNS", "the terminal's width for the progress bar when the terminal does not tell it (TIOCGWINSZ); else 80"),
    ]

    static var text: String {
        var m: [String] = []
        m.append(".TH MLP 1 \"\" \"mlp \(CLI.version)\" \"User Commands\"")
        m.append(".SH NAME")
        m.append("mlp \\- train multi\\-layer perceptrons on the CPU (OpenBLAS), from the command line")
        m.append(".SH SYNOPSIS")
        for c in CLI.commands {
            m.append(".PP")
            m.append(".B " + escape(c.usage))
        }
        m.append(".PP")
        m.append(".B mlp \\-\\-help | mlp \\-\\-version | mlp")
        m.append(".I command")
        m.append(".B \\-\\-help")
        m.append(".SH DESCRIPTION")
        m.append(
            escape(
                "mlp trains multi-layer perceptrons on IDX images (MNIST) and on CSV tables (classification and regression), with every matrix product done by OpenBLAS and every gradient derived by hand. Models are safetensors files. Results go to standard output, progress and errors to standard error; every error is one line."
            ))
        m.append(".SH COMMANDS")
        for c in CLI.commands {
            m.append(".SS \(escape(c.name))")
            m.append(escape(c.summary))
            for f in c.flags {
                m.append(".TP")
                if let v = f.value {
                    m.append(".BI \"\\-\\-\(escape(f.name)) \" \"\(escape(v))\"")
                } else {
                    m.append(".B \\-\\-\(escape(f.name))")
                }
                m.append(
                    escape(f.helpWithDefault) + (f.configuration ? " (part of the training configuration: a checkpoint keeps it)" : ""))
            }
            m.append(".TP")
            m.append(".B \\-\\-help")
            m.append("the command's flags")
            if c.name == "train" {
                m.append(".PP")
                m.append(
                    escape("Architecture tokens (--layers, comma-separated; the last sets the output width): \(Architecture.accepted)."))
            }
        }
        m.append(".SH EXIT STATUS")
        for e in ExitCode.allCases {
            m.append(".TP")
            m.append(".B \(e.rawValue)")
            m.append(escape(e.meaning))
        }
        m.append(".SH ENVIRONMENT")
        for v in environment {
            m.append(".TP")
            m.append(".B \(v.name)")
            m.append(escape(v.effect))
        }
        m.append(".SH EXAMPLES")
        for c in CLI.commands {
            for e in c.examples {
                m.append(".PP")
                m.append(escape(e.what) + ":")
                m.append(".PP")
                m.append(".RS 4")
                m.append(".nf")
                m.append(escape(e.shell))
                m.append(".fi")
                m.append(".RE")
            }
        }
        m.append(".SH SEE ALSO")
        m.append(
            escape(
                "The README of the mlp repository and docs/reference.md (mlp manpage --markdown); mlp completions bash|zsh for shell completion."
            ))
        return m.joined(separator: "\n") + "\n"
    }
}
