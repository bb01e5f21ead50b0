import Datasets
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct CLITests {
    static let model = "examples/models/fmnist_cnn_k2.h5"

    func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func inspectListsLayersAndCrossbarMatrices() throws {
        let r = try CommandRunner.run(["inspect", Self.model])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Conv2D"))
        #expect(r.stdout.contains("Dense"))
        #expect(r.stdout.contains("Crossbar layers: 4"))
        let j = try json(try CommandRunner.run(["inspect", Self.model, "--json"]).stdout)
        let layers = try #require(j["layers"] as? [[String: Any]])
        let crossbar = layers.compactMap { $0["crossbar"] as? [String: Any] }
        #expect(crossbar.count == 4)
        // First convolution: 1 input channel × 3 × 3 rows, 16 columns.
        #expect(crossbar.first?["rows"] as? Int == 9)
        #expect(crossbar.first?["columns"] as? Int == 16)
        let total = crossbar.reduce(0) { $0 + ($1["weights"] as? Int ?? 0) }
        #expect(j["crossbar_weights"] as? Int == total)
    }

    /// The first 100 test images: accuracy equals the framework's own predictions scored against the labels,
    /// and the written outputs equal the framework's outputs to 1e-4.
    @Test func inferMatchesFrameworkOnFirst100Images() throws {
        let dir = try Fixtures.temporaryDirectory()
        let out = dir.appendingPathComponent("y.npy").path
        let r = try CommandRunner.run(["infer", Self.model, "--data", "fashion-mnist", "--limit", "100", "--output", out, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try json(r.stdout)
        #expect(j["samples"] as? Int == 100)
        let reference = try loadFloat32NPY(Fixtures.models.appendingPathComponent("fmnist_cnn_k2.h5.ref100.npy"))
        let written = try loadFloat32NPY(URL(fileURLWithPath: out))
        #expect(written.count == reference.count)
        let worst = zip(written, reference).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-4)
        // The framework's own predictions, scored against the package's labels.
        let labels = try #require(try DatasetLoader.load("fashion-mnist").labels)
        var frameworkCorrect = 0
        for i in 0..<100 {
            let row = Array(reference[(i * 10)..<(i * 10 + 10)])
            if row.firstIndex(of: row.max()!) == labels[i] { frameworkCorrect += 1 }
        }
        let accuracy = try #require(j["accuracy"] as? Double)
        let correct = try #require(j["correct"] as? Int)
        #expect(abs(accuracy - Double(correct) / 100) < 1e-12)
        #expect(correct == frameworkCorrect)
        #expect(correct >= 80, "a trained CNN gets most of the first 100 images right")
    }

    @Test func badInputsGiveOneLineErrorsAndNonZeroExit() throws {
        let dir = try Fixtures.temporaryDirectory()
        let garbage = dir.appendingPathComponent("garbage.onnx")
        try Data("this is not a model".utf8).write(to: garbage)
        let cases: [[String]] = [
            ["inspect", "/nonexistent/model.onnx"],
            ["inspect", garbage.path],
            ["inspect", dir.appendingPathComponent("model.txt").path],
            ["infer", Self.model, "--data", "/nonexistent/data.npy"],
            ["infer", Self.model, "--data", "fashion-mnist", "--labels", "/nonexistent/labels.npy"],
        ]
        for args in cases {
            let r = try CommandRunner.run(args)
            #expect(r.status != 0, "\(args) should fail")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(args): \(r.stderr)")
            #expect(r.stderr.hasPrefix("imprint: error: "), "\(args): \(r.stderr)")
            #expect(!r.stderr.contains("Fatal error"))
        }
    }

    @Test func shapeMismatchAndFailedRunsWriteNothing() throws {
        let dir = try Fixtures.temporaryDirectory()
        // 10 samples of 5 values cannot feed a 28×28 input.
        let data = dir.appendingPathComponent("x.npy")
        try writeFloat32NPY([Float](repeating: 0, count: 50), shape: [10, 5], to: data)
        let out = dir.appendingPathComponent("y.npy")
        let r = try CommandRunner.run(["infer", Self.model, "--data", data.path, "--output", out.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("x.npy"))
        #expect(r.stderr.contains("28"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["x.npy"])
    }

    @Test func everyVerbHasHelpWithAnExample() throws {
        for verb in ["inspect", "infer", "compile", "emit", "devices"] {
            let r = try CommandRunner.run([verb, "--help"])
            #expect(r.status == 0)
            #expect(r.stdout.contains("Example"), "\(verb) --help has no example")
        }
    }
}

/// Reads a little-endian float32 .npy written by NumPy (version 1 header).
func loadFloat32NPY(_ url: URL) throws -> [Float] {
    let d = [UInt8](try Data(contentsOf: url))
    let headerLength = Int(d[8]) | Int(d[9]) << 8
    let header = String(decoding: d[10..<(10 + headerLength)], as: UTF8.self)
    guard header.contains("'<f4'") else { throw CocoaError(.fileReadCorruptFile) }
    let start = 10 + headerLength
    return stride(from: start, to: d.count, by: 4).map { i in
        Float(bitPattern: UInt32(d[i]) | UInt32(d[i + 1]) << 8 | UInt32(d[i + 2]) << 16 | UInt32(d[i + 3]) << 24)
    }
}

func writeFloat32NPY(_ values: [Float], shape: [Int], to url: URL) throws {
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", "))), }"
    header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
    var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
    bytes += Array(header.utf8)
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
    try Data(bytes).write(to: url)
}

/// The one error style: the first line is `imprint: error: ...`, the only such line; only a usage
/// error (64) may add ArgumentParser's usage hint below it.
func expectOneError(_ r: CommandRunner.Output, sourceLocation: SourceLocation = #_sourceLocation) {
    let lines = r.stderr.split(separator: "\n")
    #expect(lines.first?.hasPrefix("imprint: error: ") == true, "\(r.stderr)", sourceLocation: sourceLocation)
    #expect(lines.filter { $0.contains("imprint: error:") }.count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
    if r.status != 64 { #expect(lines.count == 1, "\(r.stderr)", sourceLocation: sourceLocation) }
    #expect(!r.stderr.contains("Fatal error"), sourceLocation: sourceLocation)
}
