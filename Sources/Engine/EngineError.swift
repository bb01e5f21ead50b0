import NetworkModel

/// Why inference could not run. Each description reads as one sentence naming the input, node or
/// option concerned, so the command line can print it as is.
public enum EngineError: Error, Equatable, CustomStringConvertible, Sendable {
    /// An input tensor's shape does not match the network; `expected` is per sample (no batch axis).
    case inputShape(input: String, expected: [Int], actual: [Int])
    /// A network input was not supplied.
    case missingInput(String)
    /// A tensor was supplied under a name the network does not read.
    case unknownInput(String)
    /// Inputs disagree on the batch size.
    case batchMismatch(String)
    /// The single-tensor `run` was used on a network with several inputs or outputs.
    case notSingleInputOutput(inputs: Int, outputs: Int)
    /// A node's shape could not be inferred for the actual batch.
    case shape(NetworkError)
    /// A reshape merged or split the batch axis, which per-sample execution cannot follow.
    case batchAxisChanged(node: String, shape: [Int])
    /// A matrix-product provider could not serve a node (wrong network, hardware model failure).
    case provider(node: String, detail: String)
    /// A size exceeds what the kernels or BLAS can index.
    case tooLarge(String)
    /// An option or argument is out of range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .inputShape(let name, let expected, let actual):
            return "input '\(name)' has shape \(actual); the network expects [N] + \(expected)"
        case .missingInput(let name): return "the network input '\(name)' was not supplied"
        case .unknownInput(let name): return "'\(name)' is not an input of the network"
        case .batchMismatch(let detail): return "inputs disagree on the batch size: \(detail)"
        case .notSingleInputOutput(let i, let o):
            return "the network has \(i) input(s) and \(o) output(s); use run(inputs:) to name them"
        case .shape(let error): return "shape inference failed: \(error.description)"
        case .batchAxisChanged(let node, let shape):
            return "node '\(node)' produces shape \(shape), which does not keep the batch axis"
        case .provider(let node, let detail): return "matrix product of node '\(node)' failed: \(detail)"
        case .tooLarge(let detail): return "too large to compute: \(detail)"
        case .invalidArgument(let detail): return "invalid argument: \(detail)"
        }
    }
}
