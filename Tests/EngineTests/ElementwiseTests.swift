import Engine
import Foundation
import NetworkModel
import Testing

struct ActivationCase: Sendable, CustomStringConvertible {
    var activation: Activation
    /// (input, expected) pairs from the definition, computed independently (double precision).
    var known: [(Float, Float)]
    /// The definition in double precision, for random inputs.
    var reference: @Sendable (Double) -> Double
    var description: String { "\(activation)" }
}

let activationCases: [ActivationCase] = [
    ActivationCase(activation: .relu, known: [(-1, 0), (0, 0), (2.5, 2.5)]) { max($0, 0) },
    ActivationCase(activation: .leakyRelu(alpha: 0.1), known: [(-2, -0.2), (3, 3)]) { $0 >= 0 ? $0 : 0.1 * $0 },
    ActivationCase(activation: .clip(min: 0, max: 6), known: [(-1, 0), (7, 6), (3, 3)]) { min(max($0, 0), 6) },
    ActivationCase(activation: .sigmoid, known: [(0, 0.5), (2, 0.8807970779778823), (-100, 0)]) { 1 / (1 + exp(-$0)) },
    ActivationCase(activation: .hardSigmoid(alpha: 0.2, beta: 0.5), known: [(1, 0.7), (3, 1), (-3, 0)]) {
        max(0, min(1, 0.2 * $0 + 0.5))
    },
    ActivationCase(activation: .tanh, known: [(0.5, 0.46211715726000974), (0, 0)]) { tanh($0) },
    ActivationCase(activation: .gelu(approximateTanh: false),
                   known: [(1, 0.8413447460685429), (-1, -0.15865525393145707), (0, 0)]) {
        0.5 * $0 * (1 + erf($0 / 2.0.squareRoot()))
    },
    ActivationCase(activation: .gelu(approximateTanh: true), known: [(1, 0.8411919906082768), (0, 0)]) {
        0.5 * $0 * (1 + tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0)))
    },
    ActivationCase(activation: .elu(alpha: 1), known: [(-1, -0.6321205588285577), (2, 2)]) { $0 > 0 ? $0 : exp($0) - 1 },
    ActivationCase(activation: .swish, known: [(1, 0.7310585786300049), (0, 0)]) { $0 / (1 + exp(-$0)) },
    ActivationCase(activation: .softplus, known: [(0, 0.6931471805599453), (100, 100), (-100, 0)]) { log(1 + exp($0)) },
]

@Suite struct ElementwiseTests {
    @Test(arguments: activationCases)
    func activationAtKnownPoints(_ c: ActivationCase) throws {
        let network = try singleNodeNetwork(.activation(c.activation), input: [c.known.count])
        let x = try Tensor(shape: [1, c.known.count], data: c.known.map(\.0))
        let expected = try Tensor(shape: [1, c.known.count], data: c.known.map(\.1))
        expectClose(try runNetwork(network, x), expected)
    }

    @Test(arguments: activationCases)
    func activationOnRandomValues(_ c: ActivationCase) throws {
        let network = try singleNodeNetwork(.activation(c.activation), input: [3, 50])
        let x = try randomTensor([4, 3, 50], seed: 51, scale: 6)
        let expected = try Tensor(shape: x.shape, data: x.data.map { Float(c.reference(Double($0))) })
        expectClose(try runNetwork(network, x), expected)
    }

    @Test(arguments: [[5], [3, 7], [3, 4, 5]])
    func batchNormOverAxisOne(_ sampleShape: [Int]) throws {
        let channels = sampleShape[0]
        var rng = SplitMix64(seed: 61)
        let scale = (0..<channels).map { _ in rng.uniform() * 2 }
        let bias = (0..<channels).map { _ in rng.uniform() }
        let mean = (0..<channels).map { _ in rng.uniform() }
        let variance = (0..<channels).map { _ in rng.uniform() + 1.5 }
        let op = BatchNormOp(scale: scale, bias: bias, mean: mean, variance: variance, epsilon: 1e-3)
        let network = try singleNodeNetwork(.batchNorm(op), input: sampleShape)
        let x = try randomTensor([3] + sampleShape, seed: 62)
        let inner = sampleShape.dropFirst().reduce(1, *)
        let expected = try Tensor(shape: x.shape, data: x.data.indices.map { i in
            let c = (i / inner) % channels
            return Float((Double(x.data[i]) - Double(mean[c])) / (Double(variance[c]) + 1e-3).squareRoot()
                * Double(scale[c]) + Double(bias[c]))
        })
        expectClose(try runNetwork(network, x), expected)
    }

    @Test(arguments: [1, 2, 3, -1])
    func softmaxByDefinition(_ axis: Int) throws {
        let network = try singleNodeNetwork(.softmax(axis: axis), input: [3, 4, 5])
        let x = try randomTensor([2, 3, 4, 5], seed: 71, scale: 8)
        expectClose(try runNetwork(network, x), try Reference.softmax(x, axis: axis))
    }

    /// Large logits would overflow exp without the max subtraction.
    @Test func softmaxIsStableForLargeLogits() throws {
        let network = try singleNodeNetwork(.softmax(axis: -1), input: [3])
        let y = try runNetwork(network, try Tensor(shape: [1, 3], data: [1000, 1000, 1000 - Float(log(2.0))]))
        expectClose(y, try Tensor(shape: [1, 3], data: [0.4, 0.4, 0.2]), tolerance: 1e-4)
    }
}
