import FuzzSupport
import Foundation
import ModelImport

/// A Keras 2 HDF5 model (libhdf5 reads only from a file, so each input is written to one first).
private let scratch = ScratchFile(name: "model.h5")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? KerasHDF5Importer.load(scratch.write(data, size))
    return 0
}
