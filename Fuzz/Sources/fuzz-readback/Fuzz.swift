import FuzzSupport
import Foundation
import Plan
import TesterFiles

/// A tester's read-back (CSV or JSON Lines: the extension is neither, so the reader sniffs), joined
/// by address to a small real plan, partial so that a short input still reaches the join.
private let plan = try! PlanFile.read(fixturePlanURL())
private let scratch = ScratchFile(name: "input.readback")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? ReadBack.read(scratch.write(data, size), plan: plan, planSHA256: nil, partial: true)
    return 0
}
