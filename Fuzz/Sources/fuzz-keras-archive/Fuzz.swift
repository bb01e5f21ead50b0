import FuzzSupport
import Foundation
import ModelImport

/// A Keras 3 `.keras` zip archive: the zip reader, config.json, and the weights HDF5 file inside.
private let scratch = ScratchFile(name: "model.keras")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? KerasArchiveImporter.load(scratch.write(data, size))
    return 0
}
