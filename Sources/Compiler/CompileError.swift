import Plan

/// Why a network cannot be compiled with the given device and options. Each description is one
/// sentence naming the option or layer at fault, because it is printed as is by `imprint compile`.
public enum CompileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A compile option outside its domain (`option` names the `CompileOptions` value, e.g. `tile size`).
    case invalidOption(option: String, detail: String)
    /// The device spec cannot hold weights (e.g. g_max ≤ g_min).
    case invalidDevice(String)
    /// The layers kept digital name a node the network does not have.
    case unknownLayer(String)
    /// The layers kept digital name a node that is not a matrix product (nor a batch norm that would
    /// be folded), so it is digital anyway.
    case notACrossbarLayer(node: String, kind: String)
    /// A layer's tile needs more devices than one array has.
    case tileLargerThanArray(layer: String, tileRows: Int, tileDeviceColumns: Int, arrayRows: Int, arrayColumns: Int)
    /// Nothing left to put on crossbars.
    case nothingToMap(String)
    /// A size computation overflowed (absurd tile or array options, or a gigantic network).
    case sizeOverflow(String)
    /// Rebuilding the network (batch-norm folding) failed.
    case network(String)
    /// The plan could not fit in this machine's memory (the sentence says how large it would be).
    case tooLarge(String)
    /// The defect map names a device the plan does not have.
    case defectMap(DefectMapError)

    public var description: String {
        switch self {
        case .invalidOption(let o, let d): return "invalid option \(o): \(d)"
        case .invalidDevice(let d): return "the device spec cannot hold weights: \(d)"
        case .unknownLayer(let n): return "the layers kept digital name '\(n)', which is not a node of the network"
        case .notACrossbarLayer(let n, let k):
            return "the layers kept digital name '\(n)', a \(k) node, which is not a matrix product and stays digital anyway"
        case .tileLargerThanArray(let l, let tr, let tc, let ar, let ac):
            return "layer '\(l)': a tile needs \(tr) × \(tc) devices, more than an array of \(ar) × \(ac) holds; "
                + "use a smaller tile or a larger array"
        case .nothingToMap(let d): return "nothing to place on crossbars: \(d)"
        case .sizeOverflow(let d): return "size overflow: \(d)"
        case .network(let d): return "could not rebuild the network: \(d)"
        case .tooLarge(let d): return d
        case .defectMap(let e): return e.description
        }
    }
}
