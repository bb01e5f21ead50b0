import Testing
import Devices
import NetworkModel
import Plan
import Compiler

/// 1000 distinct magnitudes 0.001 … 1.000 with alternating signs, in a scrambled order.
func knownWeights() -> [Float] {
    (0..<1000).map { i in
        let j = (i * 389) % 1000  // 389 is coprime with 1000: a permutation
        return Float(j + 1) / 1000 * (j % 2 == 0 ? 1 : -1)
    }
}

@Test func percentileClipFollowsNumPy() throws {
    let n = try TestNetworks.dense(inputs: 100, outputs: 10, weights: knownWeights())
    var o = TestNetworks.options(.single, .layer, tile: (256, 256))
    o.clip = .percentile(95)
    let plan = try TestNetworks.compile(n, .rram, o)
    // np.percentile(|W|, 95): rank 0.95 · 999 = 949.05 between 0.950 and 0.951.
    #expect(abs(Double(plan.layers[0].wMax) - 0.95005) < 1e-6)
    #expect(plan.layers[0].clippedFraction == 0.05)
    checkRoundTrip(plan)
    o.clip = .percentile(100)
    #expect(try TestNetworks.compile(n, .rram, o).layers[0].wMax == 1)
}

@Test func sigmaClipUsesStandardDeviation() throws {
    let w = knownWeights()
    let mean = w.reduce(0.0) { $0 + Double($1) } / Double(w.count)
    let std = (w.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(w.count)).squareRoot()
    let n = try TestNetworks.dense(inputs: 100, outputs: 10, weights: w)
    for k in [0.5, 1.0, 1.5] {
        var o = TestNetworks.options(.offset, .layer, tile: (256, 256))
        o.clip = .sigma(k)
        let plan = try TestNetworks.compile(n, .rramHfOx, o)
        let wMax = k * std
        #expect(abs(Double(plan.layers[0].wMax) - wMax) < 1e-6)
        let expected = Double(w.filter { Double(abs($0)) > Double(Float(wMax)) }.count) / Double(w.count)
        #expect(abs(plan.layers[0].clippedFraction - expected) < 1e-12)
        checkRoundTrip(plan)
    }
    // ±1 weights: std 1, so sigma 0.5 clips everything and sigma 2 nothing.
    let ones = try TestNetworks.dense(inputs: 4, outputs: 4, weights: (0..<16).map { $0 % 2 == 0 ? 1 : -1 })
    var o = TestNetworks.options(.single, .layer)
    o.clip = .sigma(0.5)
    #expect(try TestNetworks.compile(ones, .pcm, o).layers[0].clippedFraction == 1)
    o.clip = .sigma(2)
    #expect(try TestNetworks.compile(ones, .pcm, o).layers[0].clippedFraction == 0)
}

@Test func columnScalingGivesEachColumnItsOwnGain() throws {
    // Column c holds weights of magnitude up to (c + 1): per-column k must grow with c.
    let w: [Float] = (0..<40).map { (i: Int) -> Float in
        let sign: Float = i % 3 == 0 ? -1 : 1
        let magnitude = Float(i % 4 + 1) * Float(i / 4 + 1) / 10
        return sign * magnitude
    }
    let n = try TestNetworks.dense(inputs: 10, outputs: 4, weights: w)
    let plan = try TestNetworks.compile(n, .rram, TestNetworks.options(.single, .column, tile: (256, 256)))
    let k = plan.tiles[0].weightPerMicrosiemens
    #expect(k.count == 4 && zip(k, k.dropFirst()).allSatisfy { $0 < $1 })
    #expect(abs(Double(k[3]) - 4.0 / 39) < 1e-6)  // w_max 4.0 over Δ = 39 µS
    checkRoundTrip(plan)
}

// MARK: - Batch-norm folding

func batchNorm(_ c: Int, seed: UInt64) -> BatchNormOp {
    var rng = SplitMix(seed)
    return BatchNormOp(scale: (0..<c).map { _ in Float.random(in: 0.5...2, using: &rng) },
                       bias: (0..<c).map { _ in Float.random(in: -1...1, using: &rng) },
                       mean: (0..<c).map { _ in Float.random(in: -0.5...0.5, using: &rng) },
                       variance: (0..<c).map { _ in Float.random(in: 0.1...3, using: &rng) }, epsilon: 1e-3)
}

func foldable() throws -> Network {
    var rng = SplitMix(7)
    let conv = Conv2DOp(weight: try Tensor(shape: [4, 2, 3, 3], data: rng.weights(72)),
                        bias: try Tensor(shape: [4], data: rng.weights(4)))
    let dense = DenseOp(weight: try Tensor(shape: [36, 5], data: rng.weights(180)), bias: nil)
    return try Network(name: "bn", inputs: [NetworkInput(name: "x", shape: [2, 5, 5])], outputs: ["y"], nodes: [
        Node(name: "conv", operation: .conv2d(conv), inputs: ["x"], output: "c"),
        Node(name: "bn1", operation: .batchNorm(batchNorm(4, seed: 8)), inputs: ["c"], output: "c_bn"),
        Node(name: "relu", operation: .activation(.relu), inputs: ["c_bn"], output: "r"),
        Node(name: "flat", operation: .flatten(axis: 1), inputs: ["r"], output: "f"),
        Node(name: "fc", operation: .dense(dense), inputs: ["f"], output: "d"),
        Node(name: "bn2", operation: .batchNorm(batchNorm(5, seed: 9)), inputs: ["d"], output: "y"),
    ])
}

@Test func foldingBatchNormKeepsTheNetworkOutputs() throws {
    let network = try foldable()
    var o = TestNetworks.options(.single, .layer)
    o.foldBatchNorm = true
    let plan = try TestNetworks.compile(network, .rram, o)
    #expect(!plan.network.nodes.contains { if case .batchNorm = $0.operation { return true } else { return false } })
    #expect(plan.network.outputs == ["y"])
    var rng = SplitMix(11)
    for _ in 0..<5 {
        let x = (0..<50).map { _ in Float.random(in: -1...1, using: &rng) }
        let a = try ReferenceEvaluator.run(network, x)
        let b = try ReferenceEvaluator.run(plan.network, x)
        #expect(a.count == 5 && b.count == 5)
        for (u, v) in zip(a, b) { #expect(abs(u - v) <= 1e-4 * max(1, abs(u))) }
    }
    checkRoundTrip(plan)  // against the folded weights
    // Without the option, or with the batch norm kept digital, nothing is folded.
    #expect(try TestNetworks.compile(network, .rram, TestNetworks.options(.single, .layer)).network.nodes.count == 6)
    o.keepDigital = ["bn2"]
    #expect(try TestNetworks.compile(network, .rram, o).network.nodes.map(\.name) == ["conv", "relu", "flat", "fc", "bn2"])
}

@Test func batchNormWithAnotherReaderStaysDigital() throws {
    var rng = SplitMix(3)
    let dense = DenseOp(weight: try Tensor(shape: [3, 2], data: rng.weights(6)), bias: nil)
    let n = try Network(name: "branch", inputs: [NetworkInput(name: "x", shape: [3])], outputs: ["y"], nodes: [
        Node(name: "fc", operation: .dense(dense), inputs: ["x"], output: "d"),
        Node(name: "bn", operation: .batchNorm(batchNorm(2, seed: 4)), inputs: ["d"], output: "b"),
        Node(name: "add", operation: .add, inputs: ["d", "b"], output: "y"),
    ])
    var o = CompileOptions()
    o.foldBatchNorm = true
    #expect(try TestNetworks.compile(n, .rram, o).network.nodes.count == 3)
}
