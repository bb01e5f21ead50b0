// swift-tools-version:6.1
import PackageDescription

// Benchmarks live in their own package (depending on the root by path) so the main build stays lean.
let package = Package(
    name: "ImprintBenchmarks",
    dependencies: [.package(name: "Imprint", path: "..")],
    targets: [
        .executableTarget(name: "imprint-bench", dependencies: [
            .product(name: "ImprintKit", package: "Imprint"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
