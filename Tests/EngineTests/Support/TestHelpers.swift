import Engine
import NetworkModel
import Testing

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, seeded, identical on every platform.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1), from the top 24 bits so every value is an exact float.
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}

func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) throws -> Tensor {
    var rng = SplitMix64(seed: seed)
    let count = shape.reduce(1, *)
    return try Tensor(shape: shape, data: (0..<count).map { _ in rng.uniform() * scale })
}

/// |a − b| ≤ tolerance · max(1, |b|) element by element (1e-5 relative/absolute for float32).
func expectClose(_ actual: Tensor, _ expected: Tensor, tolerance: Float = 1e-5,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, "shape \(actual.shape) ≠ \(expected.shape)", sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    var worst = (index: -1, error: Float(0))
    for i in 0..<actual.count {
        let a = actual.data[i], b = expected.data[i]
        let error = abs(a - b) / max(1, abs(b))
        if !(error <= tolerance) && (worst.index < 0 || !(error <= worst.error)) { worst = (i, error) }
    }
    #expect(worst.index < 0,
            "element \(worst.index): \(worst.index >= 0 ? actual.data[worst.index] : 0) vs \(worst.index >= 0 ? expected.data[worst.index] : 0)",
            sourceLocation: sourceLocation)
}

/// A network of one node reading `x` (and `extraInputs`) and writing `y`.
func singleNodeNetwork(_ operation: Operation, input: [Int], extraInputs: [String] = [],
                       more: [NetworkInput] = [], constants: [String: Tensor] = [:]) throws -> Network {
    try Network(name: "test", inputs: [NetworkInput(name: "x", shape: input)] + more, outputs: ["y"],
                nodes: [Node(name: "op", operation: operation, inputs: ["x"] + extraInputs, output: "y")],
                constants: constants)
}

func runNetwork(_ network: Network, _ x: Tensor, threads: Int = 2) throws -> Tensor {
    try InferenceEngine(network: network, options: .init(threads: threads)).run(x)
}

/// Row-major strides, written out here so references do not lean on the code under test.
func referenceStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) { strides[i] = acc; acc *= shape[i] }
    return strides
}

/// Multi-index of a flat index.
func referenceIndex(_ flat: Int, _ shape: [Int]) -> [Int] {
    var rest = flat
    var index = [Int](repeating: 0, count: shape.count)
    for i in stride(from: shape.count - 1, through: 0, by: -1) { index[i] = rest % shape[i]; rest /= shape[i] }
    return index
}
