@testable import Engine
import NetworkModel
import Plan
import Testing
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

    /// A grouped convolution (2 groups, 3 output channels each: a partial block, an odd pair):
    /// the place of a pixel counts groups, as `multiply`'s vectors do.
    @Test func groupedConvolutionNoiseIsMultiplys() throws {
        let plan = try VerifierFixtures.compile(try VerifierFixtures.conv(inChannels: 4, outChannels: 6, kernel: 3, group: 2))
        let d = try Self.differences(plan, samples: 9)
        #expect(d.noise > 1e-3 * d.scale)
        #expect(d.paths <= 1e-5 * d.scale, "engine vs multiply \(d.paths), noise \(d.noise), outputs up to \(d.scale)")
    }
}
