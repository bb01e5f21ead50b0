import NetworkModel

/// Where one crossbar matrix product sits: which node and group, and which dataset samples the
/// input vectors belong to.
///
/// Input vectors are ordered sample-major: vector `v` belongs to dataset sample
/// `samples.lowerBound + v / vectorsPerSample` at position `v % vectorsPerSample` (the output pixel
/// of a convolution, or the leading index of a dense layer on a rank > 2 input). An analog provider
/// keys its per-read noise on (sample, position) so results do not depend on batch size, chunking
/// or thread count.
public struct MatrixProductContext: Sendable, Equatable {
    /// Index into `network.nodes`.
    public var node: Int
    /// Block-diagonal group, `0..<matrix.groups`.
    public var group: Int
    /// The node's crossbar matrix (rows, columns per group, groups).
    public var matrix: CrossbarMatrix
    /// Dataset-wide indices of the samples whose vectors fill the input, in order.
    public var samples: Range<Int>
    /// Input vectors per sample.
    public var vectorsPerSample: Int
    /// Threads the provider may use for this product (the engine's `Options.threads`). Results
    /// must not depend on it.
    public var threads: Int

    public init(node: Int, group: Int, matrix: CrossbarMatrix, samples: Range<Int>, vectorsPerSample: Int,
                threads: Int = 1) {
        self.node = node; self.group = group; self.matrix = matrix
        self.samples = samples; self.vectorsPerSample = vectorsPerSample; self.threads = threads
    }

    /// Number of input vectors (`m`): the input holds `m × rows` values, the output `m × columns`.
    public var vectorCount: Int { samples.count * vectorsPerSample }

    /// The dataset sample input vector `v` belongs to.
    public func sample(ofVector v: Int) -> Int { samples.lowerBound + v / vectorsPerSample }

    /// The position of input vector `v` within its sample.
    public func position(ofVector v: Int) -> Int { v % vectorsPerSample }
    /// Per-read noise's Philox counter words for input vector `v` (`FixedProducts.ReadNoise`): its
    /// dataset sample, and its place position · groups + group, both mod 2³².
    public func readNoiseCounters(ofVector v: Int) -> (sample: UInt32, place: UInt32) {
        (UInt32(truncatingIfNeeded: sample(ofVector: v)),
         UInt32(truncatingIfNeeded: position(ofVector: v)) &* UInt32(truncatingIfNeeded: matrix.groups)
             &+ UInt32(truncatingIfNeeded: group))
    }

    /// Checks a `multiply` call's buffers against this context's vectors and matrix (without
    /// overflowing) and returns BLAS's 32-bit row and column counts.
    public func checkedBLASSizes(inputCount: Int, outputCount: Int, nodeName: String) throws(EngineError) -> (rows: Int32, columns: Int32) {
        let m = vectorCount
        let (inCount, o1) = m.multipliedReportingOverflow(by: matrix.rows)
        let (outCount, o2) = m.multipliedReportingOverflow(by: matrix.columns)
        guard !o1, !o2, inputCount >= inCount, outputCount >= outCount else {
            throw .provider(node: nodeName, detail: "buffers of \(inputCount) and \(outputCount) values are too small for \(m) vectors")
        }
        guard let k32 = Int32(exactly: matrix.rows), let n32 = Int32(exactly: matrix.columns) else {
            throw .tooLarge("node '\(nodeName)': a \(matrix.rows)×\(matrix.columns) crossbar matrix exceeds BLAS's 32-bit sizes")
        }
        return (k32, n32)
    }
}

/// Computes the matrix products of dense and convolution nodes; everything else stays digital in the
/// engine. Swapping the provider turns exact inference into analog simulation with the same executor.
///
/// Contract of `multiply`: `output[m × columns] = input[m × rows] · W_g`, both buffers row-major and
/// contiguous, `m = context.vectorCount`, rows/columns as in `Node.crossbarMatrix` (convolution rows
/// in (c_in, k_h, k_w) order). The engine adds the bias afterwards. The engine calls `multiply`
/// concurrently from several threads (one per part of a batch, `InferenceEngine`; and several runs
/// may proceed at once), each call for its own samples, so implementations must be thread-safe; they may use up to `context.threads` threads internally, and their results must be
/// bitwise independent of that number.
public protocol MatrixProductProvider: Sendable {
    /// Checks, once at engine construction, that the provider can serve this network.
    func validate(for network: Network) throws(EngineError)

    /// Writes every element of `output`.
    func multiply(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
                  context: MatrixProductContext) throws(EngineError)
}

extension MatrixProductProvider {
    public func validate(for network: Network) throws(EngineError) {}
}

/// What a provider's products are for one node and group when they are a fixed matrix product:
/// `multiply` computes exactly `input · W`, then adds `readNoise` (when present), then
/// `y_j ← y_j · columnGain[j]`, then `y_j ← channelScale[j] · y_j + channelShift[j]` (each present
/// or not), every operation rounded on its own. The engine may then compute a convolution directly
/// from its input planes (`DirectConvolution`), with its own summation order, instead of calling
/// `multiply`.
public struct FixedProducts: Sendable {
    /// Per-read noise: fresh for every product, a function of what it is added to, never of how
    /// the work is cut. For the input vector at `position` of dataset sample `sample` (as
    /// `MatrixProductContext` numbers them), output column j gains
    /// `√(Σ_r x_r² · V[r, j]) · z_j` where that sum is positive, z_j being normal j mod 2 of
    /// Philox4x32-10 block (⌊j/2⌋, sample, position · groups + group, 0) under `key` (mod 2³²),
    /// turned into normals as CKernels' `imprint_add_read_noise_row` does.
    public struct ReadNoise: Sendable {
        /// V, `[rows × columns]` (the crossbar's layout), from index `start`.
        public var variances: [Float]
        public var start: Int
        public var key: SIMD2<UInt32>
        public init(variances: [Float], start: Int = 0, key: SIMD2<UInt32>) {
            self.variances = variances; self.start = start; self.key = key
        }
    }

    /// How `weights` holds W (`rows × columns`, rows in (c_in, k_h, k_w) order).
    public enum Layout: Sendable, Equatable {
        /// Row-major `[rows × columns]`: the crossbar's layout.
        case crossbar
        /// Row-major `[columns × rows]`: a convolution's weights as a model stores them per group.
        case outputMajor
    }

    /// Holds W from index `start` on (so a group can point into a whole node's array, uncopied).
    public var weights: [Float]
    public var start: Int
    public var layout: Layout
    /// One factor per column, or nil for 1.
    public var columnGain: [Float]?
    /// One affine map per column of this group, or nil for the identity; both or neither.
    public var channelScale: [Float]?
    public var channelShift: [Float]?
    public var readNoise: ReadNoise?

    public init(weights: [Float], start: Int = 0, layout: Layout = .crossbar, columnGain: [Float]? = nil,
                channelScale: [Float]? = nil, channelShift: [Float]? = nil, readNoise: ReadNoise? = nil) {
        self.weights = weights; self.start = start; self.layout = layout; self.columnGain = columnGain
        self.channelScale = channelScale; self.channelShift = channelShift; self.readNoise = readNoise
    }
    /// Whether this holds a `[rows × columns]` matrix and a value per column in each map it has,
    /// so kernels may read it without further checks.
    func fits(rows: Int, columns: Int) -> Bool {
        start >= 0 && weights.count - start >= rows * columns
            && (columnGain.map { $0.count >= columns } ?? true)
            && (channelScale == nil) == (channelShift == nil)
            && (channelScale.map { $0.count >= columns } ?? true)
            && (channelShift.map { $0.count >= columns } ?? true)
            && (readNoise.map { $0.start >= 0 && $0.variances.count - $0.start >= rows * columns } ?? true)
    }
}

/// A provider that can say, per node and group, that its products are a fixed matrix product
/// (`FixedProducts`): the exact weights, or an analog chip's frozen ones, with or without per-read
/// noise. Providers with other randomness or tile-wise periphery return nil for those nodes, whose
/// products go through `multiply`.
///
/// A provider that must see some products although the engine computes them directly (an
/// observer of layer errors, a calibration) names their samples in `inspectedSamples`; the engine
/// then also builds those samples' inputs, as `multiply` would get them, and passes them to
/// `inspect`. What `inspect` does never changes the engine's results.
public protocol FixedProductProvider: MatrixProductProvider {
    func fixedProducts(node: Int, group: Int) -> FixedProducts?
    /// Dataset samples whose products of `node` must reach `inspect`; empty by default.
    func inspectedSamples(node: Int) -> Range<Int>
    /// `input` is `[context.vectorCount × rows]`, exactly what `multiply` would get for these samples.
    func inspect(_ input: UnsafeBufferPointer<Float>, context: MatrixProductContext) throws(EngineError)
}

extension FixedProductProvider {
    public func inspectedSamples(node: Int) -> Range<Int> { 0..<0 }
    public func inspect(_ input: UnsafeBufferPointer<Float>, context: MatrixProductContext) throws(EngineError) {}
}
