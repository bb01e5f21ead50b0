import Datasets
import Engine
import Foundation
import ModelImport
import NetworkModel
import Testing
import TestSupport

/// Imprint's digital outputs against the frameworks that wrote the models (Keras, onnxruntime):
/// every committed fixture with reference outputs, to 1e-4 absolute on logits/probabilities.
@Suite struct FrameworkConformanceTests {
    /// Absolute tolerance on outputs (the foundation issue's contract).
    static let tolerance: Float = 1e-4

    struct Case: CustomTestStringConvertible, Sendable {
        var model: URL
        var architecture: URL?
        var input: URL?
        var reference: URL
        var testDescription: String { model.lastPathComponent }
    }

    /// Fixtures: `NAME.ext` with `NAME.in.npy` and `NAME.out.npy` beside it. A model without them is a
    /// case too, which fails on the missing file rather than dropping out of the suite unseen.
    static func fixtureCases() -> [Case] {
        let fm = FileManager.default
        var cases = [Case]()
        for sub in ["onnx", "keras"] {
            let dir = Fixtures.examples.appendingPathComponent("fixtures").appendingPathComponent(sub)
            guard let files = try? fm.contentsOfDirectory(atPath: dir.path) else { continue }
            for f in files.sorted() where f.hasSuffix(".onnx") || f.hasSuffix(".h5") || f.hasSuffix(".keras") {
                let stem = f.hasSuffix(".weights.h5") ? String(f.dropLast(".weights.h5".count))
                    : String(f[..<f.lastIndex(of: ".")!])
                let input = dir.appendingPathComponent("\(stem).in.npy")
                let output = dir.appendingPathComponent("\(stem).out.npy")
                cases.append(Case(model: dir.appendingPathComponent(f), architecture: architecture(for: f, in: dir),
                                  input: input, reference: output))
            }
        }
        return cases
    }

    /// Trained examples: `FILE.ref100.npy` holds the framework's outputs on the first 100 test images.
    static func exampleCases() -> [Case] {
        let dir = Fixtures.models
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return files.sorted().filter { $0.hasSuffix(".ref100.npy") }.map { ref in
            let model = String(ref.dropLast(".ref100.npy".count))
            return Case(model: dir.appendingPathComponent(model), architecture: architecture(for: model, in: dir),
                        input: nil, reference: dir.appendingPathComponent(ref))
        }
    }

    static func architecture(for file: String, in dir: URL) -> URL? {
        guard file.hasSuffix(".weights.h5") else { return nil }
        let stem = String(file.dropLast(".weights.h5".count))
        for candidate in ["\(stem).config.json", "\(stem).keras"] {
            let url = dir.appendingPathComponent(candidate)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        return nil
    }

    static func floats(_ a: NumericArray) -> [Float] {
        switch a.storage {
        case .float32(let v): return v
        case .uint8(let v): return v.map(Float.init)
        case .int64(let v): return v.map(Float.init)
        }
    }

    func check(_ c: Case, input: Dataset) throws {
        let network = try ModelLoader.load(c.model, architecture: c.architecture)
        let reference = try NPYFormat.read(c.reference)
        let spec = network.inputs[0]
        try input.checkFits(inputShape: spec.shape, inputName: spec.name)
        let x = input.batch(0..<input.count, inputShape: spec.shape, channelsLast: spec.sourceLayout == .nhwc, pixelScale: nil)
        let engine = try InferenceEngine(network: network)
        let y = try engine.run(try Tensor(shape: [input.count] + spec.shape, data: x))
        let expected = Self.floats(reference)
        #expect(y.count == expected.count, "\(c.model.lastPathComponent): \(y.count) outputs, reference has \(expected.count)")
        guard y.count == expected.count else { return }
        var worst: Float = 0
        for i in 0..<y.count { worst = max(worst, abs(y.data[i] - expected[i])) }
        #expect(worst <= Self.tolerance, "\(c.model.lastPathComponent): max |Δ| = \(worst)")
    }

    @Test(arguments: fixtureCases())
    func fixtureMatchesFramework(_ c: Case) throws {
        try check(c, input: try DatasetLoader.load(c.input!.path))
    }

    @Test(arguments: exampleCases())
    func trainedExampleMatchesFrameworkOnFirst100TestImages(_ c: Case) throws {
        try check(c, input: try DatasetLoader.load("fashion-mnist").prefix(100))
    }

    @Test func everyFormatHasConformanceCases() {
        let names = (Self.fixtureCases() + Self.exampleCases()).map(\.model.lastPathComponent)
        for suffix in [".onnx", ".keras", ".weights.h5"] {
            #expect(names.contains { $0.hasSuffix(suffix) }, "no conformance case for \(suffix)")
        }
        #expect(names.contains { $0.hasSuffix(".h5") && !$0.hasSuffix(".weights.h5") }, "no conformance case for Keras .h5")
    }
}
