import Foundation
import Testing
import NetworkModel
@testable import ModelImport
import TestSupport

/// Bad ONNX input: every case must throw a clear `ImportError` of the right kind, never crash.
@Suite struct ONNXMalformedTests {
    static let folder = Fixtures.examples.appendingPathComponent("fixtures/onnx")
    static let bad = folder.appendingPathComponent("bad")

    static func error(loading url: URL) -> ImportError? {
        do {
            _ = try ONNXImporter.load(url)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("unknown_op", ImportError.Kind.unsupported, "node 'fancy' (FancyOp)"),
        ("custom_domain", .unsupported, "domain 'com.example'"),
        ("int8_weight", .unsupported, "initializer 'W' has data type INT8"),
        ("string_weight", .unsupported, "initializer 'W' has data type STRING"),
        ("nan_weight", .invalidNetwork, "node 'fc'"),
        ("missing_initializer", .missingWeights, "input 'W'"),
        ("huge_dims", .malformed, "overflows"),
        ("raw_length", .malformed, "20 bytes"),
        ("negative_dims", .malformed, "negative dimension"),
        ("gemm_transa", .unsupported, "transA"),
        ("conv3d", .unsupported, "only 2-D convolutions"),
        ("bn_training", .unsupported, "training_mode"),
        ("external_escape", .unsafePath, "leaves the model's folder"),
        ("external_absolute", .unsafePath, "is absolute"),
        ("external_missing", .missingWeights, "does not exist"),
        ("external_offset", .malformed, "holds only 48"),
        ("external_length", .malformed, "declares 24 external bytes"),
    ])
    func badFixture(name: String, kind: ImportError.Kind, fragment: String) throws {
        let url = Self.bad.appendingPathComponent("\(name).onnx")
        let error = try #require(Self.error(loading: url))
        #expect(error.kind == kind, "\(error)")
        #expect(error.message.contains(fragment), "\(error)")
        #expect(error.file == url.path)
        #expect(!error.description.contains("\n"))
    }

    /// Byte-level damage to a good model, written to a temporary folder.
    @Test(arguments: [
        ("empty", ImportError.Kind.malformed),
        ("truncated", .malformed),
        ("random", .malformed),
        ("hdf5", .malformed),
        ("flipped", .malformed),
    ])
    func corruptedBytes(variant: String, kind: ImportError.Kind) throws {
        let good = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent("torch_cnn_opset13.onnx")))
        var bytes: [UInt8]
        switch variant {
        case "empty": bytes = []
        case "truncated": bytes = Array(good.prefix(good.count / 2))
        case "random":
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            bytes = (0..<4096).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 33)
            }
        case "hdf5": bytes = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A] + good.prefix(100)
        default:
            bytes = good
            for i in stride(from: 7, to: bytes.count, by: 97) { bytes[i] ^= 0x5A }
        }
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.onnx")
        try Data(bytes).write(to: url)
        // Flipped bytes may still parse; then any clean ImportError is acceptable, but never a crash.
        let error = try #require(Self.error(loading: url))
        if variant != "flipped" { #expect(error.kind == kind, "\(error)") }
        #expect(error.file == url.path)
    }

    @Test func hdf5MagicIsNamed() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.onnx")
        try Data([0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]).write(to: url)
        let error = try #require(Self.error(loading: url))
        #expect(error.message.contains("HDF5"))
    }

    @Test func missingFileIsUnreadable() {
        let error = Self.error(loading: Self.bad.appendingPathComponent("no_such_model.onnx"))
        #expect(error?.kind == .unreadable)
    }

    /// A folder is named as one, not reported as a Foundation error code.
    @Test func folderIsUnreadableAndSaysSo() throws {
        let dir = try Fixtures.temporaryDirectory().appendingPathComponent("model.onnx")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        do {
            _ = try ModelLoader.load(dir)
            Issue.record("a folder loaded as a model")
        } catch {
            #expect(error.kind == .unreadable && error.message.contains("folder"), "\(error)")
        }
    }

    /// A symbolic link inside the folder that points outside it is refused like `..`.
    @Test func externalDataSymlinkEscapeIsRefused() throws {
        let dir = try Fixtures.temporaryDirectory()
        let outside = try Fixtures.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: dir)
            try? FileManager.default.removeItem(at: outside)
        }
        try Data(count: 48).write(to: outside.appendingPathComponent("weights.bin"))
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("weights.bin"),
                                                   withDestinationURL: outside.appendingPathComponent("weights.bin"))
        let model = dir.appendingPathComponent("model.onnx")
        try FileManager.default.copyItem(at: Self.bad.appendingPathComponent("external_offset.onnx"), to: model)
        let error = try #require(Self.error(loading: model))
        #expect(error.kind == .unsafePath, "\(error)")
        #expect(error.message.contains("outside the model's folder"))
    }

    @Test func externalDataPathChecks() throws {
        let external = ONNXExternalData(modelFile: Self.bad.appendingPathComponent("x.onnx"))
        #expect(throws: ImportError.self) { try external.resolve("a/../../b.bin", what: "t") }
        #expect(throws: ImportError.self) { try external.resolve("/etc/passwd", what: "t") }
        #expect(throws: ImportError.self) { try external.resolve("C:\\weights.bin", what: "t") }
        #expect(try external.resolve("./sub/../weights.bin", what: "t").lastPathComponent == "weights.bin")
    }

    /// Folding refuses results too large to materialise instead of allocating them.
    @Test func foldingIsBounded() {
        #expect(ONNXArrayOps.checkedCount([1 << 20, 1 << 20]) == nil)
        #expect(ONNXArrayOps.sliceIndices(dim: 5, start: 0, end: Int.max, step: Int.max) == [0])
        #expect(ONNXArrayOps.sliceIndices(dim: 5, start: -1, end: Int.min, step: -2) == [4, 2, 0])
        #expect(ONNXArrayOps.select([1, 2, 3], shape: [3], indices: [[3]]) == nil)
    }
}
