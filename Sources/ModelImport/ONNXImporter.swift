import Foundation
import NetworkModel

/// Imports an ONNX model (`torch.onnx.export`, tf2onnx, hand-built) as a `Network`.
///
/// Graph inputs are used in the layout the graph declares (`sourceLayout: .nchw`, "feed as is"): a
/// tf2onnx model that starts with an NHWC input and a Transpose keeps both.
public enum ONNXImporter {
    public static func load(_ url: URL) throws(ImportError) -> Network {
        let path = url.path
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw ImportError(.unreadable, file: path, "cannot read the file: \(error.localizedDescription)")
        }
        return try load(bytes: bytes, file: url)
    }

    /// Imports a model already in memory; `url` names it in errors and is the folder external
    /// tensor data is read from. The whole file is parsed at once anyway, so this is what `load`
    /// does after reading, and what a fuzzer feeds without touching the disk.
    public static func load(bytes: [UInt8], file url: URL) throws(ImportError) -> Network {
        let path = url.path
        guard !bytes.isEmpty else { throw ImportError(.malformed, file: path, "the file is empty") }
        if let format = foreignFormat(bytes) {
            throw ImportError(.malformed, file: path, "this is \(format), not an ONNX model")
        }
        guard let model = ONNXModel.parse(bytes) else {
            throw ImportError(.malformed, file: path, "not a valid ONNX protobuf (truncated or corrupted)")
        }
        guard let graph = model.graph, !graph.nodes.isEmpty || !graph.outputs.isEmpty else {
            throw ImportError(.malformed, file: path, "not an ONNX model: it holds no graph")
        }
        guard let version = model.opsets[""] ?? model.opsets["ai.onnx"] else {
            throw ImportError(.malformed, file: path, "the model imports no default-domain operator set")
        }
        guard version >= 1, version <= 1000 else {
            throw ImportError(.malformed, file: path, "operator set version \(version) is not valid")
        }
        let name = graph.name.isEmpty ? url.deletingPathExtension().lastPathComponent : graph.name
        var converter = ONNXConverter(file: url, graph: graph, opset: Int(version))
        return try converter.convert(name: name)
    }

    /// Recognises files given the wrong extension, for a clearer message than "corrupted".
    static func foreignFormat(_ bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0x89, 0x48, 0x44, 0x46]) { return "an HDF5 file (a Keras .h5 model?)" }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return "a zip archive (a .keras model?)" }
        if bytes.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) { return "a NumPy .npy file" }
        return nil
    }
}
