import NetworkModel

/// The digital reference provider: the trained float32 weights, multiplied with `cblas_sgemm`.
///
/// Weights stay where the network holds them (no copy): dense weights are already the crossbar's
/// `[rows, columns]`; convolutions, `[C_out, C_in/g, K_h, K_w]`, are read in place by the engine's
/// direct convolutions (`fixedProducts`), and transposed by BLAS in the rare `multiply` call.
///
/// Threads and batching (`multiply`): OpenBLAS 0.3.21's threaded SGEMM is not bitwise reproducible
/// across thread counts (measured: different partitions give different roundings), so the engine
/// keeps OpenBLAS at one thread and every product here goes through `GEMMBlocks`: fixed 64-row blocks aligned
/// to the dataset-wide vector index, one single-threaded GEMM each, spread over `context.threads`
/// threads. The blocks depend on neither the thread count nor the batch, so neither do the results.
public struct ExactMatrixProducts: FixedProductProvider {
    /// Per node index: a dense node's `[rows × columns]` crossbar block, a convolution's weights as
    /// the model holds them (`[C_out, C_in/g, K_h, K_w]`, per group a `[columns × rows]` block,
    /// shared with the network, not copied), or nil for non-matrix nodes.
    private let weightArrays: [(data: [Float], layout: FixedProducts.Layout)?]
    private let matrices: [CrossbarMatrix?]
    private let nodeNames: [String]

    public init(network: Network) {
        weightArrays = network.nodes.map { node in
            switch node.operation {
            case .dense(let d): return (d.weight.data, .crossbar)
            case .conv2d(let c): return (c.weight.data, .outputMajor)
            default: return nil
            }
        }
        self.matrices = network.nodes.map(\.crossbarMatrix)
        self.nodeNames = network.nodes.map(\.name)
    }

    /// The row-major `[rows, columns]` weights of one group, as a crossbar would hold them
    /// (a convolution's are transposed from the model's layout on each call).
    public func weights(node: Int, group: Int) -> [Float]? {
        guard let f = fixedProducts(node: node, group: group), let matrix = matrices[node] else { return nil }
        if f.layout == .crossbar { return f.weights }
        let (rows, columns) = (matrix.rows, matrix.columns)
        return f.weights.withUnsafeBufferPointer { w in
            [Float](unsafeUninitializedCapacity: rows * columns) { block, initialized in
                for col in 0..<columns {
                    let src = f.start + col * rows
                    for r in 0..<rows { block[r * columns + col] = w[src + r] }
                }
                initialized = rows * columns
            }
        }
    }

    /// The weights themselves, in place: every product is exact.
    public func fixedProducts(node: Int, group: Int) -> FixedProducts? {
        guard node >= 0, node < weightArrays.count, let (data, layout) = weightArrays[node], let matrix = matrices[node],
              group >= 0, group < matrix.groups else { return nil }
        return FixedProducts(weights: data, start: group * matrix.rows * matrix.columns, layout: layout)
    }

    public func validate(for network: Network) throws(EngineError) {
        guard network.nodes.map(\.crossbarMatrix) == matrices else {
            throw .provider(node: network.name, detail: "the exact provider was built for another network")
        }
    }

    /// Convolutions reach this only where the engine cannot run them directly (a negative
    /// padding, say); their GEMMs read the model's layout transposed (`GEMMBlocks.multiplyTransposed`).
    public func multiply(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
                         context: MatrixProductContext) throws(EngineError) {
        let n = context.node
        guard let f = fixedProducts(node: n, group: context.group), let matrix = matrices[n] else {
            throw .provider(node: "#\(n)", detail: "no weights for node \(n), group \(context.group)")
        }
        let m = context.vectorCount
        let (rows, columns) = (matrix.rows, matrix.columns)
        let (k32, n32) = try context.checkedBLASSizes(inputCount: input.count, outputCount: output.count, nodeName: nodeNames[n])
        if m == 0 || columns == 0 { return }
        if rows == 0 { output.update(repeating: 0); return }
        guard let a = input.baseAddress, let c = output.baseAddress else { return }
        f.weights.withUnsafeBufferPointer { w in
            guard let w = w.baseAddress.map({ $0 + f.start }) else { return }
            GEMMBlocks.forEach(input: a, k: rows, output: c, n: columns, context: context) { block in
                if f.layout == .crossbar {
                    GEMMBlocks.multiply(block.x, k: k32, w, n: n32, into: block.y)
                } else {
                    GEMMBlocks.multiplyTransposed(block.x, k: k32, w, n: n32, into: block.y)
                }
            }
        }
    }
}
