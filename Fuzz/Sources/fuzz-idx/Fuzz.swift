import Datasets
import FuzzSupport

/// IDX files, plain or gzipped: through the file reader, which gunzips what starts with the gzip
/// magic, so both paths meet the fuzzer.
private let scratch = ScratchFile(name: "input-idx3-ubyte")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? IDXFormat.read(scratch.write(data, size))
    return 0
}
