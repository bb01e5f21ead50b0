import Foundation
import ModelImport
import NetworkModel
import Testing
import TestSupport

/// Broken Keras files must end in an `ImportError` of the right kind naming the file and, where
/// there is one, the layer: never a crash, trap or huge allocation.
@Suite struct KerasMalformedTests {
    static let dir = Fixtures.examples.appendingPathComponent("fixtures/keras")
    static let bad = dir.appendingPathComponent("bad")

    static func failure(_ url: URL, architecture: URL? = nil) -> ImportError? {
        #expect(throws: ImportError.self) { try ModelLoader.load(url, architecture: architecture) }
    }

    @Test(arguments: [
        ("unknown_layer.h5", ImportError.Kind.unsupported, "layer 'norm' (LayerNormalization): unsupported layer type"),
        ("unknown_layer.keras", .unsupported, "layer 'norm' (LayerNormalization): unsupported layer type"),
        ("nan_weights.h5", .invalidNetwork, "'fc'"),
        ("missing_weights.h5", .missingWeights, "layer 'fc' (Dense): weight 'bias'"),
        ("wrong_shape.h5", .missingWeights, "layer 'fc' (Dense): weight 'kernel' has shape [4, 2], expected [3, 2]"),
        ("huge_shape.h5", .missingWeights, "layer 'fc' (Dense): weight 'kernel' has shape"),
        ("external_link.h5", .unsafePath, "outside the file's folder"),
        ("soft_external_link.h5", .unsafePath, "outside the file's folder"),
        ("weights_only.h5", .unsupported, "architecture is missing"),
        ("bad_json.h5", .malformed, "not valid JSON"),
        ("no_config.h5", .malformed, "no 'model_config'"),
    ])
    func badFixture(_ name: String, _ kind: ImportError.Kind, _ fragment: String) {
        let url = Self.bad.appendingPathComponent(name)
        let error = Self.failure(url)
        #expect(error?.kind == kind)
        #expect(error?.description.contains(name) == true, "\(error?.description ?? "")")
        #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "")")
    }

    @Test func goodFixtureLoads() throws {
        #expect(try ModelLoader.load(Self.bad.appendingPathComponent("good.h5")).nodes.count == 1)
    }

    /// Truncated and overwritten copies of good files, in every format.
    @Test(arguments: ["mlp_k2.h5", "cnn_k3.h5", "cnn_k3.keras", "branches_k3w.weights.h5"])
    func damagedCopiesFailCleanly(_ name: String) throws {
        let tmp = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let whole = try Data(contentsOf: Self.dir.appendingPathComponent(name))
        let architecture = name.hasSuffix(".weights.h5") ? Self.dir.appendingPathComponent("branches_k3w.config.json") : nil
        var variants: [(String, Data)] = [("empty", Data()), ("garbage", Data("not a model".utf8))]
        for fraction in [0.05, 0.3, 0.6, 0.95] {
            variants.append(("cut\(fraction)", whole.prefix(Int(Double(whole.count) * fraction))))
        }
        for start in stride(from: 0, to: whole.count, by: max(1, whole.count / 7)) {
            var copy = whole
            for i in start..<min(whole.count, start + 512) { copy[i] = UInt8(truncatingIfNeeded: i &* 131) }
            variants.append(("scribble\(start)", copy))
        }
        for (label, data) in variants {
            let url = tmp.appendingPathComponent(label + "_" + name)
            try data.write(to: url)
            do {
                _ = try ModelLoader.load(url, architecture: architecture)
            } catch {
                #expect(error.description.hasPrefix(url.path), "\(label): \(error)")
            }
        }
    }

    /// A `.keras` whose recorded CRC-32 disagrees with a member's bytes is refused, for the small
    /// members read into memory and for the weights extracted to a file alike.
    @Test(arguments: ["config.json", "model.weights.h5"])
    func wrongCRCIsRefused(_ member: String) throws {
        let tmp = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        var bytes = [UInt8](try Data(contentsOf: Self.dir.appendingPathComponent("cnn_k3.keras")))
        // Central directory headers ("PK\u{1}\u{2}"): name length at +28, name at +46, CRC-32 at +16.
        var changed = 0
        for i in 0..<(bytes.count - 46) where bytes[i] == 0x50 && bytes[i + 1] == 0x4B && bytes[i + 2] == 1 && bytes[i + 3] == 2 {
            let n = Int(bytes[i + 28]) | Int(bytes[i + 29]) << 8
            guard i + 46 + n <= bytes.count, String(decoding: bytes[(i + 46)..<(i + 46 + n)], as: UTF8.self) == member else { continue }
            bytes[i + 16] ^= 0xFF
            changed += 1
        }
        #expect(changed == 1)
        let url = tmp.appendingPathComponent("crc.keras")
        try Data(bytes).write(to: url)
        let error = Self.failure(url)
        #expect(error?.kind == .malformed)
        #expect(error?.description.hasPrefix(url.path) == true, "\(error?.description ?? "")")
        #expect(error?.message.contains("'\(member)' is corrupted (CRC-32") == true, "\(error?.message ?? "")")
    }

    @Test func weightsWithoutArchitectureAndMismatchedArchitecture() throws {
        let weights = Self.dir.appendingPathComponent("mlp_k3w.weights.h5")
        #expect(Self.failure(weights)?.kind == .missingWeights)
        let wrong = Self.failure(weights, architecture: Self.dir.appendingPathComponent("cnn_k3w.config.json"))
        #expect(wrong?.kind == .missingWeights)
        #expect(wrong?.description.hasPrefix(weights.path) == true)
    }

    @Test func badConfigJSONFiles() throws {
        let tmp = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let weights = Self.dir.appendingPathComponent("mlp_k3w.weights.h5")
        let cases: [(String, ImportError.Kind)] = [
            ("{", .malformed),
            ("{\"class_name\": \"Sequential\"}", .malformed),
            ("{\"class_name\": \"Subclassed\", \"config\": {}}", .unsupported),
            ("{\"class_name\": \"Sequential\", \"config\": {\"name\": \"s\", \"layers\": [{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", \"units\": 2}}]}}", .unsupported),
            ("{\"class_name\": \"Functional\", \"config\": {\"name\": \"f\", \"layers\": [], \"input_layers\": [[\"x\", 0, 0]], \"output_layers\": []}}", .malformed),
        ]
        for (i, (text, kind)) in cases.enumerated() {
            let url = tmp.appendingPathComponent("c\(i).config.json")
            try Data(text.utf8).write(to: url)
            let error = Self.failure(weights, architecture: url)
            #expect(error?.kind == kind, "\(text): \(String(describing: error))")
        }
    }
}
