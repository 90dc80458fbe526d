// swift-tools-version:5.9
// mlp: a command-line trainer for multi-layer perceptrons.
// Every heavy matrix product goes through OpenBLAS `cblas_sgemm`; every gradient is derived by hand.
import PackageDescription

let package = Package(
    name: "mlp",
    products: [
        .executable(name: "mlp", targets: ["mlp"]),
        .library(name: "Model", targets: ["Model"]),
        .executable(name: "gemm-bench", targets: ["GemmBench"]),
        .executable(name: "csv-bench", targets: ["CSVBench"]),
        .executable(name: "int8-bench", targets: ["Int8Bench"]),
        .executable(name: "mpi-probe", targets: ["MPIProbe"]),
    ],
    targets: [
        // OpenBLAS (cblas_*) and LAPACKE, as a system library found through pkg-config.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        // zlib, so .gz IDX files are read directly.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // libdeflate, the fast path for whole gzip files (zlib stays for streams and multi-member files).
        .systemLibrary(
            name: "CDeflate",
            pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]
        ),
        // libpng, so predict reads PNG images (through the simplified png_image API).
        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        // oneDNN's headers (libdnnl-dev); the library itself is opened with dlopen on first INT8 use,
        // so it costs nothing at start-up and mlp runs without it for float models.
        .systemLibrary(
            name: "CDNNL",
            providers: [.apt(["libdnnl-dev"])]
        ),
        // Open MPI, dlopen()ed at run time and only under mpirun (Sources/CMPI/shim.h says why): the
        // mlp binary neither needs Open MPI to build or start nor pays for loading it.
        .systemLibrary(name: "CMPI"),
        // Data-parallel ranks: the Communicator (single process, or MPI under mpirun).
        .target(name: "Collective", dependencies: ["CMPI"]),
        // Layers, losses, optimizers, initializers: the hand-derived math.
        .target(
            name: "Model",
            dependencies: ["CBLAS"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        // The runtime policy of the command line, kept out of the maths: the worker threads that share
        // the elementwise loops, CPU pinning, and sensing other processes' load.
        .target(name: "Runtime", dependencies: ["Model", "CBLAS"]),
        // File formats: IDX (raw or gzip), PGM and PNG images, safetensors, atomic writes.
        .target(name: "Formats", dependencies: ["CZlib", "CDeflate", "CPNG"]),
        // CSV tables as datasets (as scikit-learn's preprocessing): the feature and target encoders,
        // the task, the test split, notes about how a file was read.
        .target(name: "Tables", dependencies: ["Formats", "Model"]),
        // Training without the command line: the configuration, the session and what watches it
        // (logs, checkpoints), model files (float and INT8) and inference, the data-parallel job,
        // the memory budget. Its errors name settings, not flags.
        .target(name: "Training", dependencies: ["Model", "Formats", "Tables", "Quantized", "Collective", "CBLAS"]),
        // Experiments made of many sessions in one process (and across mpirun's ranks):
        // cross-validation's folds, hyperparameter search with successive halving, the leaderboard.
        .target(name: "Experiments", dependencies: ["Training", "Model", "Formats", "Tables", "Collective", "CBLAS"]),
        // The command line: argument parsing, the commands, the terminal and the reports.
        .target(
            name: "MLPCLI",
            dependencies: ["Experiments", "Training", "Model", "Formats", "Tables", "Runtime", "Collective", "CBLAS", "Quantized"]),
        // INT8 inference: per-channel s8 weights, u8 activations, oneDNN matmul.
        .target(
            name: "Quantized",
            dependencies: ["Model", "CDNNL"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        .executableTarget(name: "mlp", dependencies: ["MLPCLI"]),
        // The command line with a training-step hook that interrupts a run at a chosen step: the
        // signal tests' driver. Built with the tests, never installed.
        .executableTarget(name: "MLPTestDriver", dependencies: ["MLPCLI"]),
        // What measures and is not the product lives in Benchmarks/, beside the scripts that run it
        // (make bench and its siblings), so that Sources holds the product alone.
        // gemm-bench: OpenBLAS's sgemm alone at the training's shapes (Benchmarks/bench.sh).
        .executableTarget(name: "GemmBench", dependencies: ["CBLAS"], path: "Benchmarks/GemmBench"),
        // csv-bench: the CSV reader's load time and peak memory on one file (Benchmarks/bench_csv.sh).
        .executableTarget(name: "CSVBench", dependencies: ["Formats"], path: "Benchmarks/CSVBench"),
        // int8-bench: float (OpenBLAS) against INT8 (oneDNN) inference on one model (Benchmarks/bench_int8.sh).
        .executableTarget(name: "Int8Bench", dependencies: ["Quantized", "Model", "Formats", "CBLAS"], path: "Benchmarks/Int8Bench"),
        // mpi-probe: exercises the Communicator under a real mpirun (CollectiveTests) and measures
        // all-reduce costs (`mpi-probe bench`).
        .executableTarget(name: "MPIProbe", dependencies: ["Collective", "CBLAS"], path: "Benchmarks/MPIProbe"),
        // What the test targets share: the process runner, temporary directories, the package root,
        // the seeded generator. It depends on no product target.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ModelTests", dependencies: ["Model", "CBLAS"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "Model", "CBLAS"]),
        .testTarget(name: "QuantizedTests", dependencies: ["Quantized", "Model"]),
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "CZlib", "CPNG", "TestSupport"]),
        .testTarget(name: "CollectiveTests", dependencies: ["Collective", "TestSupport"]),
        .testTarget(name: "TablesTests", dependencies: ["Tables", "Formats", "Model", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Formats", "Model", "TestSupport"]),
        .testTarget(
            name: "ExperimentsTests", dependencies: ["Experiments", "Training", "Tables", "Formats", "Model", "CBLAS", "TestSupport"]),
        .testTarget(
            name: "CLITests", dependencies: ["MLPCLI", "Training", "Model", "Formats", "Tables", "CPNG", "Quantized", "TestSupport"],
            exclude: ["Fixtures"]),
    ]
)
