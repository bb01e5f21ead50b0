import Datasets
import FuzzSupport

/// IDX files, plain or gzipped, as `--data` loads them (the file reader gunzips what starts with the
/// gzip magic, so both paths meet the fuzzer), then sized as every consumer sizes them first.
private let scratch = ScratchFile(name: "input-idx3-ubyte")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if let set = try? DatasetLoader.load(scratch.write(data, size).path) {
        _ = set.elementsPerSample
    }
    return 0
}
