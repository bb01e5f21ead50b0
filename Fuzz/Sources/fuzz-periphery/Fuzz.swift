import Foundation
import FuzzSupport
import Verifier

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? Periphery.decode(Data(bytes: data, count: size), file: "periphery.json")
    return 0
}
