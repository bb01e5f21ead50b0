import Foundation
import NetworkModel

/// Imports an ONNX model (`torch.onnx.export`, tf2onnx, hand-built) as a `Network`.
///
/// Graph inputs are used in the layout the graph declares (`sourceLayout: .nchw`, "feed as is"): a
/// tf2onnx model that starts with an NHWC input and a Transpose keeps both.
public enum ONNXImporter {
    public static func load(_ url: URL) throws(ImportError) -> Network {
        // The file's bytes die once protobuf-c has unpacked them and its message once ours is
        // built, so a model's weights are held at most twice at once while loading (a ResNet-50-
        // sized infer on one image, 2 threads: peak RSS 366 → 269 MiB).
        return try convert(try parse(try readBytes(url), file: url), file: url)
    }

    /// Imports a model already in memory; `url` names it in errors and is the folder external
    /// tensor data is read from. What a fuzzer feeds without touching the disk.
    public static func load(bytes: [UInt8], file url: URL) throws(ImportError) -> Network {
        try convert(try parse(bytes, file: url), file: url)
    }

    /// The whole file in one array, read straight into it (no intermediate `Data` copy).
    static func readBytes(_ url: URL) throws(ImportError) -> [UInt8] {
        let path = url.path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ImportError(.unreadable, file: path, "cannot read the file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw ImportError(.unreadable, file: path, "cannot read the file: not a regular file")
        }
        let size = Int(info.st_size)
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            initialized = 0
            while initialized < size {
                let n = read(fd, buffer.baseAddress! + initialized, size - initialized)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { failure = n < 0 ? errno : 0; break }
                initialized += n
            }
        }
        guard bytes.count == size else {
            throw ImportError(.unreadable, file: path, failure != 0 ? "cannot read the file: \(String(cString: strerror(failure)))"
                                                               : "the file shrank while it was read")
        }
        return bytes
    }

    static func parse(_ bytes: consuming [UInt8], file url: URL) throws(ImportError) -> ONNXModel {
        let path = url.path
        guard !bytes.isEmpty else { throw ImportError(.malformed, file: path, "the file is empty") }
        if let format = foreignFormat(bytes) {
            throw ImportError(.malformed, file: path, "this is \(format), not an ONNX model")
        }
        guard let model = ONNXModel.parse(consume bytes) else {
            throw ImportError(.malformed, file: path, "not a valid ONNX protobuf (truncated or corrupted)")
        }
        return model
    }

    static func convert(_ model: ONNXModel, file url: URL) throws(ImportError) -> Network {
        let path = url.path
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
