import Datasets
import Engine
import Foundation
import NetworkModel
import Plan

/// AdaBS (Joshi et al., Nat. Commun. 2020; devices.md §1): re-estimate the per-output-channel
/// statistics of every crossbar layer on the drifted chip from a calibration set, and correct them
/// back, per channel, y ← a·y + b with a = √((σ²_target + ε)/(σ²_chip + ε)), b = μ_target − a·μ_chip.
///
/// - Where a batch norm reads the layer (and nothing else does), the target is that batch norm's
///   running statistics (less the layer's bias) and ε its epsilon: the batch norm then computes
///   γ(y − μ_chip)/√(σ²_chip + ε) + β, which is exactly Joshi's update of the running mean and variance.
/// - Elsewhere (no batch norm, or one the compiler folded away) the target is the digital network's
///   statistics on the same calibration set, with ε = 10⁻⁶ of the layer's mean digital variance, so
///   a dead channel is left alone rather than blown up.
///
/// Layers are calibrated in order of crossbar depth (the longest chain of crossbar layers feeding
/// them): pass d measures the layers of depth d with every shallower layer already corrected, as a
/// chip calibrated layer by layer would be. Statistics are summed per sample and reduced in sample
/// order, so the corrections do not depend on batch size, convolution chunking or threads.
struct AdaBS {
    /// Per plan layer: channels (groups × columns), target mean and variance, and ε.
    struct Target {
        var mean: [Double]
        var variance: [Double]
        var epsilon: Double
        var followedByBatchNorm: Bool
    }

    let plan: Plan
    let nodes: [Int]
    /// Crossbar depth of every plan layer (1 for a layer fed by no other crossbar layer).
    let depths: [Int]

    init(plan: Plan, nodes: [Int]) {
        self.plan = plan
        self.nodes = nodes
        depths = Self.depths(network: plan.network, layerNodes: nodes)
    }

    /// Longest chain of crossbar layers ending at each plan layer, through the graph's tensors.
    static func depths(network: Network, layerNodes: [Int]) -> [Int] {
        let layerOf = Dictionary(uniqueKeysWithValues: layerNodes.enumerated().map { ($1, $0) })
        var tensorDepth = [String: Int]()   // deepest crossbar layer behind a tensor
        var result = [Int](repeating: 1, count: layerNodes.count)
        for (i, node) in network.nodes.enumerated() {
            let upstream = node.inputs.map { tensorDepth[$0] ?? 0 }.max() ?? 0
            if let l = layerOf[i] {
                result[l] = upstream + 1
                tensorDepth[node.output] = upstream + 1
            } else {
                tensorDepth[node.output] = upstream
            }
        }
        return result
    }

    /// The batch norm that is the sole reader of node `n`'s output, if any.
    static func followingBatchNorm(network: Network, node n: Int) -> BatchNormOp? {
        let output = network.nodes[n].output
        guard !network.outputs.contains(output) else { return nil }
        let readers = network.nodes.filter { $0.inputs.contains(output) }
        guard readers.count == 1, case .batchNorm(let bn) = readers[0].operation else { return nil }
        return bn
    }

    static func bias(of node: Node) -> [Float]? {
        switch node.operation {
        case .dense(let d): return d.bias?.data
        case .conv2d(let c): return c.bias?.data
        default: return nil
        }
    }

    /// Targets from the digital network (`digital`: the plan's network as compiled) and batch norms.
    func targets(digital: AnalogMatrixProducts, calibration: Dataset, verifier: Verifier) throws -> [Target] {
        let stats = try measure(provider: digital, layers: Set(plan.layers.indices), calibration: calibration, verifier: verifier)
        return plan.layers.indices.map { l in
            let node = plan.network.nodes[nodes[l]]
            let s = stats[l]!
            if let bn = Self.followingBatchNorm(network: plan.network, node: nodes[l]), bn.channels == s.mean.count {
                let bias = Self.bias(of: node)
                let mean = (0..<bn.channels).map { Double(bn.mean[$0]) - Double(bias?[$0] ?? 0) }
                return Target(mean: mean, variance: bn.variance.map(Double.init), epsilon: Double(bn.epsilon),
                              followedByBatchNorm: true)
            }
            let meanVariance = s.variance.reduce(0, +) / Double(max(s.variance.count, 1))
            return Target(mean: s.mean, variance: s.variance, epsilon: max(1e-6 * meanVariance, 1e-30), followedByBatchNorm: false)
        }
    }

    /// Per-channel corrections of every plan layer (indexed like `plan.network.nodes`) for a chip;
    /// `chip` builds the chip's provider with the corrections found so far.
    func corrections(targets: [Target], calibration: Dataset, verifier: Verifier,
                     chip: ([AnalogMatrixProducts.ChannelAffine?]) -> AnalogMatrixProducts) throws -> [AnalogMatrixProducts.ChannelAffine?] {
        var result = [AnalogMatrixProducts.ChannelAffine?](repeating: nil, count: plan.network.nodes.count)
        for depth in Set(depths).sorted() {
            let layers = Set(plan.layers.indices.filter { depths[$0] == depth })
            let stats = try measure(provider: chip(result), layers: layers, calibration: calibration, verifier: verifier)
            for l in layers.sorted() {
                let s = stats[l]!, t = targets[l]
                var scale = [Float](repeating: 1, count: s.mean.count), shift = [Float](repeating: 0, count: s.mean.count)
                for c in 0..<min(s.mean.count, t.mean.count) {
                    let a = ((t.variance[c] + t.epsilon) / (s.variance[c] + t.epsilon)).squareRoot()
                    guard a.isFinite else { continue }
                    scale[c] = Float(a)
                    shift[c] = Float(t.mean[c] - a * s.mean[c])
                }
                result[nodes[l]] = .init(scale: scale, shift: shift)
            }
        }
        return result
    }

    /// Mean and (population) variance per output channel of the given plan layers' matrix products.
    func measure(provider: AnalogMatrixProducts, layers: Set<Int>, calibration: Dataset,
                 verifier: Verifier) throws -> [Int: (mean: [Double], variance: [Double])] {
        var channels = [Int: Int]()
        for l in layers { channels[nodes[l]] = plan.layers[l].matrix.groups * plan.layers[l].matrix.columns }
        let recorder = ChannelStatistics(samples: calibration.count, channels: channels)
        try verifier.forEachOutput(ObservedProducts(analog: provider, observer: recorder), calibration) { _, _ in }
        var result = [Int: (mean: [Double], variance: [Double])]()
        for l in layers { result[l] = recorder.moments(node: nodes[l]) }
        return result
    }
}

/// Per-sample sums of y and y² per output channel of chosen nodes. Each (sample, group) of a node
/// is written by exactly one `multiply` call, so calls may come in any order.
final class ChannelStatistics: @unchecked Sendable {
    private let lock = NSLock()
    private let samples: Int
    private var sums: [Int: [Double]] = [:]
    private var squares: [Int: [Double]] = [:]
    private var channels: [Int: Int]
    private var vectorsPerSample: [Int: Int] = [:]

    init(samples: Int, channels: [Int: Int]) {
        self.samples = samples
        self.channels = channels
        for (node, c) in channels {
            sums[node] = [Double](repeating: 0, count: samples * c)
            squares[node] = [Double](repeating: 0, count: samples * c)
        }
    }

    func records(node: Int) -> Bool { channels[node] != nil }

    func add(_ y: UnsafeBufferPointer<Float>, context: MatrixProductContext) {
        guard let c = channels[context.node] else { return }
        let columns = context.matrix.columns, base = context.group * columns
        let per = context.vectorsPerSample
        var s = [Double](repeating: 0, count: context.samples.count * columns), q = s
        for (k, _) in context.samples.enumerated() {
            for p in 0..<per {
                let row = (k * per + p) * columns
                for j in 0..<columns {
                    let v = Double(y[row + j])
                    s[k * columns + j] += v
                    q[k * columns + j] += v * v
                }
            }
        }
        lock.lock(); defer { lock.unlock() }
        vectorsPerSample[context.node] = per
        for (k, sample) in context.samples.enumerated() where sample >= 0 && sample < samples {
            for j in 0..<columns {
                sums[context.node]![sample * c + base + j] = s[k * columns + j]
                squares[context.node]![sample * c + base + j] = q[k * columns + j]
            }
        }
    }

    func moments(node: Int) -> (mean: [Double], variance: [Double]) {
        lock.lock(); defer { lock.unlock() }
        let c = channels[node] ?? 0
        let n = Double(samples * (vectorsPerSample[node] ?? 0))
        var mean = [Double](repeating: 0, count: c), variance = mean
        guard n > 0, let s = sums[node], let q = squares[node] else { return (mean, variance) }
        for ch in 0..<c {
            var a = 0.0, b = 0.0
            for i in 0..<samples { a += s[i * c + ch]; b += q[i * c + ch] }
            mean[ch] = a / n
            variance[ch] = max(b / n - mean[ch] * mean[ch], 0)
        }
        return (mean, variance)
    }
}

extension ChannelStatistics: ProductObserver {
    func observedSamples(node: Int) -> Range<Int> { records(node: node) ? 0..<samples : 0..<0 }

    func observe(input: UnsafeBufferPointer<Float>, output: UnsafeBufferPointer<Float>, context: MatrixProductContext) {
        if records(node: context.node) { add(output, context: context) }
    }
}
