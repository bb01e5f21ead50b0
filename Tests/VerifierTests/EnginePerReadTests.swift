@testable import Engine
import NetworkModel
import Plan
import Testing
import TestSupport
@testable import Verifier

/// Per-read noise the engine computes itself (`FixedProducts.ReadNoise`: direct convolutions and
/// dense products without packing) against the same provider's `multiply` (im2col, GEMM blocks,
/// the row kernel): every output gets the same normal, so the two differ only by the order of
/// their sums, far below the noise itself.
@Suite struct EnginePerReadTests {
    /// Only `multiply`, so the engine sends every product through it.
    struct MultiplyOnly: MatrixProductProvider {
        let analog: AnalogMatrixProducts
        func multiply(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
                      context: MatrixProductContext) throws(EngineError) {
            try analog.multiply(input, into: output, context: context)
        }
    }

    /// Runs `plan`'s network on `samples` pixel-like inputs (from dataset sample 5 on) three ways:
    /// with per-read noise through the engine, through `multiply`, and without noise; checks that
    /// the engine's path was taken and returns the largest differences.
    static func differences(_ plan: Plan, samples: Int) throws -> (paths: Float, noise: Float, scale: Float) {
        let nodes = try LayerMatrices.nodeIndices(of: plan)
        let w = LayerMatrices.weights(plan: plan, nodes: nodes, conductances_uS: plan.tiles.map(\.targets_uS))
        let sigma = plan.tiles.map { $0.targets_uS.map { _ in Float(0.4) } }
        let v = HardwareInstance.variances(plan: plan, nodes: nodes, sigma_uS: sigma)
        let key = AnalogMatrixProducts.PerReadNoiseKey(seed: 11, trial: 2, time_s: 3600)
        let noisy = AnalogMatrixProducts(network: plan.network, mapped: w, variances: v, noise: key)
        let engine = try InferenceEngine(network: plan.network, provider: noisy)
        let mapped = nodes.filter { plan.network.nodes[$0].crossbarMatrix != nil }
        for n in mapped {
            #expect(engine.direct[n] != nil || engine.fixedDense[n] != nil, "node \(n) runs through multiply")
            #expect(noisy.fixedProducts(node: n, group: 0)?.readNoise != nil)
        }
        let viaMultiply = try InferenceEngine(network: plan.network, provider: MultiplyOnly(analog: noisy))
        let clean = try InferenceEngine(network: plan.network,
                                        provider: AnalogMatrixProducts(network: plan.network, mapped: w))
        let shape = [samples] + plan.network.inputs[0].shape
        let x = try Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { Float(($0 * 37) % 256) / 255 })
        let a = try engine.run(x, firstSample: 5).data
        let b = try viaMultiply.run(x, firstSample: 5).data
        let c = try clean.run(x, firstSample: 5).data
        #expect(a.count == b.count && a.count == c.count)
        let paths = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        let noise = zip(a, c).map { abs($0 - $1) }.max() ?? 0
        return (paths, noise, a.map(abs).max() ?? 0)
    }

    /// The bundled CNN: two convolutions (the first pooled, 16 channels: whole 8-channel blocks)
    /// and two dense layers, 20 samples (stacked planes of 7 × 7 and 14 × 14 maps, micro-batches).
    @Test func cnnNoiseIsMultiplys() throws {
        let d = try Self.differences(try VerifierFixtures.cnnPlan.get(), samples: 20)
        #expect(d.noise > 1e-3 * d.scale)
        #expect(d.paths <= 1e-4 * d.scale, "engine vs multiply \(d.paths), noise \(d.noise), outputs up to \(d.scale)")
    }

    /// 7 × 7 maps (samples side by side in the planes) with a ReLU and a 2 × 2 max pool fused
    /// into the convolution: each sample's raw products and variances are placed in pixel order,
    /// get their noise and epilogue, and are pooled after.
    @Test func stackedPooledNoiseIsMultiplys() throws {
        var rng = SplitMix64(seed: 5)
        let w = try Tensor(shape: [10, 3, 3, 3], data: (0..<270).map { _ in Float.random(in: -1...1, using: &rng) })
        let b = try Tensor(shape: [10], data: (0..<10).map { _ in Float.random(in: -0.2...0.2, using: &rng) })
        let conv = Conv2DOp(weight: w, bias: b, padding: .explicit(top: 1, left: 1, bottom: 1, right: 1))
        let network = try Network(name: "stacked", inputs: [NetworkInput(name: "x", shape: [3, 7, 7])], outputs: ["p"],
                                  nodes: [Node(name: "conv", operation: .conv2d(conv), inputs: ["x"], output: "c"),
                                          Node(name: "relu", operation: .activation(.relu), inputs: ["c"], output: "r"),
                                          Node(name: "pool", operation: .pool2d(Pool2DOp(kind: .max, kernel: [2, 2], strides: [2, 2])),
                                               inputs: ["r"], output: "p")])
        let g = ConvolutionGeometry(conv, input: [12, 3, 7, 7], output: [12, 10, 7, 7])
        #expect(DirectConvolution.Layout.samplesStacked(g, batch: 12) > 1)
        let d = try Self.differences(try VerifierFixtures.compile(network), samples: 12)
        #expect(d.noise > 1e-3 * d.scale)
        #expect(d.paths <= 1e-5 * d.scale, "engine vs multiply \(d.paths), noise \(d.noise), outputs up to \(d.scale)")
    }

    /// A residual block (conv, ReLU, conv, + input, ReLU) on 7 × 7 maps (samples side by side)
    /// and 4 × 4 ones (written straight): the sum and its ReLU fused into the second convolution
    /// come after its noise, as the separate steps of `multiply`'s path have them.
    @Test(arguments: [7, 4])
    func residualNoiseIsMultiplys(size: Int) throws {
        var rng = SplitMix64(seed: UInt64(size))
        func conv(_ name: String, _ input: String) throws -> Node {
            let w = try Tensor(shape: [4, 4, 3, 3], data: (0..<144).map { _ in Float.random(in: -0.6...0.6, using: &rng) })
            let b = try Tensor(shape: [4], data: (0..<4).map { _ in Float.random(in: -0.2...0.2, using: &rng) })
            return Node(name: name, operation: .conv2d(Conv2DOp(weight: w, bias: b, padding: .sameUpper)), inputs: [input], output: name)
        }
        let network = try Network(name: "residual", inputs: [NetworkInput(name: "x", shape: [4, size, size])], outputs: ["y"],
                                  nodes: [try conv("a", "x"),
                                          Node(name: "r", operation: .activation(.relu), inputs: ["a"], output: "r"),
                                          try conv("b", "r"),
                                          Node(name: "s", operation: .add, inputs: ["b", "x"], output: "s"),
                                          Node(name: "y", operation: .activation(.relu), inputs: ["s"], output: "y")])
        #expect(ExecutionPlan(network).steps.contains { if case .conv(_, _, true, _, _?) = $0.kernel { true } else { false } })
        let d = try Self.differences(try VerifierFixtures.compile(network), samples: 12)
        #expect(d.noise > 1e-3 * d.scale)
        #expect(d.paths <= 1e-5 * d.scale, "engine vs multiply \(d.paths), noise \(d.noise), outputs up to \(d.scale)")
    }

    /// A depthwise convolution (one output channel per group: the one-channel kernel step and a
    /// pair whose odd row is past the block) on 7 × 7 maps, samples side by side.
    @Test func depthwiseStackedNoiseIsMultiplys() throws {
        let network = try VerifierFixtures.conv(inChannels: 6, outChannels: 6, kernel: 3, group: 6, size: 7,
                                                padding: .sameUpper, seed: 9)
        let g = try Self.geometry(network, batch: 12)
        #expect(DirectConvolution.Layout.samplesStacked(g, batch: 12) > 1)
        let d = try Self.differences(try VerifierFixtures.compile(network), samples: 12)
        #expect(d.noise > 1e-3 * d.scale)
        #expect(d.paths <= 1e-5 * d.scale, "engine vs multiply \(d.paths), noise \(d.noise), outputs up to \(d.scale)")
    }

    /// A 1 × 1 convolution on 8 × 8 maps (whole steps, one sample at a time) reads its input in
    /// place (`Layout.readsInput`): the variances come from the squared input, not copied planes.
    @Test func inPlaceOneByOneNoiseIsMultiplys() throws {
        let network = try VerifierFixtures.conv(inChannels: 5, outChannels: 9, kernel: 1, group: 1, size: 8, seed: 13)
        #expect(DirectConvolution.Layout(try Self.geometry(network, batch: 7)).readsInput)
        let d = try Self.differences(try VerifierFixtures.compile(network), samples: 7)
        #expect(d.noise > 1e-3 * d.scale)
        #expect(d.paths <= 1e-5 * d.scale, "engine vs multiply \(d.paths), noise \(d.noise), outputs up to \(d.scale)")
    }

    /// The geometry of a one-convolution network (`VerifierFixtures.conv`) for `batch` samples.
    static func geometry(_ network: Network, batch: Int) throws -> ConvolutionGeometry {
        var op: Conv2DOp?
        if case .conv2d(let c) = network.nodes[0].operation { op = c }
        let input = [batch] + network.inputs[0].shape
        let output = try ShapeInference.outputShape(of: network.nodes[0], inputShapes: [input])
        return ConvolutionGeometry(try #require(op), input: input, output: output)
    }

    /// A grouped convolution (2 groups, 3 output channels each: a partial block, an odd pair):
    /// the place of a pixel counts groups, as `multiply`'s vectors do.
    @Test func groupedConvolutionNoiseIsMultiplys() throws {
        let plan = try VerifierFixtures.compile(try VerifierFixtures.conv(inChannels: 4, outChannels: 6, kernel: 3, group: 2))
        let d = try Self.differences(plan, samples: 9)
        #expect(d.noise > 1e-3 * d.scale)
        #expect(d.paths <= 1e-5 * d.scale, "engine vs multiply \(d.paths), noise \(d.noise), outputs up to \(d.scale)")
    }
}
