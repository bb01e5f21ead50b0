import Devices
import Foundation
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? DeviceSpec.decode(Data(bytes: data, count: size), file: "spec.json")
    return 0
}
