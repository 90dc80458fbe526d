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
        // Layers, losses, optimizers, initializers: the hand-derived math.
        .target(
            name: "Model",
            dependencies: ["CBLAS"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        // File formats: IDX (raw or gzip), safetensors, atomic writes.
        .target(name: "Formats", dependencies: ["CZlib"]),
        // The command line: argument parsing and the train / evaluate / predict commands.
        .target(name: "MLPCLI", dependencies: ["Model", "Formats", "CBLAS"]),
        .executableTarget(name: "mlp", dependencies: ["MLPCLI"]),
        .executableTarget(name: "GemmBench", dependencies: ["CBLAS"], path: "Sources/GemmBench"),
        .testTarget(name: "ModelTests", dependencies: ["Model", "CBLAS"]),
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "CZlib"]),
        .testTarget(name: "CLITests", dependencies: ["MLPCLI", "Model", "Formats"]),
    ]
)
