import FuzzSupport
import Foundation
import ModelImport

/// ONNX protobuf (protobuf-c) and the graph conversion, fed from memory; the model's folder is this
/// process's empty scratch folder, so external-data references find nothing to read.
private let file = ScratchFile(name: "model.onnx").url

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? ONNXImporter.load(bytes: bytes(data, size), file: file)
    return 0
}
