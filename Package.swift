// swift-tools-version:6.1
import PackageDescription

// Layered modules; dependencies point downward only (see ../shared/design/ARCHITECTURE.md).
let package = Package(
    name: "Imprint",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "imprint", targets: ["imprint"]),
        .library(name: "ImprintKit", targets: ["NetworkModel", "ModelImport", "Engine", "Evaluation", "Datasets", "Devices", "Compiler", "Plan", "TesterFiles", "TesterLoop", "DeviceSimulation", "DeviceFit", "Verifier", "VerifyReport", "FileSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C libraries from Debian, each behind a small shim header.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CProtobufC", pkgConfig: "libprotobuf-c", providers: [.apt(["libprotobuf-c-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlibSystem", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // protoc-c output for formats/onnx.proto (committed; `make protos` regenerates it).
        .target(name: "CONNX", dependencies: ["CProtobufC"]),
        // protoc-c output for formats/plan.proto (committed; `make protos` regenerates it).
        .target(name: "CPlan", dependencies: ["CProtobufC"]),
        .target(name: "ProtobufCSupport", dependencies: ["CProtobufC"]),
        // Kernels wider than Swift emits for baseline x86-64, chosen per CPU at run time.
        .target(name: "CKernels"),

        .target(name: "NetworkModel"),
        // The one parallel-for (disjoint contiguous ranges; results independent of the thread count).
        .target(name: "Parallel", dependencies: ["CKernels"]),
        // SHA-256 from swift-crypto (plan checksums, model and data fingerprints).
        .target(name: "FileSupport", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "HDF5Support", dependencies: ["CHDF5"]),
        .target(name: "ModelImport", dependencies: [
            "NetworkModel", "HDF5Support", "CONNX", "CProtobufC", "ProtobufCSupport", "FileSupport",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        .target(name: "Engine", dependencies: ["NetworkModel", "Parallel", "CBLAS", "CKernels"]),
        .target(name: "Plan", dependencies: ["NetworkModel", "Devices", "CPlan", "CProtobufC", "ProtobufCSupport", "FileSupport"]),
        // The device-record schema written once, and the tester files: emitters (CSV, JSON Lines, proto, HDF5).
        .target(name: "TesterFiles", dependencies: ["Plan", "Devices", "CPlan", "ProtobufCSupport", "FileSupport", "HDF5Support"]),
        // Touch-up planning from a plan and its read-back (re-program, re-target partners and LSPs, defects).
        .target(name: "TesterLoop", dependencies: ["Plan", "Devices", "TesterFiles", "FileSupport"]),
        .target(name: "Datasets", dependencies: ["HDF5Support", "CZlibSystem", "FileSupport"]),
        .target(name: "Devices", dependencies: ["FileSupport"]),
        .target(name: "DeviceSimulation", dependencies: ["Devices", "Parallel"]),
        // Characterisation data → a fitted device spec with standard errors and goodness of fit (`imprint fit`).
        .target(name: "DeviceFit", dependencies: ["Devices", "DeviceSimulation", "TesterFiles", "Parallel", "FileSupport"]),
        .target(name: "Compiler", dependencies: ["NetworkModel", "Devices", "Plan", "Parallel", "FileSupport"]),
        // The one evaluation harness: a data set through the engine in batches, top-1 counted once.
        .target(name: "Evaluation", dependencies: ["NetworkModel", "Engine", "Datasets"]),
        .target(name: "Verifier", dependencies: ["NetworkModel", "Engine", "Evaluation", "Plan", "Devices", "DeviceSimulation", "Datasets", "Parallel", "FileSupport", "CBLAS", "CKernels"]),
        // The HTML report of `imprint verify --report`: inline SVG charts drawn from the verification result.
        .target(name: "VerifyReport", dependencies: ["Verifier", "DeviceFit", "Devices", "FileSupport"]),
        .target(name: "ImprintCLI", dependencies: [
            "NetworkModel", "ModelImport", "Engine", "Evaluation", "Datasets", "FileSupport", "Devices", "Plan", "TesterFiles", "TesterLoop", "Compiler", "Verifier", "VerifyReport", "DeviceFit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "imprint", dependencies: ["ImprintCLI", "Engine", "FileSupport"]),

        .target(name: "TestSupport", dependencies: ["NetworkModel"], path: "Tests/TestSupport"),
        .testTarget(name: "FileSupportTests", dependencies: ["FileSupport", "TestSupport"]),
        .testTarget(name: "ParallelTests", dependencies: ["Parallel"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Engine", "Datasets", "NetworkModel", "TestSupport"]),
        .testTarget(name: "NetworkModelTests", dependencies: ["NetworkModel", "TestSupport"]),
        .testTarget(name: "ModelImportTests", dependencies: ["ModelImport", "Engine", "TestSupport"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "ModelImport", "TestSupport", "CKernels", "Parallel"]),
        .testTarget(name: "DevicesTests", dependencies: ["Devices", "FileSupport", "TestSupport"]),
        .testTarget(name: "DeviceFitTests", dependencies: ["DeviceFit", "Devices", "DeviceSimulation", "TesterFiles", "FileSupport", "TestSupport",
                                                           "Compiler", "ModelImport", "Verifier", "Datasets", "Plan"]),
        .testTarget(name: "DeviceSimulationTests", dependencies: ["DeviceSimulation", "Devices", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "FileSupport", "HDF5Support", "TestSupport"]),
        .testTarget(name: "ImprintCLITests", dependencies: ["ImprintCLI", "Datasets", "FileSupport", "TestSupport"]),
        .testTarget(name: "CompilerTests", dependencies: ["Compiler", "FileSupport", "Plan", "Devices", "NetworkModel", "ModelImport", "TestSupport"]),
        .testTarget(name: "PlanTests", dependencies: ["Plan", "Devices", "NetworkModel", "TestSupport", "HDF5Support", "CPlan", "CProtobufC", "ProtobufCSupport", "TesterFiles"]),
        .testTarget(name: "TesterLoopTests", dependencies: ["TesterLoop", "TesterFiles", "Plan", "Devices", "Compiler", "NetworkModel", "TestSupport"]),
        .testTarget(name: "VerifyReportTests", dependencies: ["VerifyReport", "Verifier", "NetworkModel"]),
        .testTarget(name: "VerifierTests", dependencies: ["Verifier", "Compiler", "Plan", "Devices", "DeviceSimulation", "Engine", "ModelImport", "Datasets", "NetworkModel", "TestSupport", "CKernels"]),
        .testTarget(name: "ConformanceTests", dependencies: ["ModelImport", "Engine", "Datasets", "NetworkModel", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
