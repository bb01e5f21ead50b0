import Datasets
import FuzzSupport

/// `.npy` from memory, then the data set built from it and sized as every consumer sizes it first.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if let array = try? NPYFormat.parse(bytes(data, size), file: "input.npy"),
       let set = try? Dataset(source: "input.npy", samples: array) {
        _ = set.elementsPerSample
    }
    return 0
}
