import Datasets
import FuzzSupport

/// An HDF5 data file (`--data file.h5:/dataset`): the dataset is always `/x`, as the seeds hold it.
private let scratch = ScratchFile(name: "data.h5")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? DatasetLoader.load(scratch.write(data, size).path + ":/x")
    return 0
}
