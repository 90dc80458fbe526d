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
        // libpng, so predict reads PNG images (through the simplified png_image API).
        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
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
        // File formats: IDX (raw or gzip), PGM and PNG images, safetensors, atomic writes.
        .target(name: "Formats", dependencies: ["CZlib", "CPNG"]),
        // The command line: argument parsing and the train / evaluate / predict commands.
        .target(name: "MLPCLI", dependencies: ["Model", "Formats", "CBLAS"]),
        .executableTarget(name: "mlp", dependencies: ["MLPCLI"]),
        .executableTarget(name: "GemmBench", dependencies: ["CBLAS"], path: "Sources/GemmBench"),
        // Exercises the Communicator under a real mpirun (tests) and measures all-reduce costs.
        .executableTarget(name: "MPIProbe", dependencies: ["Collective", "CBLAS"], path: "Sources/MPIProbe"),
        .testTarget(name: "ModelTests", dependencies: ["Model", "CBLAS"]),
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "CZlib", "CPNG"]),
        .testTarget(name: "CollectiveTests", dependencies: ["Collective"]),
        .testTarget(name: "CLITests", dependencies: ["MLPCLI", "Model", "Formats", "CPNG"]),
    ]
)
