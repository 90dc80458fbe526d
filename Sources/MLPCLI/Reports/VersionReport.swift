import CBLAS
import Collective
// `mlp --version`: the version and what it runs on, so that a bug report carries what matters: the
// OpenBLAS build and the kernel it chose for this CPU, the threads it would use, and which optional
// back ends this binary has.
import Formats
import Model
import Quantized
import Training

enum VersionReport {
    /// An optional back end, and whether this binary can use it (a one-line reason either way).
    struct BackEnd {
        let name: String
        let status: () -> String
    }

    /// The optional back ends, in the order the report lists them.
    nonisolated(unsafe) static var backEnds: [BackEnd] = [
        BackEnd(name: "MPI (data-parallel training under mpirun)") {
            let mpi = MPILibrary.describe()
            return mpi.loaded
                ? "\(mpi.text) (\(MPICommunicator.libraryName), loaded only under mpirun)"
                : "\(MPICommunicator.libraryName) cannot be loaded (\(mpi.text)); install openmpi-bin"
        },
        BackEnd(name: "INT8 inference (oneDNN)") { int8Status },
    ]

    /// oneDNN opened now (only for --version: float work never opens it): its version and threading,
    /// the instruction set its INT8 kernels use here, and the u8 levels activations get; or why not.
    static var int8Status: String {
        do {
            let d = try OneDNN.shared()
            let levels =
                d.activationMaximum == 255
                ? "u8 activations 0–255 (exact u8·s8 sums)"
                : "u8 activations 0–127 (no VNNI: 0–255 could saturate the 16-bit pair sums)"
            return "oneDNN \(d.version) (\(OneDNN.libraryPath), \(d.threadingRuntime)), \(d.instructionSet); \(levels)"
        } catch {
            return "not available: \(error.message)"
        }
    }

    static var text: String {
        let config = openblas_get_config().map { String(cString: $0) } ?? "unknown"
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        var lines = [
            "mlp \(CLI.version)",
            "OpenBLAS: \(config.trimmingSpaces); kernel \(core); \(BLAS.processors) CPU\(BLAS.processors == 1 ? "" : "s"), so \(BLAS.processors) thread\(BLAS.processors == 1 ? "" : "s") by default (--threads)",
        ]
        for b in backEnds { lines.append("\(b.name): \(b.status())") }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// Without spaces at either end.
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
