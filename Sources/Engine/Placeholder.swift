import NetworkModel
// Placeholder API until the engine lands.
public struct InferenceEngine {
    public init(network: Network, threads: Int? = nil) throws {}
    public func run(_ input: Tensor) throws -> Tensor { input }
}
