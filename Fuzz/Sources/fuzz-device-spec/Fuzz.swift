import Devices
import Foundation
import FuzzSupport

/// A device spec as `--device FILE.json` reads it, then the pulse counts the compiler's tester-time
/// estimate and the simulators derive from an accepted spec first.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if let spec = try? DeviceSpec.decode(Data(bytes: data, count: size), file: "spec.json") {
        _ = spec.programVerify.set.stepsToCeiling + spec.programVerify.reset.stepsToCeiling
    }
    return 0
}
