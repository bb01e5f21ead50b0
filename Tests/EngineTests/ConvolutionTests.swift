@testable import Engine
import NetworkModel
import Testing

struct ConvCase: Sendable, CustomStringConvertible {
    var name: String
    var inChannels = 3, outChannels = 4, height = 6, width = 5
    var kernel = [3, 3], strides = [1, 1], dilations = [1, 1]
    var padding = Padding2D.valid
    var group = 1
    var bias = true
    var description: String { name }
}

let convCases: [ConvCase] = [
    ConvCase(name: "plain 3x3"),
    ConvCase(name: "no bias", bias: false),
    ConvCase(name: "stride 2, pad 1", strides: [2, 2], padding: .explicit(top: 1, left: 1, bottom: 1, right: 1)),
    ConvCase(name: "asymmetric pads, 2x3 kernel", kernel: [2, 3], padding: .explicit(top: 0, left: 1, bottom: 2, right: 1)),
    ConvCase(name: "dilation 2, pad 2", height: 7, width: 7, dilations: [2, 2], padding: .explicit(top: 2, left: 2, bottom: 2, right: 2)),
    ConvCase(name: "same upper, stride 2", height: 7, width: 6, strides: [2, 2], padding: .sameUpper),
    ConvCase(name: "same lower, even kernel", kernel: [4, 4], strides: [2, 2], padding: .sameLower),
    ConvCase(name: "same upper, dilation 2", dilations: [2, 2], padding: .sameUpper),
    ConvCase(name: "2 groups", inChannels: 4, outChannels: 6, group: 2),
    ConvCase(name: "depthwise", inChannels: 3, outChannels: 3, padding: .sameUpper, group: 3),
    ConvCase(name: "depthwise, multiplier 2, stride 2", inChannels: 3, outChannels: 6, strides: [2, 2],
             padding: .explicit(top: 1, left: 1, bottom: 1, right: 1), group: 3),
    ConvCase(name: "1x1, stride 2", inChannels: 5, outChannels: 7, kernel: [1, 1], strides: [2, 2]),
    // 1×1, stride 1: im2col is a transpose in 16-pixel × 64-channel tiles of 4 × 4 blocks; these
    // leave pixel and channel tails (30 = 7·4 + 2 pixels, 3 channels; 63 pixels, 70 channels).
    // Kernel rows of 3 or 5 taps, a multiple of 4 per window, packed four to 3 or 5 stores
    // (windows at the right edge, where a 4-wide load would leave the row, are copied otherwise).
    ConvCase(name: "3x3, 4 channels, pad 1", inChannels: 4, height: 6, width: 7,
             padding: .explicit(top: 1, left: 1, bottom: 1, right: 1)),
    ConvCase(name: "5x5, 4 channels, same", inChannels: 4, outChannels: 3, height: 7, width: 9, kernel: [5, 5],
             padding: .sameUpper),
    ConvCase(name: "3x3, 2 groups of 4 channels, stride 2", inChannels: 8, outChannels: 6, height: 9, width: 8,
             strides: [2, 2], group: 2),
    ConvCase(name: "1x1", kernel: [1, 1]),
    ConvCase(name: "1x1, 70 channels, 63 pixels", inChannels: 70, outChannels: 5, height: 9, width: 7, kernel: [1, 1]),
    ConvCase(name: "1x1, 2 groups", inChannels: 12, outChannels: 6, height: 4, width: 5, kernel: [1, 1], group: 2),
    // 64 pixels a sample: the direct path reads the input in place (no planes), group by group.
    ConvCase(name: "1x1, 8x8, read in place", inChannels: 6, outChannels: 5, height: 8, width: 8, kernel: [1, 1]),
    ConvCase(name: "1x1, 8x8, 2 groups, read in place", inChannels: 6, outChannels: 4, height: 8, width: 8, kernel: [1, 1],
             group: 2),
    // 64 output pixels: whole 16-position steps, so the direct path writes the output planes itself;
    // 11 channels leave a last block of three, whose other rows must not be written.
    ConvCase(name: "8x8 output, 11 channels", outChannels: 11, height: 8, width: 8,
             padding: .explicit(top: 1, left: 1, bottom: 1, right: 1)),
    ConvCase(name: "mixed stride and dilation", height: 8, width: 9, strides: [2, 1], dilations: [1, 2],
             padding: .explicit(top: 1, left: 0, bottom: 0, right: 2)),
]

/// The two ways the engine computes a convolution: straight from the planes (`DirectConvolution`,
/// for fixed products such as the exact provider's) and as im2col, provider product and scatter.
enum ConvolutionPath: String, CaseIterable, Sendable { case direct, gemm }

/// The exact products through `multiply` only: a provider that does not offer fixed products.
struct ProductsOnly: MatrixProductProvider {
    let exact: ExactMatrixProducts
    init(network: Network) { exact = ExactMatrixProducts(network: network) }
    func multiply(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
                  context: MatrixProductContext) throws(EngineError) {
        try exact.multiply(input, into: output, context: context)
    }
}

func engine(_ network: Network, path: ConvolutionPath, threads: Int = 2, scratchBytes: Int = 1 << 20) throws -> InferenceEngine {
    let engine = try InferenceEngine(network: network, provider: path == .direct ? nil : ProductsOnly(network: network),
                                     options: .init(threads: threads, scratchBytes: scratchBytes))
    let convolutions = network.nodes.indices.filter { if case .conv2d = network.nodes[$0].operation { true } else { false } }
    #expect(convolutions.allSatisfy { (engine.direct[$0] != nil) == (path == .direct) })
    return engine
}

@Suite struct ConvolutionTests {
    @Test(arguments: convCases, ConvolutionPath.allCases)
    func matchesDirectConvolution(_ c: ConvCase, path: ConvolutionPath) throws {
        let weight = try randomTensor([c.outChannels, c.inChannels / c.group, c.kernel[0], c.kernel[1]], seed: 11)
        let bias = c.bias ? try randomTensor([c.outChannels], seed: 12) : nil
        let op = Conv2DOp(weight: weight, bias: bias, strides: c.strides, dilations: c.dilations,
                          padding: c.padding, group: c.group)
        let network = try singleNodeNetwork(.conv2d(op), input: [c.inChannels, c.height, c.width])
        let x = try randomTensor([3, c.inChannels, c.height, c.width], seed: 13)

        let pads: (Int, Int, Int, Int)
        switch c.padding {
        case .explicit(let t, let l, let b, let r): pads = (t, l, b, r)
        case .sameUpper, .sameLower:
            pads = Reference.samePads(h: c.height, w: c.width, kernel: c.kernel, strides: c.strides,
                                      dilations: c.dilations, upper: c.padding == .sameUpper)
        }
        let expected = try Reference.conv(x, weight: weight, bias: bias, strides: c.strides,
                                          dilations: c.dilations, pads: pads, group: c.group)
        expectClose(try engine(network, path: path).run(x), expected)
    }

    /// 1..16 through a 3×3 kernel of ones: each output is the sum of a 3×3 window, plus the bias.
    @Test func handComputedWindowSums() throws {
        let x = try Tensor(shape: [1, 1, 4, 4], data: (1...16).map(Float.init))
        let op = Conv2DOp(weight: Tensor(shape: [1, 1, 3, 3], repeating: 1), bias: try Tensor(shape: [1], data: [1]))
        let y = try runNetwork(try singleNodeNetwork(.conv2d(op), input: [1, 4, 4]), x)
        #expect(y.shape == [1, 1, 2, 2])
        #expect(y.data == [55, 64, 91, 100])
    }

    /// A centred one-hot kernel with one pixel of padding reproduces its input.
    @Test func centredKernelIsIdentity() throws {
        var kernel = Tensor(shape: [1, 1, 3, 3])
        kernel.data[4] = 1
        let op = Conv2DOp(weight: kernel, bias: nil, padding: .explicit(top: 1, left: 1, bottom: 1, right: 1))
        let x = try randomTensor([2, 1, 5, 4], seed: 5)
        let y = try runNetwork(try singleNodeNetwork(.conv2d(op), input: [1, 5, 4]), x)
        #expect(y == x)
    }

    /// A tiny scratch budget forces one sample per im2col chunk; results must not depend on it.
    @Test(arguments: ConvolutionPath.allCases)
    func chunkingDoesNotChangeResults(_ path: ConvolutionPath) throws {
        let op = Conv2DOp(weight: try randomTensor([8, 3, 3, 3], seed: 1), bias: try randomTensor([8], seed: 2),
                          padding: .sameUpper)
        let network = try singleNodeNetwork(.conv2d(op), input: [3, 9, 9])
        let x = try randomTensor([5, 3, 9, 9], seed: 3)
        let small = try engine(network, path: path, scratchBytes: 4).run(x)
        let large = try engine(network, path: path).run(x)
        #expect(small.data.map(\.bitPattern) == large.data.map(\.bitPattern))
    }

    /// A ReLU that alone reads a convolution is applied as the convolution writes its output;
    /// when the convolution's output is also a network output it stays a step of its own. Either
    /// way the ReLU's output is max(conv, 0) of the unfused convolution, bit for bit, NaNs (the
    /// input holds one) becoming 0.
    @Test(arguments: ConvolutionPath.allCases)
    func reluReadingOnlyAConvolutionGivesTheSameBits(_ path: ConvolutionPath) throws {
        let op = Conv2DOp(weight: try randomTensor([6, 2, 3, 3], seed: 31), bias: try randomTensor([6], seed: 32),
                          padding: .sameUpper)
        var x = try randomTensor([5, 2, 7, 9], seed: 33)
        x.data[17] = .nan
        let conv = Node(name: "conv", operation: .conv2d(op), inputs: ["x"], output: "c")
        let relu = Node(name: "relu", operation: .activation(.relu), inputs: ["c"], output: "y")
        let input = [NetworkInput(name: "x", shape: [2, 7, 9])]
        let fused = try Network(name: "fused", inputs: input, outputs: ["y"], nodes: [conv, relu])
        let separate = try Network(name: "separate", inputs: input, outputs: ["y", "c"], nodes: [conv, relu])
        let convOnly = try engine(try singleNodeNetwork(.conv2d(op), input: [2, 7, 9]), path: path).run(x)
        let expected = convOnly.data.map { $0 > 0 ? $0 : 0 }
        #expect(convOnly.data.contains { $0.isNaN } && convOnly.data.contains { $0 < 0 })
        for threads in [1, 2] {
            let y = try engine(fused, path: path, threads: threads).run(x)
            #expect(y.data.map(\.bitPattern) == expected.map(\.bitPattern))
            let both = try engine(separate, path: path, threads: threads).run(inputs: ["x": x])
            #expect(both["y"]?.data.map(\.bitPattern) == expected.map(\.bitPattern))
            #expect(both["c"]?.data.map(\.bitPattern) == convOnly.data.map(\.bitPattern))
        }
    }

    /// A 2×2, stride-2 max pool that alone reads a convolution (or the ReLU that alone reads it) is
    /// computed as the convolution writes its output: the same bits as the separate steps (a network
    /// whose intermediate outputs are network outputs keeps them separate), for odd sizes (floor
    /// mode), channel counts that leave a remainder after groups of four, two groups, and a NaN.
    @Test(arguments: [(relu: true, groups: 1, outChannels: 6), (relu: false, groups: 1, outChannels: 5),
                      (relu: true, groups: 2, outChannels: 10), (relu: true, groups: 1, outChannels: 17)],
          ConvolutionPath.allCases)
    func maxPoolAfterAConvolutionGivesTheSameBits(_ c: (relu: Bool, groups: Int, outChannels: Int), path: ConvolutionPath) throws {
        let op = Conv2DOp(weight: try randomTensor([c.outChannels, 4 / c.groups, 3, 3], seed: 41),
                          bias: try randomTensor([c.outChannels], seed: 42), padding: .sameUpper, group: c.groups)
        let pool = Pool2DOp(kind: .max, kernel: [2, 2], strides: [2, 2])
        var x = try randomTensor([5, 4, 7, 9], seed: 43)
        x.data[23] = .nan
        var nodes = [Node(name: "conv", operation: .conv2d(op), inputs: ["x"], output: "c")]
        if c.relu { nodes.append(Node(name: "relu", operation: .activation(.relu), inputs: ["c"], output: "r")) }
        nodes.append(Node(name: "pool", operation: .pool2d(pool), inputs: [c.relu ? "r" : "c"], output: "y"))
        let input = [NetworkInput(name: "x", shape: [4, 7, 9])]
        let fused = try Network(name: "fused", inputs: input, outputs: ["y"], nodes: nodes)
        let separate = try Network(name: "separate", inputs: input, outputs: ["y"] + nodes.dropLast().map(\.output), nodes: nodes)
        #expect(ExecutionPlan(fused).steps.contains { if case .computedEarlier = $0.kernel { true } else { false } })
        #expect(!ExecutionPlan(separate).steps.contains { if case .computedEarlier = $0.kernel { true } else { false } })
        let expected = try engine(separate, path: path, threads: 1).run(inputs: ["x": x])["y"]!
        #expect(expected.shape == [5, c.outChannels, 3, 4])
        // The NaN spreads to a whole 2×2 window of the convolution's output; the pool's comparison
        // keeps −∞ over NaNs (the ReLU turns them into 0 first).
        #expect(expected.data.contains { $0 == -.infinity } == !c.relu)
        for threads in [1, 2] {
            let y = try engine(fused, path: path, threads: threads).run(x)
            #expect(y.shape == expected.shape)
            #expect(y.data.map(\.bitPattern) == expected.data.map(\.bitPattern))
        }
    }

    /// Where a residual connection's shortcut comes from.
    enum Shortcut: String, CaseIterable, Sendable { case input, earlierConvolution, laterConvolution }

    /// A residual connection: an `Add` that alone reads a convolution, whose other operand an
    /// earlier step computed (the input; an earlier convolution; or, for a projection shortcut
    /// computed after the branch, the sum moves into that later convolution), and the ReLU that
    /// alone reads the sum, are computed as the convolution writes its output: the same bits as
    /// the separate steps (kept separate by making every intermediate a network output) on both
    /// paths, for maps written straight (4 × 4: one 16-position step) and side by side (7 × 7),
    /// at 1 and 2 threads.
    @Test(arguments: [(size: 4, shortcut: Shortcut.input), (7, .input), (7, .earlierConvolution), (7, .laterConvolution),
                      (4, .laterConvolution)],
          ConvolutionPath.allCases)
    func residualSumGivesTheSameBits(_ c: (size: Int, shortcut: Shortcut), path: ConvolutionPath) throws {
        func conv(_ name: String, _ input: String, seed: UInt64) throws -> Node {
            let op = Conv2DOp(weight: try randomTensor([4, 4, 3, 3], seed: seed), bias: try randomTensor([4], seed: seed + 1),
                              padding: .sameUpper)
            return Node(name: name, operation: .conv2d(op), inputs: [input], output: name)
        }
        var nodes = [Node]()
        if c.shortcut == .earlierConvolution { nodes.append(try conv("p", "x", seed: 50)) }
        nodes.append(try conv("a", "x", seed: 52))
        nodes.append(Node(name: "r", operation: .activation(.relu), inputs: ["a"], output: "r"))
        nodes.append(try conv("b", "r", seed: 54))
        if c.shortcut == .laterConvolution { nodes.append(try conv("p", "x", seed: 56)) }
        let other = c.shortcut == .input ? "x" : "p"
        // The fused convolution's output first (the input shortcut) or second (the others).
        let sum = c.shortcut == .input ? ["b", other] : c.shortcut == .earlierConvolution ? [other, "b"] : ["b", other]
        nodes.append(Node(name: "s", operation: .add, inputs: sum, output: "s"))
        nodes.append(Node(name: "y", operation: .activation(.relu), inputs: ["s"], output: "y"))
        let input = [NetworkInput(name: "x", shape: [4, c.size, c.size])]
        let fused = try Network(name: "fused", inputs: input, outputs: ["y"], nodes: nodes)
        let separate = try Network(name: "separate", inputs: input, outputs: nodes.map(\.output), nodes: nodes)
        func residuals(_ n: Network) -> [String] {
            ExecutionPlan(n).steps.compactMap { step in
                if case .conv(_, _, let relu, _, let residual?) = step.kernel, relu { n.nodes[step.node].name + "+" + ExecutionPlan(n).slotNames[residual] } else { nil }
            }
        }
        #expect(residuals(fused) == [c.shortcut == .laterConvolution ? "p+b" : "b+\(other)"])
        #expect(residuals(separate).isEmpty)
        let x = try randomTensor([9, 4, c.size, c.size], seed: 58)
        let expected = try engine(separate, path: path, threads: 1).run(inputs: ["x": x])["y"]!
        #expect(expected.data.contains { $0 == 0 } && expected.data.contains { $0 > 0 })
        for threads in [1, 2] {
            let y = try engine(fused, path: path, threads: threads).run(x)
            #expect(y.data.map(\.bitPattern) == expected.data.map(\.bitPattern), "\(threads) threads")
        }
    }

    /// An `Add` of a constant (which broadcasts over the batch) is not a residual connection: it
    /// stays a step of its own, and the sum is right for every sample of a batch.
    @Test(arguments: ConvolutionPath.allCases)
    func constantSumIsNotFused(_ path: ConvolutionPath) throws {
        let op = Conv2DOp(weight: try randomTensor([4, 4, 3, 3], seed: 60), bias: nil, padding: .sameUpper)
        let k = try randomTensor([1, 4, 7, 7], seed: 61)
        let nodes = [Node(name: "b", operation: .conv2d(op), inputs: ["x"], output: "b"),
                     Node(name: "s", operation: .add, inputs: ["b", "k"], output: "s"),
                     Node(name: "y", operation: .activation(.relu), inputs: ["s"], output: "y")]
        let input = [NetworkInput(name: "x", shape: [4, 7, 7])]
        let network = try Network(name: "constant", inputs: input, outputs: ["y"], nodes: nodes, constants: ["k": k])
        #expect(!ExecutionPlan(network).steps.contains { if case .conv(_, _, _, _, _?) = $0.kernel { true } else { false } })
        let x = try randomTensor([9, 4, 7, 7], seed: 62)
        let y = try engine(network, path: path).run(x)
        let conv = try engine(try singleNodeNetwork(.conv2d(op), input: [4, 7, 7]), path: path).run(x)
        let expected = conv.data.indices.map { i -> Float in
            let v = conv.data[i] + k.data[i % k.data.count]
            return v > 0 ? v : 0
        }
        #expect(y.data.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    /// Only the pool `scatterPooled` computes is fused.
    @Test func onlyTwoByTwoStrideTwoUnpaddedMaxPoolsAreFused() {
        #expect(ExecutionPlan.poolsInConvolution(Pool2DOp(kind: .max, kernel: [2, 2], strides: [2, 2])))
        #expect(!ExecutionPlan.poolsInConvolution(Pool2DOp(kind: .average, kernel: [2, 2], strides: [2, 2])))
        #expect(!ExecutionPlan.poolsInConvolution(Pool2DOp(kind: .max, kernel: [3, 3], strides: [2, 2])))
        #expect(!ExecutionPlan.poolsInConvolution(Pool2DOp(kind: .max, kernel: [2, 2], strides: [1, 1])))
        #expect(!ExecutionPlan.poolsInConvolution(Pool2DOp(kind: .max, kernel: [2, 2], strides: [2, 2], ceilMode: true)))
        #expect(!ExecutionPlan.poolsInConvolution(Pool2DOp(kind: .max, kernel: [2, 2], strides: [2, 2],
                                                           padding: .explicit(top: 1, left: 0, bottom: 0, right: 0))))
    }

    /// Chunks hold whole GEMM blocks where the budget allows: a multiple of 64 / gcd(pixels, 64)
    /// samples, never more than the batch, at least one sample.
    @Test(arguments: [(784, 12, 256, 12), (784, 3, 256, 3), (196, 40, 256, 32), (49, 300, 256, 256),
                      (64, 5, 256, 5), (144, 9, 7, 7), (144, 0, 10, 1)])
    func convolutionChunksEndOnBlockBoundaries(_ c: (pixels: Int, budget: Int, batch: Int, expected: Int)) {
        #expect(Execution.convolutionChunk(samplesInBudget: c.budget, pixels: c.pixels, batch: c.batch) == c.expected)
    }

    /// Dense products, directly (`imprint_dense_products`: tails of 6 rows and 16 columns) and
    /// through `multiply`, against the reference.
    @Test(arguments: [([3, 5], [5, 4]), ([2, 3, 5], [5, 2]), ([7], [7, 3]), ([300], [300, 70]), ([2, 17], [17, 129])],
          ConvolutionPath.allCases)
    func denseAppliesOverTheLastAxis(_ shapes: ([Int], [Int]), path: ConvolutionPath) throws {
        let weight = try randomTensor(shapes.1, seed: 21)
        let bias = try randomTensor([shapes.1[1]], seed: 22)
        let network = try singleNodeNetwork(.dense(DenseOp(weight: weight, bias: bias)), input: shapes.0)
        let x = try randomTensor([13] + shapes.0, seed: 23)
        let engine = try InferenceEngine(network: network, provider: path == .direct ? nil : ProductsOnly(network: network))
        #expect((engine.fixedDense[0] != nil) == (path == .direct))
        let y = try engine.run(x)
        expectClose(y, try Reference.dense(x, weight: weight, bias: bias), tolerance: 1e-5 * Float(shapes.1[0]).squareRoot())
        // Each output depends on its own vector alone: any batch split gives the same bits.
        for threads in [1, 3] {
            let again = try InferenceEngine(network: network, provider: path == .direct ? nil : ProductsOnly(network: network),
                                            options: .init(threads: threads)).run(x)
            #expect(again.data.map(\.bitPattern) == y.data.map(\.bitPattern))
        }
    }
}
