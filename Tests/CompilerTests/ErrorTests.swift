import Testing
import Devices
import NetworkModel
import Plan
import Compiler

/// A short name for the error's case, so tests do not depend on message wording.
func caseName(_ e: CompileError) -> String {
    switch e {
    case .invalidOption(let o, _): return "option \(o)"
    case .invalidDevice: return "device"
    case .unknownLayer(let n): return "unknown \(n)"
    case .notACrossbarLayer(let n, _): return "not crossbar \(n)"
    case .tileLargerThanArray(let l, _, _, _, _): return "tile>array \(l)"
    case .nothingToMap: return "nothing"
    case .sizeOverflow: return "overflow"
    case .network: return "network"
    case .tooLarge: return "too large"
    case .defectMap(let e): return "defect map line \(e.line)"
    }
}

let badOptions: [(String, @Sendable (inout CompileOptions) -> Void)] = [
    ("option tile size", { $0.tileRows = 0 }),
    ("option tile size", { $0.tileColumns = -3 }),
    ("option clip", { $0.clip = .percentile(0) }),
    ("option clip", { $0.clip = .percentile(100.5) }),
    ("option clip", { $0.clip = .percentile(.nan) }),
    ("option clip", { $0.clip = .sigma(0) }),
    ("option clip", { $0.clip = .sigma(-1) }),
    ("option significance", { $0.pairs = .dual(significance: 1) }),
    ("option significance", { $0.pairs = .dual(significance: 0.5) }),
    ("option devices per conductance", { $0.devicesPerConductance = 0 }),
    ("option array size", { $0.arrayRows = 0 }),
    ("tile>array fc", { $0.arrayRows = 100 }),            // 256-row tile of a 300-row matrix
    ("tile>array fc", { $0.arrayColumns = 511 }),         // 256 columns × 2 devices
    ("unknown nope", { $0.keepDigital = ["nope"] }),
    ("nothing", { $0.keepDigital = ["fc"] }),
    ("overflow", { $0.tileRows = Int.max / 2; $0.tileColumns = Int.max / 2 }),
    // 90,000 weights × 2 × 10^6 devices: 720 GB of targets, refused before any allocation.
    ("too large", { $0.devicesPerConductance = 1_000_000 }),
    ("too large", { $0.devicesPerConductance = Int.max }),           // the device list of one weight overflows
    ("too large", { $0.devicesPerConductance = 1 << 40 }),           // the device list alone exceeds memory
]

@Test(arguments: badOptions.indices)
func badOptionsAreRejected(index: Int) throws {
    let (expected, edit) = badOptions[index]
    var o = CompileOptions()
    edit(&o)
    let n = try TestNetworks.dense(inputs: 300, outputs: 300)
    #expect(throws: CompileError.self) { try TestNetworks.compile(n, .rram, o) }
    do {
        _ = try TestNetworks.compile(n, .rram, o)
    } catch {
        #expect(caseName(error) == expected, "\(error)")
        #expect(!error.description.isEmpty)
    }
}

@Test func invalidDeviceRangeIsRejected() throws {
    var spec = DeviceSpec.rram
    spec.gMax_uS = spec.gMin_uS
    let n = try TestNetworks.dense(inputs: 3, outputs: 3)
    do {
        _ = try TestNetworks.compile(n, spec, CompileOptions())
        Issue.record("expected an error")
    } catch { #expect(caseName(error) == "device") }
}

@Test func networkWithoutMatrixProductsIsRejected() throws {
    let n = try Network(name: "relu", inputs: [NetworkInput(name: "x", shape: [3])], outputs: ["y"],
                        nodes: [Node(name: "r", operation: .activation(.relu), inputs: ["x"], output: "y")])
    do {
        _ = try TestNetworks.compile(n, .rram, CompileOptions())
        Issue.record("expected an error")
    } catch { #expect(caseName(error) == "nothing") }
}
