import Datasets
import FuzzSupport

/// An HDF5 data file as `--data file.h5:/x` loads it (the seeds hold their array at `/x`), then sized
/// as every consumer sizes it first.
private let scratch = ScratchFile(name: "data.h5")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if let set = try? DatasetLoader.load(scratch.write(data, size).path + ":/x") {
        _ = set.elementsPerSample
    }
    return 0
}
