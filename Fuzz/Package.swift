// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets, one executable per reader of untrusted bytes. A nested package (depending on
// the root by path, like Benchmarks/) so the main build and `make test` never see the sanitizers.
// Build and run them with `make fuzz` (scripts/fuzz.sh), which passes `--sanitize fuzzer,address`.
let targets = ["onnx", "keras-h5", "keras-archive", "plan", "npy", "idx", "device-spec", "periphery", "hdf5-dataset",
               "readback", "defect-map", "characterisation"]

let package = Package(
    name: "ImprintFuzz",
    dependencies: [.package(name: "Imprint", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
    ] + targets.map { name in
        .executableTarget(name: "fuzz-\(name)", dependencies: [
            "FuzzSupport",
            .product(name: "ImprintKit", package: "Imprint"),
        ])
    },
    swiftLanguageModes: [.v6]
)
