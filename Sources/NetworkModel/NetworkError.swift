/// Why a network is not valid. Descriptions read as one sentence naming the node concerned.
public enum NetworkError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalidTensor(String)
    case unknownTensor(node: String, tensor: String)
    case duplicateTensor(String)
    case shapeMismatch(node: String, detail: String)
    case invalidAttribute(node: String, detail: String)
    case nonFiniteParameter(node: String, parameter: String)
    case cycle(String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case .invalidTensor(let d): return "invalid tensor: \(d)"
        case .unknownTensor(let n, let t): return "node '\(n)' reads tensor '\(t)', which nothing produces"
        case .duplicateTensor(let t): return "tensor '\(t)' is produced more than once"
        case .shapeMismatch(let n, let d): return "node '\(n)': shape mismatch: \(d)"
        case .invalidAttribute(let n, let d): return "node '\(n)': \(d)"
        case .nonFiniteParameter(let n, let p): return "node '\(n)': parameter '\(p)' contains NaN or Inf"
        case .cycle(let d): return "the graph has a cycle: \(d)"
        case .invalidInput(let d): return "invalid network input: \(d)"
        }
    }
}
