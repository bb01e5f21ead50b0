import Engine
import Foundation
import NetworkModel
import Plan

/// Squared norms of one evaluation's layer outputs over a fixed subset of samples, per mapped layer:
/// Σ‖y_analog − y_exact‖² and Σ‖y_exact‖², both on the same input (the activations the analog run
/// feeds the layer).
///
/// Determinism: every (layer, group, sample) has its own slot, written by the one `multiply` call
/// that holds that sample, and `relativeErrors()` reduces the slots in (group, sample) order, so the
/// result depends on neither threads nor batch size.
final class LayerErrorAccumulator: @unchecked Sendable {
    /// Samples `0 ..< sampleLimit` are measured.
    let sampleLimit: Int
    /// Per network node: its index in `plan.layers`, or nil.
    let layerOfNode: [Int?]
    /// The plan's weights as compiled (from the exact targets).
    let compiled: LayerMatrices
    private var difference: [[Double]]
    private var reference: [[Double]]
    private let lock = NSLock()

    init(plan: Plan, nodes: [Int], compiled: LayerMatrices, sampleLimit: Int) {
        self.sampleLimit = max(sampleLimit, 0)
        self.compiled = compiled
        var layerOfNode = [Int?](repeating: nil, count: plan.network.nodes.count)
        for (l, n) in nodes.enumerated() { layerOfNode[n] = l }
        self.layerOfNode = layerOfNode
        difference = plan.layers.map { [Double](repeating: 0, count: $0.matrix.groups * max(sampleLimit, 0)) }
        reference = difference
    }

    func add(layer: Int, group: Int, sample: Int, difference d: Double, reference r: Double) {
        let slot = group * sampleLimit + sample
        lock.lock(); defer { lock.unlock() }
        difference[layer][slot] += d
        reference[layer][slot] += r
    }

    /// ‖y_analog − y_exact‖ / ‖y_exact‖ per layer (0 when the exact output is zero throughout).
    func relativeErrors() -> [Double] {
        lock.lock(); defer { lock.unlock() }
        return zip(difference, reference).map { d, r in
            let (sd, sr) = (d.reduce(0, +), r.reduce(0, +))
            return sr > 0 ? (sd / sr).squareRoot() : 0
        }
    }
}

extension LayerErrorAccumulator: ProductObserver {
    func observedSamples(node: Int) -> Range<Int> {
        node >= 0 && node < layerOfNode.count && layerOfNode[node] != nil ? 0..<sampleLimit : 0..<0
    }

    /// For the samples of the subset: the exact product of the same input with the weights as
    /// compiled, and the squared norms of its difference to the analog output.
    func observe(input: UnsafeBufferPointer<Float>, output: UnsafeBufferPointer<Float>, context: MatrixProductContext) {
        let n = context.node
        guard n >= 0, n < layerOfNode.count, let layer = layerOfNode[n],
              let w = compiled.blocks[n]?[context.group],
              context.samples.lowerBound < sampleLimit else { return }
        let (rows, columns, per) = (context.matrix.rows, context.matrix.columns, context.vectorsPerSample)
        guard rows > 0, columns > 0, per > 0, let k32 = Int32(exactly: rows), let n32 = Int32(exactly: columns),
              let x = input.baseAddress, let ya = output.baseAddress else { return }
        let last = min(context.samples.upperBound, sampleLimit)
        // The measured samples lead the call, so their vectors keep their dataset-wide GEMM blocks.
        var subset = context
        subset.samples = context.samples.lowerBound..<last
        var y = [Float](repeating: 0, count: subset.vectorCount * columns)
        w.withUnsafeBufferPointer { wb in
            y.withUnsafeMutableBufferPointer { yb in
                GEMMBlocks.forEach(input: x, k: rows, output: yb.baseAddress!, n: columns, context: subset) { block in
                    GEMMBlocks.multiply(block.x, k: k32, wb.baseAddress!, n: n32, into: block.y)
                }
            }
        }
        for (k, sample) in subset.samples.enumerated() {
            var d = 0.0, r = 0.0
            let base = k * per * columns
            for i in base..<(base + per * columns) {
                let e = Double(y[i])
                let diff = Double(ya[i]) - e
                d += diff * diff
                r += e * e
            }
            add(layer: layer, group: context.group, sample: sample, difference: d, reference: r)
        }
    }
}

/// Something that looks at every matrix product of an analog run (its input and output) without
/// changing it.
protocol ProductObserver: Sendable {
    func observe(input: UnsafeBufferPointer<Float>, output: UnsafeBufferPointer<Float>, context: MatrixProductContext)
    /// The dataset samples whose products of `node` this observer looks at.
    func observedSamples(node: Int) -> Range<Int>
}

/// An analog provider whose products are also handed to an observer; the output is returned
/// unchanged, so accuracy is exactly that of the analog provider.
///
/// Where the analog products are fixed the engine computes convolutions directly and hands the
/// observed samples' inputs to `inspect`, which computes their analog products with `multiply`
/// for the observer (so an observed run costs one more product for those samples only, and its
/// outputs are those of the unobserved run).
struct ObservedProducts: FixedProductProvider {
    let analog: AnalogMatrixProducts
    let observer: any ProductObserver

    func validate(for network: Network) throws(EngineError) { try analog.validate(for: network) }

    func multiply(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
                  context: MatrixProductContext) throws(EngineError) {
        try analog.multiply(input, into: output, context: context)
        observer.observe(input: input, output: UnsafeBufferPointer(start: output.baseAddress, count: context.vectorCount * context.matrix.columns),
                         context: context)
    }

    func fixedProducts(node: Int, group: Int) -> FixedProducts? { analog.fixedProducts(node: node, group: group) }

    func inspectedSamples(node: Int) -> Range<Int> { observer.observedSamples(node: node) }

    func inspect(_ input: UnsafeBufferPointer<Float>, context: MatrixProductContext) throws(EngineError) {
        var output = [Float](repeating: 0, count: context.vectorCount * context.matrix.columns)
        try output.withUnsafeMutableBufferPointer { (output) throws(EngineError) in
            try multiply(input, into: output, context: context)
        }
    }
}
