import Foundation
import NetworkModel

/// ONNX protobuf importer (placeholder until implemented).
public enum ONNXImporter {
    public static func load(_ url: URL) throws(ImportError) -> Network {
        throw ImportError(.unsupported, file: url.path, "ONNX import is not implemented yet")
    }
}
