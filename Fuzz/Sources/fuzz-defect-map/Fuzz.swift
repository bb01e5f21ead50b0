import FuzzSupport
import DeviceSimulation
import Foundation
import Plan
import TesterFiles
import Verifier

/// A defect map, read and then resolved to the devices of a small real plan's tiles (addresses,
/// wildcard rows and columns) as `verify --defects` does.
private let plan = try! PlanFile.read(fixturePlanURL())
private let scratch = ScratchFile(name: "defects.csv")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let url = scratch.write(data, size)
    if let map = try? DefectMap.read(url.path) {
        _ = try? TileFaults.of(plan: plan, defects: map.defects, file: url.path)
    }
    return 0
}
