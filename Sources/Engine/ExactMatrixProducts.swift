import NetworkModel

/// The digital reference provider: the trained float32 weights, multiplied with `cblas_sgemm`.
///
/// Weights are laid out once at construction as contiguous row-major `[rows, columns]` blocks per
/// group, the crossbar's own layout, so every product is an untransposed GEMM.
///
/// Threads and batching: OpenBLAS 0.3.21's threaded SGEMM is not bitwise reproducible across
/// thread counts (measured: different partitions give different roundings), so the engine keeps
/// OpenBLAS at one thread and every product goes through `GEMMBlocks`: fixed 64-row blocks aligned
/// to the dataset-wide vector index, one single-threaded GEMM each, spread over `context.threads`
/// threads. The blocks depend on neither the thread count nor the batch, so neither do the results.
public struct ExactMatrixProducts: MatrixProductProvider {
    /// Per node index: one `[rows × columns]` block per group, or nil for non-matrix nodes.
    private let blocks: [[[Float]]?]
    private let matrices: [CrossbarMatrix?]
    private let nodeNames: [String]

    public init(network: Network) {
        var blocks = [[[Float]]?]()
        blocks.reserveCapacity(network.nodes.count)
        for node in network.nodes {
            switch node.operation {
            case .dense(let d): blocks.append([d.weight.data])
            case .conv2d(let c): blocks.append(Self.crossbarBlocks(of: c))
            default: blocks.append(nil)
            }
        }
        self.blocks = blocks
        self.matrices = network.nodes.map(\.crossbarMatrix)
        self.nodeNames = network.nodes.map(\.name)
    }

    /// The row-major `[rows, columns]` weights of one group, as a crossbar would hold them.
    public func weights(node: Int, group: Int) -> [Float]? {
        guard node >= 0, node < blocks.count, let groups = blocks[node], group >= 0, group < groups.count else {
            return nil
        }
        return groups[group]
    }

    /// Conv weight [C_out, C_in/g, K_h, K_w] is, per group, a [C_out/g, rows] block; the crossbar
    /// wants its transpose.
    private static func crossbarBlocks(of c: Conv2DOp) -> [[Float]] {
        let groups = c.group
        let columns = c.outChannels / groups
        let rows = c.inChannelsPerGroup * c.kernel[0] * c.kernel[1]
        return c.weight.data.withUnsafeBufferPointer { w in
            (0..<groups).map { g in
                var block = [Float](repeating: 0, count: rows * columns)
                block.withUnsafeMutableBufferPointer { b in
                    for col in 0..<columns {
                        let src = (g * columns + col) * rows
                        for r in 0..<rows { b[r * columns + col] = w[src + r] }
                    }
                }
                return block
            }
        }
    }

    public func validate(for network: Network) throws(EngineError) {
        guard network.nodes.map(\.crossbarMatrix) == matrices else {
            throw .provider(node: network.name, detail: "the exact provider was built for another network")
        }
    }

    public func multiply(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
                         context: MatrixProductContext) throws(EngineError) {
        let n = context.node
        guard n >= 0, n < blocks.count, let groups = blocks[n], let matrix = matrices[n],
              context.group >= 0, context.group < groups.count else {
            throw .provider(node: "#\(n)", detail: "no weights for node \(n), group \(context.group)")
        }
        let m = context.vectorCount
        let (rows, columns) = (matrix.rows, matrix.columns)
        let (k32, n32) = try context.checkedBLASSizes(inputCount: input.count, outputCount: output.count, nodeName: nodeNames[n])
        if m == 0 || columns == 0 { return }
        if rows == 0 { output.update(repeating: 0); return }
        guard let a = input.baseAddress, let c = output.baseAddress else { return }
        groups[context.group].withUnsafeBufferPointer { w in
            guard let w = w.baseAddress else { return }
            GEMMBlocks.forEach(input: a, k: rows, output: c, n: columns, context: context) { block in
                GEMMBlocks.multiply(block.x, k: k32, w, n: n32, into: block.y)
            }
        }
    }
}
