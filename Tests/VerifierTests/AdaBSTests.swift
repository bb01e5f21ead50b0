import Datasets
import Engine
import Foundation
import NetworkModel
import Plan
import TestSupport
import Testing
@testable import Verifier

@Suite struct AdaBSTests {
    static func values(_ n: Int, seed: UInt64, range: ClosedRange<Float> = -1...1) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in Float.random(in: range, using: &rng) }
    }

    /// x[17] → fc1 (17×12, bias) → bn → relu → fc2 (12×6) → y.
    static func network() throws -> Network {
        let fc1 = DenseOp(weight: try Tensor(shape: [17, 12], data: values(17 * 12, seed: 1)),
                          bias: try Tensor(shape: [12], data: values(12, seed: 2, range: -0.2...0.2)))
        let bn = BatchNormOp(scale: values(12, seed: 3, range: 0.5...2), bias: values(12, seed: 4, range: -0.3...0.3),
                             mean: values(12, seed: 5, range: -0.5...0.5), variance: values(12, seed: 6, range: 0.5...3), epsilon: 1e-3)
        let fc2 = DenseOp(weight: try Tensor(shape: [12, 6], data: values(72, seed: 7)), bias: nil)
        return try Network(name: "bn", inputs: [NetworkInput(name: "x", shape: [17])], outputs: ["y"], nodes: [
            Node(name: "fc1", operation: .dense(fc1), inputs: ["x"], output: "a"),
            Node(name: "bn", operation: .batchNorm(bn), inputs: ["a"], output: "b"),
            Node(name: "relu", operation: .activation(.relu), inputs: ["b"], output: "r"),
            Node(name: "fc2", operation: .dense(fc2), inputs: ["r"], output: "y"),
        ])
    }

    /// A drifted chip: every device scaled by its own factor in [0.55, 0.75] (non-uniform drift).
    static func drifted(_ plan: Plan) -> [[Float]] {
        plan.tiles.enumerated().map { t, tile in
            let f = values(tile.targets_uS.count, seed: 100 + UInt64(t), range: 0.55...0.75)
            return zip(tile.targets_uS, f).map { $0 * $1 }
        }
    }

    static func calibration(_ n: Int) throws -> Dataset {
        try Dataset(source: "calibration", samples: NumericArray(shape: [n, 17], storage: .float32(values(n * 17, seed: 9, range: 0...1))))
    }

    /// Where a batch norm follows, AdaBS is Joshi's update: the batch norm's output on the chip equals
    /// γ(y − μ_chip)/√(σ²_chip + ε) + β with μ, σ² measured on the chip over the calibration set.
    /// The second layer (no batch norm) gets the digital network's statistics back.
    @Test func joshiUpdateAndDigitalStatistics() throws {
        let plan = try VerifierFixtures.compile(try Self.network(), .pcm, VerifierFixtures.options(.single))
        let nodes = try LayerMatrices.nodeIndices(of: plan)
        var o = VerifierOptions(); o.threads = 1
        let verifier = try Verifier(plan: plan, options: o)
        let adabs = AdaBS(plan: plan, nodes: nodes)
        #expect(adabs.depths == [1, 2])
        let set = try Self.calibration(300)
        let exact = LayerMatrices.weights(plan: plan, nodes: nodes, conductances_uS: plan.tiles.map(\.targets_uS))
        let chipWeights = LayerMatrices.weights(plan: plan, nodes: nodes, conductances_uS: Self.drifted(plan))
        let targets = try adabs.targets(digital: AnalogMatrixProducts(network: plan.network, mapped: exact), calibration: set, verifier: verifier)
        #expect(targets[0].followedByBatchNorm && !targets[1].followedByBatchNorm)
        let corrections = try adabs.corrections(targets: targets, calibration: set, verifier: verifier) {
            AnalogMatrixProducts(network: plan.network, mapped: chipWeights, corrections: $0)
        }
        let corrected = AnalogMatrixProducts(network: plan.network, mapped: chipWeights, corrections: corrections)

        // Joshi, computed independently from fc1's drifted product on the calibration inputs.
        guard case .dense(let fc1) = plan.network.nodes[0].operation, case .batchNorm(let bn) = plan.network.nodes[1].operation else {
            Issue.record("unexpected network"); return
        }
        let x = Self.values(300 * 17, seed: 9, range: 0...1)
        let w = chipWeights.blocks[nodes[0]]![0]
        var y = [Double](repeating: 0, count: 300 * 12)
        for s in 0..<300 { for c in 0..<12 {
            var sum = Double(fc1.bias!.data[c])
            for r in 0..<17 { sum += Double(x[s * 17 + r]) * Double(w[r * 12 + c]) }
            y[s * 12 + c] = sum
        }}
        let net = try Network(name: "head", inputs: plan.network.inputs, outputs: ["b"], nodes: Array(plan.network.nodes[0...1]))
        let provider = AnalogMatrixProducts(network: net, mapped: LayerMatrices(blocks: Array(chipWeights.blocks[0...1])),
                                            corrections: Array(corrections[0...1]))
        let out = try InferenceEngine(network: net, provider: provider).run(try Tensor(shape: [300, 17], data: x))
        var worst = 0.0
        for c in 0..<12 {
            let column = (0..<300).map { y[$0 * 12 + c] }
            let mean = column.reduce(0, +) / 300
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 300
            for s in 0..<300 {
                let joshi = Double(bn.scale[c]) * (column[s] - mean) / (variance + Double(bn.epsilon)).squareRoot() + Double(bn.bias[c])
                worst = max(worst, abs(Double(out.data[s * 12 + c]) - joshi))
            }
        }
        #expect(worst < 1e-4)

        // Layer 2: its statistics on the corrected chip are the digital ones.
        let after = try adabs.measure(provider: corrected, layers: [1], calibration: set, verifier: verifier)[1]!
        let before = try adabs.measure(provider: AnalogMatrixProducts(network: plan.network, mapped: chipWeights), layers: [1],
                                       calibration: set, verifier: verifier)[1]!
        for c in 0..<6 {
            let sd = targets[1].variance[c].squareRoot()
            #expect(abs(after.mean[c] - targets[1].mean[c]) < 1e-4 * sd + 1e-6)
            #expect(abs(after.variance[c] / targets[1].variance[c] - 1) < 1e-3)
        }
        #expect((0..<6).contains { abs(before.variance[$0] / targets[1].variance[$0] - 1) > 0.05 })
    }

    /// Statistics are summed per sample and reduced in sample order: threads and batch sizes do not
    /// change the corrections.
    @Test func correctionsIndependentOfBatchingAndThreads() throws {
        let plan = try VerifierFixtures.compile(try Self.network(), .pcm, VerifierFixtures.options(.single))
        let nodes = try LayerMatrices.nodeIndices(of: plan)
        let set = try Self.calibration(150)
        let chipWeights = LayerMatrices.weights(plan: plan, nodes: nodes, conductances_uS: Self.drifted(plan))
        let exact = LayerMatrices.weights(plan: plan, nodes: nodes, conductances_uS: plan.tiles.map(\.targets_uS))
        func corrections(threads: Int, batch: Int) throws -> [AnalogMatrixProducts.ChannelAffine?] {
            var o = VerifierOptions(); o.threads = threads; o.batchSize = batch
            let verifier = try Verifier(plan: plan, options: o)
            let adabs = AdaBS(plan: plan, nodes: nodes)
            let targets = try adabs.targets(digital: AnalogMatrixProducts(network: plan.network, mapped: exact), calibration: set, verifier: verifier)
            return try adabs.corrections(targets: targets, calibration: set, verifier: verifier) {
                AnalogMatrixProducts(network: plan.network, mapped: chipWeights, corrections: $0)
            }
        }
        let a = try corrections(threads: 1, batch: 64)
        for (threads, batch) in [(2, 128), (1, 1), (2, 37), (4, 100)] {
            #expect(try corrections(threads: threads, batch: batch) == a, "threads \(threads), batch \(batch)")
        }
        #expect(a[nodes[0]] != nil && a[nodes[1]] != nil)
    }
}
