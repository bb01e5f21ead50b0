internal import CKernels
import DeviceSimulation
import Engine
import NetworkModel

/// Matrix products of one simulated chip at one time point: the mapped layers use the weights
/// rebuilt from device conductances, layers kept digital their exact weights, and each node's output
/// is scaled by its drift-compensation gain (1 without compensation).
///
/// Per-read noise (`variances` set): y_c gains an exact Gaussian of variance Σ_r x_r² V_rc (one extra
/// GEMM of x² with V), drawn from a Philox stream keyed by (seed, trial, time value, node, sample,
/// position, group) with one normal per column in column order, so the noise of an output never
/// depends on batch size, chunking or threads.
///
/// With a non-ideal periphery the mapped layers run tile by tile (`PeripheralTiles`): DAC, output
/// noise and ADC per tile, partial outputs summed digitally. Per-channel corrections (AdaBS) apply
/// last: y ← a·y + b per output channel.
///
/// Determinism: like `ExactMatrixProducts`, every product through `multiply` goes through
/// `GEMMBlocks` (fixed 64-row blocks aligned to the dataset-wide vector index), so results are
/// bitwise independent of `context.threads`, the batch size and convolution chunking. Where the
/// products are fixed (`fixedProducts`), the engine computes them itself, per sample.
public struct AnalogMatrixProducts: FixedProductProvider {
    let weights: [[[Float]]?]
    let variances: [[[Float]]?]?
    let gains: [[Float]?]
    let corrections: [ChannelAffine?]
    let matrices: [CrossbarMatrix?]
    let noise: PerReadNoiseKey?
    let peripheral: (periphery: Periphery, tiles: PeripheralTiles)?

    /// y ← scale·y + shift per output channel (index group · columns + column).
    public struct ChannelAffine: Sendable, Equatable {
        public var scale: [Float]
        public var shift: [Float]
        public init(scale: [Float], shift: [Float]) { self.scale = scale; self.shift = shift }
    }

    /// Identifies the per-read noise of one (trial, time point): by the time's value, never by its
    /// place in the list of times asked, so a time's result is the same alone or among others.
    public struct PerReadNoiseKey: Sendable, Hashable {
        public var seed: UInt64
        public var trial: Int
        /// Seconds after programming.
        public var time_s: Double
        public init(seed: UInt64, trial: Int, time_s: Double) { self.seed = seed; self.trial = trial; self.time_s = time_s }

        /// The time's bit pattern as a key word (+0 and −0 alike).
        var timeWord: Int { Int(truncatingIfNeeded: (time_s == 0 ? 0 : time_s).bitPattern) }
    }

    /// - Parameters:
    ///   - mapped: weights of the plan's crossbar layers; other matrix nodes take `network`'s weights.
    ///   - variances: per-read weight variances of the mapped layers, or nil for no per-read noise.
    ///   - gains: per node, one factor per column of the node's matrix (all groups share it), or nil for 1.
    ///   - corrections: per node, a per-channel affine applied after the gains, or nil.
    ///   - periphery: with the plan's tiles, for a non-ideal periphery; its output noise needs `noise`.
    public init(network: Network, mapped: LayerMatrices, variances: LayerMatrices? = nil,
                gains: [[Float]?]? = nil, corrections: [ChannelAffine?]? = nil, noise: PerReadNoiseKey? = nil,
                periphery: (Periphery, PeripheralTiles)? = nil) {
        let exact = ExactMatrixProducts(network: network)
        var w = mapped.blocks
        for (i, node) in network.nodes.enumerated() where w[i] == nil {
            if let m = node.crossbarMatrix { w[i] = (0..<m.groups).map { exact.weights(node: i, group: $0) ?? [] } }
        }
        weights = w
        self.variances = variances?.blocks
        self.gains = gains ?? Array(repeating: nil, count: network.nodes.count)
        self.corrections = corrections ?? Array(repeating: nil, count: network.nodes.count)
        matrices = network.nodes.map(\.crossbarMatrix)
        if let periphery, !periphery.0.isIdeal {
            peripheral = (periphery.0, periphery.1)
            self.noise = variances != nil || periphery.0.outputNoise > 0 ? noise : nil
        } else {
            peripheral = nil
            self.noise = variances == nil ? nil : noise
        }
    }

    public func validate(for network: Network) throws(EngineError) {
        guard network.nodes.map(\.crossbarMatrix) == matrices else {
            throw .provider(node: network.name, detail: "the analog provider was built for another network")
        }
    }

    /// Fixed where `multiply` is a product of fixed weights: no tile-wise periphery on this node
    /// (frozen reads are in the weights; per-read noise is `FixedProducts.ReadNoise`, whose
    /// contract is `addReadNoise`'s). The gain and correction as `multiply` applies them; the
    /// engine then runs convolutions directly (`FixedProducts`).
    public func fixedProducts(node n: Int, group: Int) -> FixedProducts? {
        guard n >= 0, n < weights.count, let groups = weights[n], let matrix = matrices[n],
              group >= 0, group < groups.count else { return nil }
        if peripheral?.tiles.blocks[n]?[group] != nil { return nil }
        var readNoise: FixedProducts.ReadNoise?
        if let noise, let variance = variances?[n]?[group] {
            readNoise = FixedProducts.ReadNoise(variances: variance, key: Self.readKey(noise, node: n))
        }
        let columns = matrix.columns
        if let c = corrections[n], c.scale.count < (group + 1) * columns || c.shift.count < (group + 1) * columns { return nil }
        let correction = corrections[n].map { c in
            (Array(c.scale[(group * columns)..<((group + 1) * columns)]), Array(c.shift[(group * columns)..<((group + 1) * columns)]))
        }
        return FixedProducts(weights: groups[group], layout: .crossbar, columnGain: gains[n],
                             channelScale: correction?.0, channelShift: correction?.1, readNoise: readNoise)
    }

    public func multiply(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
                         context: MatrixProductContext) throws(EngineError) {
        let n = context.node
        guard n >= 0, n < weights.count, let groups = weights[n], let matrix = matrices[n],
              context.group >= 0, context.group < groups.count else {
            throw .provider(node: "#\(n)", detail: "no weights for node \(n), group \(context.group)")
        }
        let m = context.vectorCount
        let (rows, columns) = (matrix.rows, matrix.columns)
        let (k32, n32) = try context.checkedBLASSizes(inputCount: input.count, outputCount: output.count, nodeName: "#\(n)")
        if m == 0 || columns == 0 { return }
        if rows == 0 { output.update(repeating: 0); return }
        guard let x0 = input.baseAddress, let y0 = output.baseAddress else { return }
        let variance = variances?[n]?[context.group]
        let gain = gains[n]
        let correction = corrections[n]
        let channelBase = context.group * columns
        let noise = self.noise
        let tiles = peripheral?.tiles.blocks[n]?[context.group]
        let periphery = peripheral?.periphery
        let readKey = noise.map { Self.readKey($0, node: n) }
        // The exact provider's blocks (`GEMMBlocks`), so ideal devices reproduce its products bit
        // for bit and no output depends on how vectors are grouped.
        groups[context.group].withUnsafeBufferPointer { w in
            guard let w = w.baseAddress else { return }
            // Per thread: the periphery's buffers, or the per-read noise's squares and variances.
            let layout = tiles.map(PeripheralTiles.Scratch.init(tiles:))
            let scratch = layout?.floats ?? (variance != nil ? GEMMBlocks.rows * (rows + columns) : 0)
            GEMMBlocks.forEach(input: x0, k: rows, output: y0, n: columns, context: context,
                               scratchFloats: scratch) { block, scratch in
                let (y, valid) = (block.y, block.valid)
                if let tiles, let periphery, let layout {
                    PeripheralTiles.multiply(tiles: tiles, periphery: periphery, block: block, rows: rows, columns: columns,
                                             noise: noise, context: context, layout: layout, scratch: scratch)
                } else {
                    GEMMBlocks.multiply(block.x, k: k32, w, n: n32, into: y)
                    if let variance, let readKey {
                        Self.addReadNoise(block: block, rows: rows, columns: columns, variance: variance, key: readKey,
                                          context: context, squares: scratch, variances: scratch + GEMMBlocks.rows * rows)
                    }
                }
                // Over unsafe buffers, so the loops vectorise (with array subscripts and checked
                // index arithmetic the gain alone took 4 % of a default-periphery verify).
                if let gain {
                    gain.withUnsafeBufferPointer { gain in
                        for v in valid {
                            let row = y + v &* columns
                            for j in 0..<columns { row[j] *= gain[j] }
                        }
                    }
                }
                if let correction {
                    correction.scale.withUnsafeBufferPointer { scale in
                        correction.shift.withUnsafeBufferPointer { shift in
                            let (scale, shift) = (scale.baseAddress! + channelBase, shift.baseAddress! + channelBase)
                            for v in valid {
                                let row = y + v &* columns
                                for j in 0..<columns { row[j] = scale[j] * row[j] + shift[j] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The per-read noise's own Philox key per (seed, trial, node, time); counters (pair, sample,
    /// place, 0).
    static func readKey(_ noise: PerReadNoiseKey, node: Int) -> SIMD2<UInt32> {
        noiseKey(seed: noise.seed, purpose: 0x7265_6164, words: [noise.trial, node, noise.timeWord])
    }

    /// y += sqrt(Σ_r x_r² V_rc) · z for the valid vectors of a block, in the caller's buffers (a
    /// block of `rows`-long squares and of `columns`-long variances). The key is made once per
    /// product: conv layers with few rows call this ≈ 10⁵ times per evaluation.
    static func addReadNoise(block: GEMMBlock, rows: Int, columns: Int, variance: [Float], key: SIMD2<UInt32>,
                             context: MatrixProductContext, squares: UnsafeMutablePointer<Float>,
                             variances: UnsafeMutablePointer<Float>) {
        outputVariance(block.x, rows: rows, variance: variance, columns: columns, squares: squares, into: variances)
        addGaussian(to: block.y, variance: variances, plus: 0, columns: columns, key: key, context: context, block: block)
    }

    /// Σ_r x_r² V_rc for the `GEMMBlocks.rows` vectors of a block, `rows` inputs each, into `out`
    /// (`columns`-long rows; `squares` a block of `rows`-long rows): the output variance of per-read
    /// weight noise (the whole matrix here, one tile in `PeripheralTiles`). Both are written whole
    /// (the squares by the loop, the variances by the GEMM), so they are not zero-filled first.
    static func outputVariance(_ x: UnsafePointer<Float>, rows: Int, variance: [Float], columns: Int,
                               squares: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        for i in 0..<(GEMMBlocks.rows * rows) { squares[i] = x[i] * x[i] }
        variance.withUnsafeBufferPointer { v in
            GEMMBlocks.multiply(squares, k: Int32(rows), v.baseAddress!, n: Int32(columns), into: out)
        }
    }

    /// y[v, c] += √(variance[v, c] + plus) · z for the valid rows v of a block (where the variance
    /// is positive). The normals of a vector come from Philox blocks at counters (k, sample,
    /// position · groups + group, 0), block k giving columns 2k and 2k + 1, turned into normals by
    /// `GaussianQuads`' arithmetic, eight blocks at a time by CKernels (AVX-512, AVX2 or portable C,
    /// the same bits; per-read verify of the bundled CNN: 2.05 → 1.25 s per evaluation against
    /// Swift's 4-wide vectors, 1 thread); the stream's other coordinates (seed, trial, time, node,
    /// tile, purpose) are in `key`. So an output's noise never depends on batching, chunking,
    /// threads or the other times asked.
    static func addGaussian(to y: UnsafeMutablePointer<Float>, variance: UnsafePointer<Float>, plus: Float, columns: Int,
                            key: SIMD2<UInt32>, context: MatrixProductContext, block: GEMMBlock) {
        for v in block.valid {
            let (sample, place) = context.readNoiseCounters(ofVector: block.firstVector + v)
            imprint_add_read_noise_row(y + v &* columns, variance + v &* columns, plus, columns, sample, place, key[0], key[1])
        }
    }

    /// A Philox key of its own for (seed, purpose, words…), mixed by SplitMix64 (Steele et al. 2014),
    /// so read-noise and periphery streams never share numbers with each other or a device stream.
    static func noiseKey(seed: UInt64, purpose: UInt64, words: [Int]) -> SIMD2<UInt32> {
        var z = seed ^ (purpose &* 0x9E37_79B9_7F4A_7C15)
        for word in words {
            z = (z ^ UInt64(truncatingIfNeeded: word)) &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
        }
        return SIMD2(UInt32(truncatingIfNeeded: z), UInt32(truncatingIfNeeded: z >> 32))
    }
}
