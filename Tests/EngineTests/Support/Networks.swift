import TestSupport
import NetworkModel

/// Small networks exercising every stage of a typical classifier.
enum TestNetworks {
    /// conv → batch norm → relu → max pool → depthwise conv → avg pool → flatten → dense → softmax.
    static func classifier(channels: Int = 3, size: Int = 12, seed: UInt64 = 7) throws -> Network {
        let conv1 = Conv2DOp(weight: try randomTensor([8, channels, 3, 3], seed: seed), bias: try randomTensor([8], seed: seed + 1),
                             padding: .sameUpper)
        var rng = SplitMix64(seed: seed + 2)
        let bn = BatchNormOp(scale: (0..<8).map { _ in rng.uniform() + 1.5 }, bias: (0..<8).map { _ in rng.uniform() },
                             mean: (0..<8).map { _ in rng.uniform() }, variance: (0..<8).map { _ in rng.uniform() + 1.2 },
                             epsilon: 1e-5)
        let pool = Pool2DOp(kind: .max, kernel: [2, 2], strides: [2, 2])
        let depthwise = Conv2DOp(weight: try randomTensor([8, 1, 3, 3], seed: seed + 3), bias: nil,
                                 padding: .explicit(top: 1, left: 1, bottom: 1, right: 1), group: 8)
        let avg = Pool2DOp(kind: .average, kernel: [3, 3], strides: [2, 2], padding: .sameUpper)
        let spatial = (size / 2 + 1) / 2
        let dense = DenseOp(weight: try randomTensor([8 * spatial * spatial, 10], seed: seed + 4),
                            bias: try randomTensor([10], seed: seed + 5))
        let ops: [(String, Operation)] = [
            ("conv1", .conv2d(conv1)), ("bn", .batchNorm(bn)), ("relu", .activation(.relu)), ("pool", .pool2d(pool)),
            ("dw", .conv2d(depthwise)), ("avg", .pool2d(avg)), ("flat", .flatten(axis: 1)), ("fc", .dense(dense)),
            ("softmax", .softmax(axis: -1)),
        ]
        var nodes = [Node]()
        var previous = "x"
        for (name, op) in ops {
            nodes.append(Node(name: name, operation: op, inputs: [previous], output: name))
            previous = name
        }
        return try Network(name: "classifier", inputs: [NetworkInput(name: "x", shape: [channels, size, size])],
                           outputs: [previous], nodes: nodes)
    }

    /// A residual block: conv → relu → conv → add(skip) → relu → global average pool → dense, with
    /// 1-channel 28 × 28 inputs, so both the convolution chunks and the add see every batching.
    static func residual(seed: UInt64 = 11) throws -> Network {
        let stem = Conv2DOp(weight: try randomTensor([8, 1, 3, 3], seed: seed), bias: try randomTensor([8], seed: seed + 1),
                            padding: .sameUpper)
        let inner = Conv2DOp(weight: try randomTensor([8, 8, 3, 3], seed: seed + 2, scale: 0.3),
                             bias: try randomTensor([8], seed: seed + 3), padding: .sameUpper)
        let dense = DenseOp(weight: try randomTensor([8, 10], seed: seed + 4), bias: try randomTensor([10], seed: seed + 5))
        let nodes = [
            Node(name: "stem", operation: .conv2d(stem), inputs: ["x"], output: "stem"),
            Node(name: "stem/act", operation: .activation(.relu), inputs: ["stem"], output: "a"),
            Node(name: "inner", operation: .conv2d(inner), inputs: ["a"], output: "inner"),
            Node(name: "add", operation: .add, inputs: ["inner", "a"], output: "sum"),
            Node(name: "add/act", operation: .activation(.relu), inputs: ["sum"], output: "b"),
            Node(name: "gap", operation: .globalPool(.average), inputs: ["b"], output: "gap"),
            Node(name: "flat", operation: .flatten(axis: 1), inputs: ["gap"], output: "flat"),
            Node(name: "fc", operation: .dense(dense), inputs: ["flat"], output: "y"),
        ]
        return try Network(name: "residual", inputs: [NetworkInput(name: "x", shape: [1, 28, 28])], outputs: ["y"], nodes: nodes)
    }
}
