import FuzzSupport
import Foundation
import Plan

/// A `.plan` file: the record framing, the protobuf-c records, the checks against the header and
/// the checksum. The reader streams from a file, so each input is written to one first.
private let scratch = ScratchFile(name: "input.plan")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? PlanFile.read(scratch.write(data, size))
    return 0
}
