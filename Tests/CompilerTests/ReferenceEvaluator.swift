import NetworkModel

/// A tiny direct evaluator (batch of one) for the node kinds the folding tests use: dense, valid
/// stride-1 convolution, batch norm, ReLU and flatten. Slow and obvious on purpose.
enum ReferenceEvaluator {
    struct Unsupported: Error {}

    static func run(_ network: Network, _ input: [Float]) throws -> [Float] {
        var values = [network.inputs[0].name: input]
        for node in network.nodes {
            guard let x = values[node.inputs[0]], let inShape = network.sampleShape(of: node.inputs[0]) else { throw Unsupported() }
            switch node.operation {
            case .dense(let d):
                values[node.output] = (0..<d.outputs).map { o in
                    (0..<d.inputs).reduce(d.bias?.data[o] ?? 0) { $0 + x[$1] * d.weight.data[$1 * d.outputs + o] }
                }
            case .conv2d(let c):
                let (ci, h, w) = (inShape[0], inShape[1], inShape[2])
                let (kh, kw) = (c.kernel[0], c.kernel[1])
                let (oh, ow) = (h - kh + 1, w - kw + 1)
                var y = [Float](repeating: 0, count: c.outChannels * oh * ow)
                for o in 0..<c.outChannels { for i in 0..<oh { for j in 0..<ow {
                    var s = c.bias?.data[o] ?? 0
                    for k in 0..<ci { for a in 0..<kh { for b in 0..<kw {
                        s += x[(k * h + i + a) * w + j + b] * c.weight.data[((o * ci + k) * kh + a) * kw + b]
                    } } }
                    y[(o * oh + i) * ow + j] = s
                } } }
                values[node.output] = y
            case .batchNorm(let bn):
                let per = x.count / bn.channels
                values[node.output] = x.indices.map { i in
                    let c = i / per
                    return (x[i] - bn.mean[c]) / (bn.variance[c] + bn.epsilon).squareRoot() * bn.scale[c] + bn.bias[c]
                }
            case .activation(.relu): values[node.output] = x.map { max($0, 0) }
            case .flatten, .identity: values[node.output] = x
            case .add:
                guard let y = values[node.inputs[1]] else { throw Unsupported() }
                values[node.output] = zip(x, y).map(+)
            default: throw Unsupported()
            }
        }
        guard let out = values[network.outputs[0]] else { throw Unsupported() }
        return out
    }
}
