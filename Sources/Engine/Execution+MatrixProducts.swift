internal import CKernels
import NetworkModel

/// Dense and convolution steps: the only places the provider is called.
extension Execution {
    /// One product over every vector of the batch: [m, in]·[in, out] with m = N·(leading axes).
    func dense(_ step: Step, node: Node, bias: [Float]?, matrix: CrossbarMatrix,
               outCount: Int) throws(EngineError) -> [Float] {
        let x = try value(step.inputs[0]).data
        let vectors = matrix.rows > 0 ? x.count / matrix.rows : outCount / max(matrix.columns, 1)
        let samples = batch > 0 ? batch : 1
        let context = MatrixProductContext(node: step.node, group: 0, matrix: matrix,
                                           samples: firstSample..<(firstSample + samples),
                                           vectorsPerSample: vectors / samples, threads: parallelism.threads)
        var y: [Float]
        if let fixed = engine.fixedDense[step.node], matrix.rows > 0, vectors > 0, vectors * matrix.rows <= x.count {
            y = denseDirect(x, fixed: fixed, context: context, outCount: outCount)
            if let (provider, wanted) = inspection(step) {
                var inspected = context
                inspected.samples = wanted
                let per = context.vectorsPerSample * matrix.rows
                try x.withUnsafeBufferPointer { (x) throws(EngineError) in
                    try provider.inspect(UnsafeBufferPointer(rebasing: x[((wanted.lowerBound - firstSample) * per)..<((wanted.upperBound - firstSample) * per)]),
                                         context: inspected)
                }
            }
        } else {
            y = [Float](repeating: 0, count: outCount)
            let provider = engine.provider
            try x.withUnsafeBufferPointer { (x) throws(EngineError) in
                try y.withUnsafeMutableBufferPointer { (y) throws(EngineError) in
                    try provider.multiply(x, into: y, context: context)
                }
            }
        }
        if let bias {
            let parallel = parallelism
            y.withUnsafeMutableBufferPointer { Elementwise.addRowBias($0, rows: vectors, bias: bias, parallel: parallel) }
        }
        return y
    }

    /// `x · W` for fixed products with CKernels' `imprint_dense_products` (no packing, one fused
    /// multiply-add per input in order, so each output's bits depend on its own vector alone),
    /// the vectors split over the threads; then the per-read noise (its variances the same
    /// products of x² with V, its normals CKernels' `imprint_add_read_noise_row`, as `multiply`
    /// adds them), the provider's column gain and channel affine.
    private func denseDirect(_ x: [Float], fixed: FixedProducts, context: MatrixProductContext,
                             outCount: Int) -> [Float] {
        let parallel = parallelism
        let (rows, columns, vectors) = (context.matrix.rows, context.matrix.columns, context.vectorCount)
        var y = x.withUnsafeBufferPointer { x in
            fixed.weights.withUnsafeBufferPointer { w in
                uninitializedArray(outCount) { y in
                    let (x, w, y) = (x.baseAddress!, w.baseAddress! + fixed.start, y.baseAddress!)
                    parallel.forEach(vectors, workPerItem: rows * columns * (fixed.readNoise == nil ? 1 : 2)) { range in
                        imprint_dense_products(x + range.lowerBound * rows, rows, range.count, w, columns, rows, columns,
                                               y + range.lowerBound * columns, columns)
                        guard let noise = fixed.readNoise else { return }
                        Self.addDenseReadNoise(noise, x: x, y: y, vectors: range, context: context)
                    }
                }
            }
        }
        if let gain = fixed.columnGain {
            for r in 0..<vectors { for j in 0..<columns { y[r * columns + j] *= gain[j] } }
        }
        if let scale = fixed.channelScale, let shift = fixed.channelShift {
            for r in 0..<vectors { for j in 0..<columns { y[r * columns + j] = scale[j] * y[r * columns + j] + shift[j] } }
        }
        return y
    }

    /// `FixedProducts.ReadNoise` for the dense product rows `vectors` of `y` (input rows of `x`):
    /// the variances of all those rows in one product of their squares with V (a product per row
    /// re-read V from memory for every sample), then each row's normals.
    private static func addDenseReadNoise(_ noise: FixedProducts.ReadNoise, x: UnsafePointer<Float>,
                                          y: UnsafeMutablePointer<Float>, vectors: Range<Int>,
                                          context: MatrixProductContext) {
        let (rows, columns) = (context.matrix.rows, context.matrix.columns)
        let squares = UnsafeMutablePointer<Float>.allocate(capacity: vectors.count * rows)
        defer { squares.deallocate() }
        let variances = UnsafeMutablePointer<Float>.allocate(capacity: vectors.count * columns)
        defer { variances.deallocate() }
        let first = x + vectors.lowerBound * rows
        for i in 0..<(vectors.count * rows) { squares[i] = first[i] * first[i] }
        noise.variances.withUnsafeBufferPointer { v in
            imprint_dense_products(squares, rows, vectors.count, v.baseAddress! + noise.start, columns, rows, columns,
                                   variances, columns)
        }
        for (k, vector) in vectors.enumerated() {
            let (sample, place) = context.readNoiseCounters(ofVector: vector)
            imprint_add_read_noise_row(y + vector * columns, variances + k * columns, 0, columns, sample, place,
                                       noise.key[0], noise.key[1])
        }
    }

    /// im2col → provider product → scatter, per group and per chunk of samples. The chunk is sized
    /// from the scratch budget alone (never from the thread count), so the products, and an analog
    /// provider's noise keyed by sample, are the same however many threads run.
    /// With `pool`, the output is max-pooled over 2×2 windows at stride 2 as it is written
    /// (`Convolution.scatterPooled`). With `residual` (a tensor shaped as the output), the output
    /// is conv + residual, then the ReLU when `relu`: in the direct convolutions' epilogue, or as
    /// passes after the scatter, the fused `Add` and `Relu` steps' own arithmetic either way.
    func convolution(_ step: Step, node: Node, op: Conv2DOp, matrix: CrossbarMatrix, relu: Bool, pool: Bool,
                     residual: [Float]?, inShape: [Int], outShape: [Int]) throws(EngineError) -> [Float] {
        let g = ConvolutionGeometry(op, input: inShape, output: outShape)
        let (rows, columns, pixels) = (g.rows, g.outChannelsPerGroup, g.pixels)
        let (perSample, overflow) = pixels.multipliedReportingOverflow(by: max(rows, columns, 1))
        guard !overflow else { throw .tooLarge("node '\(node.name)': im2col of one sample overflows") }
        let chunk = Self.convolutionChunk(samplesInBudget: engine.options.scratchFloats / max(perSample, 1),
                                          pixels: pixels, batch: batch)
        let patchCount = chunk * pixels * rows
        let productCount = chunk * pixels * columns
        let x = try value(step.inputs[0]).data
        let outCount = batch * (pool ? g.pooledSampleSize : g.outputSampleSize)
        guard batch > 0, pixels > 0 else { return [Float](repeating: 0, count: outCount) }
        if let residual, residual.count != outCount || pool {
            throw .provider(node: node.name, detail: "a residual sum of \(residual.count) values for an output of \(outCount)")
        }
        if let direct = engine.direct[step.node], DirectConvolution.applies(to: g) {
            let parallel = parallelism
            let y = x.withUnsafeBufferPointer { x in
                residual.withUnsafeBufferPointerIfPresent { residual in
                    uninitializedArray(outCount) { y in
                        direct.run(g, batch: batch, firstSample: firstSample, relu: relu, pool: pool,
                                   residual: residual?.baseAddress, input: x.baseAddress!, output: y.baseAddress!,
                                   parallel: parallel)
                    }
                }
            }
            try inspectDirect(step, g, matrix: matrix, chunk: chunk, input: x)
            return y
        }

        let patches = UnsafeMutablePointer<Float>.allocate(capacity: max(patchCount, 1))
        defer { patches.deallocate() }
        let products = UnsafeMutablePointer<Float>.allocate(capacity: max(productCount, 1))
        defer { products.deallocate() }

        // Every output element is written by a scatter, so the output needs no zero fill; a provider
        // failure abandons the half-written array.
        var failure: EngineError?
        let y = x.withUnsafeBufferPointer { x in
            uninitializedArray(outCount) { y in
                guard let xBase = x.baseAddress, let yBase = y.baseAddress else { return }
                do throws(EngineError) {
                    try convolveInChunks(step, g, matrix: matrix, chunk: chunk, bias: op.bias?.data,
                                         relu: relu && residual == nil, pool: pool, input: xBase,
                                         output: yBase, patches: patches, products: products)
                } catch { failure = error }
            }
        }
        if let failure { throw failure }
        guard let residual else { return y }
        // The fused Add's and ReLU's own kernels.
        let parallel = parallelism
        let layout = BroadcastLayout(output: outShape, a: outShape, b: outShape)
        var sum = y.withUnsafeBufferPointer { a in
            residual.withUnsafeBufferPointer { b in
                uninitializedArray(outCount) { Broadcast.apply(.add, layout, a: a, b: b, into: $0, parallel: parallel) }
            }
        }
        if relu { sum.withUnsafeMutableBufferPointer { Elementwise.apply(.relu, to: $0, parallel: parallel) } }
        return sum
    }

    /// Samples per im2col chunk: as many as the scratch budget holds, rounded down to a multiple of
    /// the samples whose vectors fill whole GEMM blocks (64 / gcd(pixels, 64)) when the budget holds
    /// at least that many, so that chunks starting on such a sample (batches and parts mostly do)
    /// end on a block boundary and no block is cut, padded and computed twice. Like the budget, it
    /// never depends on the thread count.
    static func convolutionChunk(samplesInBudget: Int, pixels: Int, batch: Int) -> Int {
        var a = GEMMBlocks.rows, b = pixels % GEMMBlocks.rows
        while b != 0 { (a, b) = (b, a % b) }
        let aligned = GEMMBlocks.rows / a
        let chunk = samplesInBudget >= aligned ? samplesInBudget / aligned * aligned : samplesInBudget
        return max(1, min(batch, chunk))
    }

    private func convolveInChunks(_ step: Step, _ g: ConvolutionGeometry, matrix: CrossbarMatrix, chunk: Int,
                                  bias: [Float]?, relu: Bool, pool: Bool, input: UnsafePointer<Float>,
                                  output: UnsafeMutablePointer<Float>,
                                  patches: UnsafeMutablePointer<Float>,
                                  products: UnsafeMutablePointer<Float>) throws(EngineError) {
        let (rows, columns, pixels) = (g.rows, g.outChannelsPerGroup, g.pixels)
        let parallel = parallelism
        try forEachPatchChunk(step, g, matrix: matrix, chunk: chunk, samples: 0..<batch, input: input,
                              patches: patches) { (start, count, group, context) throws(EngineError) in
            try engine.provider.multiply(UnsafeBufferPointer(start: patches, count: count * pixels * rows),
                                         into: UnsafeMutableBufferPointer(start: products, count: count * pixels * columns),
                                         context: context)
            bias.withUnsafeBufferPointerIfPresent { bias in
                parallel.forEach(count, workPerItem: pixels * columns) { samples in
                    for s in samples {
                        let product = products + s * pixels * columns
                        if pool {
                            Convolution.scatterPooled(g, group: group, product: product, bias: bias, relu: relu,
                                                      into: output + (start + s) * g.pooledSampleSize)
                        } else {
                            Convolution.scatter(g, group: group, product: product, bias: bias, relu: relu,
                                                into: output + (start + s) * g.outputSampleSize)
                        }
                    }
                }
            }
        }
    }
}

extension Execution {
    /// The [pixels, rows] patch matrices of `count` consecutive samples (from `samples`) and one
    /// group, one after another in `patches`.
    func writePatches(_ g: ConvolutionGeometry, group: Int, samples input: UnsafePointer<Float>, count: Int,
                      into patches: UnsafeMutablePointer<Float>) {
        let (rows, pixels) = (g.rows, g.pixels)
        let padded = g.padded
        parallelism.forEach(count, workPerItem: pixels * rows) { samples in
            guard let padded else {
                for s in samples {
                    Convolution.im2col(g, group: group, sample: input + s * g.inputSampleSize, into: patches + s * pixels * rows)
                }
                return
            }
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: padded.inputSampleSize)
            defer { buffer.deallocate() }
            buffer.initialize(repeating: 0, count: padded.inputSampleSize)
            for s in samples {
                Convolution.pad(g, group: group, sample: input + s * g.inputSampleSize, padded: padded, into: buffer)
                Convolution.im2col(padded, group: 0, sample: buffer, into: patches + s * pixels * rows)
            }
        }
    }

    /// The provider that inspects this step's products (`FixedProductProvider.inspectedSamples`)
    /// and the batch's samples it wants, or nil when it wants none of them.
    func inspection(_ step: Step) -> (provider: any FixedProductProvider, samples: Range<Int>)? {
        guard let provider = engine.fixedProvider else { return nil }
        let wanted = provider.inspectedSamples(node: step.node).clamped(to: firstSample..<(firstSample + batch))
        return wanted.isEmpty ? nil : (provider, wanted)
    }

    /// After a direct convolution: the patch matrices of the batch's samples the provider inspects
    /// (`FixedProductProvider.inspectedSamples`), chunk by chunk and group by group, as `multiply`
    /// would have received them.
    func inspectDirect(_ step: Step, _ g: ConvolutionGeometry, matrix: CrossbarMatrix, chunk: Int,
                       input x: [Float]) throws(EngineError) {
        guard let (provider, wanted) = inspection(step) else { return }
        let (rows, pixels) = (g.rows, g.pixels)
        let patches = UnsafeMutablePointer<Float>.allocate(capacity: max(chunk * pixels * rows, 1))
        defer { patches.deallocate() }
        try x.withUnsafeBufferPointer { (x) throws(EngineError) in
            guard let base = x.baseAddress else { return }
            try forEachPatchChunk(step, g, matrix: matrix, chunk: chunk,
                                  samples: (wanted.lowerBound - firstSample)..<(wanted.upperBound - firstSample),
                                  input: base, patches: patches) { (_, count, _, context) throws(EngineError) in
                try provider.inspect(UnsafeBufferPointer(start: patches, count: count * pixels * rows), context: context)
            }
        }
    }

    /// For chunks of at most `chunk` of the batch's samples `samples` and every group: writes their
    /// patch matrices into `patches` and calls `body` with the chunk's first sample (in the batch),
    /// its sample count, the group and the product's context.
    func forEachPatchChunk(_ step: Step, _ g: ConvolutionGeometry, matrix: CrossbarMatrix, chunk: Int, samples: Range<Int>,
                           input: UnsafePointer<Float>, patches: UnsafeMutablePointer<Float>,
                           _ body: (Int, Int, Int, MatrixProductContext) throws(EngineError) -> Void) throws(EngineError) {
        var start = samples.lowerBound
        while start < samples.upperBound {
            let count = min(chunk, samples.upperBound - start)
            for group in 0..<g.groups {
                writePatches(g, group: group, samples: input + start * g.inputSampleSize, count: count, into: patches)
                let context = MatrixProductContext(
                    node: step.node, group: group, matrix: matrix,
                    samples: (firstSample + start)..<(firstSample + start + count), vectorsPerSample: g.pixels,
                    threads: parallelism.threads)
                try body(start, count, group, context)
            }
            start += count
        }
    }
}

extension Optional {
    /// Lends a buffer when present, nil otherwise, so kernels take one optional parameter.
    func withUnsafeBufferPointerIfPresent<Element, R>(_ body: (UnsafeBufferPointer<Element>?) -> R) -> R
    where Wrapped == [Element] {
        switch self {
        case .some(let array): return array.withUnsafeBufferPointer { body($0) }
        case .none: return body(nil)
        }
    }
}
