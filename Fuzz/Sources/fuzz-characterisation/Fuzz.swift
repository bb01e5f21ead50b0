import DeviceFit
import FuzzSupport
import Foundation

/// Characterisation data (`imprint fit`'s input), read and reduced per device; the extension is
/// neither .csv nor .jsonl, so the reader sniffs the format.
private let scratch = ScratchFile(name: "input.characterisation")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? CharacterisationData.load(url: scratch.write(data, size), name: "input.characterisation")
    return 0
}
