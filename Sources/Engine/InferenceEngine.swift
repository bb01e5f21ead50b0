// # Engine: the batched executor shared by digital inference and analog simulation
//
// Layout. Every tensor is float32, row-major, with the batch axis first: NCHW for images, [N, F]
// for features. `run` takes `[N] + input.shape` and returns `[N] + output shape`, as in
// `Network.shapes` with the real batch in place of 1.
//
// Provider. Dense and convolution nodes are computed as crossbar matrix products by a
// `MatrixProductProvider`: `output[m × columns] = input[m × rows] · W_g`, row-major, rows and columns
// as in `Node.crossbarMatrix` (convolutions via im2col with rows in (c_in, k_h, k_w) order, one call
// per group and per chunk of samples). `ExactMatrixProducts` is the float32 reference; an analog
// provider replaces it and nothing else changes. Bias, normalisation, activations and pooling stay
// digital in the engine. Each call carries a `MatrixProductContext` naming the dataset samples its
// vectors belong to, so stochastic providers can key randomness by sample, not by call order.
//
// Fixed products. A provider whose products for a node are a fixed matrix (and per-column maps)
// says so (`FixedProductProvider`: the exact weights, an analog chip's frozen ones); the engine then
// computes that node itself: convolutions straight from their planes (`DirectConvolution`, no
// im2col or scatter), dense layers without packing, both in CKernels with one fused multiply-add
// per input in (c_in, k_h, k_w) order, so every output's bits depend on its own sample only and are
// the same on every CPU. Observers of such products get the inputs `multiply` would have got
// (`inspect`) and never change the outputs.
//
// Threading. A batch of at least `minimumSamplesPerThread` samples per thread is cut into one part
// per thread (contiguous samples), and each thread runs the whole network on its part with
// single-threaded kernels: one hand-off per batch instead of one per kernel, and every kernel
// (pooling, activations, im2col) as parallel as the products. Smaller batches run as one part whose
// kernels split their work with `Parallelism.forEach` (module `Parallel`), and the exact provider
// its products into blocks over the threads. Either way OpenBLAS runs one thread (set process-wide,
// because its own threading changes SGEMM roundings with the thread count). Every kernel computes a
// sample's values from that sample alone, and the products' blocks are fixed by dataset vector index
// (`GEMMBlocks`), so outputs are bitwise identical for any thread count, batch size or part.
// A network with small weights whose products the engine computes itself runs each part in
// micro-batches whose largest activation fits a core's L2 (`microBatch`), so activations stay in
// cache between layers; results are per sample, so the same bits.
//
// Memory. Each activation is freed as soon as its last reader has run; im2col scratch is bounded by
// `Options.scratchBytes`; `forEachBatch` streams a dataset in constant memory.

internal import CBLAS
import Foundation
import NetworkModel
import Parallel

/// Runs a `Network` on batches of samples on the CPU.
public struct InferenceEngine: Sendable {
    public struct Options: Sendable, Equatable {
        /// Threads for all kernels, matrix products included (OpenBLAS itself is set to one thread).
        public var threads: Int
        /// Samples per batch in `forEachBatch`.
        public var batchSize: Int
        /// Upper bound on the im2col scratch of one convolution (per buffer), in bytes. The default
        /// keeps a chunk in L2 between im2col and its GEMM; at least one sample is always processed.
        public var scratchBytes: Int

        public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount, batchSize: Int = 256,
                    scratchBytes: Int = 1 << 20) {
            self.threads = threads; self.batchSize = batchSize; self.scratchBytes = scratchBytes
        }

        var scratchFloats: Int { max(1, scratchBytes / MemoryLayout<Float>.stride) }
    }

    public let network: Network
    public let provider: any MatrixProductProvider
    public let options: Options
    let plan: ExecutionPlan
    let parallelism: Parallelism
    /// The provider when it can say its products are fixed (cast once, here).
    let fixedProvider: (any FixedProductProvider)?
    /// Per node: the convolution computed from its planes, when the provider's products for it are
    /// fixed (`FixedProductProvider`); nil where products go through `multiply`.
    let direct: [DirectConvolution?]
    /// Per node: a dense node's fixed products in the crossbar layout (`imprint_dense_products`),
    /// nil where its products go through `multiply`.
    let fixedDense: [FixedProducts?]
    /// Samples run through the whole network at a time within a part, when the engine computes
    /// every product itself (`microBatch(…)`); nil when products go through `multiply`.
    let microBatch: Int?

    /// Prepares a network for execution; with no provider, the exact float32 weights are used.
    public init(network: Network, provider: (any MatrixProductProvider)? = nil,
                options: Options = Options()) throws(EngineError) {
        guard options.threads >= 1 else { throw .invalidArgument("threads must be at least 1, is \(options.threads)") }
        guard options.batchSize >= 1 else { throw .invalidArgument("batch size must be at least 1, is \(options.batchSize)") }
        guard options.scratchBytes >= 0 else { throw .invalidArgument("scratch bytes must not be negative") }
        let provider = provider ?? ExactMatrixProducts(network: network)
        try provider.validate(for: network)
        self.network = network
        self.provider = provider
        self.options = options
        let plan = ExecutionPlan(network)
        self.plan = plan
        let fixedProvider = provider as? any FixedProductProvider
        self.fixedProvider = fixedProvider
        self.direct = Self.directConvolutions(plan, network: network, provider: fixedProvider)
        self.fixedDense = Self.fixedDenseProducts(plan, network: network, provider: fixedProvider)
        self.microBatch = Self.microBatch(plan, network: network, direct: direct, fixedDense: fixedDense)
        self.parallelism = Parallelism(threads: options.threads)
        // Own the threads ourselves, never both (see ARCHITECTURE.md): BLAS runs single-threaded.
        BLASKernels.useOneThread()
    }

    /// Runs a single-input, single-output network on `[N] + input shape`.
    ///
    /// `firstSample` is the dataset index of the batch's first sample, passed on to the provider.
    public func run(_ input: Tensor, firstSample: Int = 0) throws(EngineError) -> Tensor {
        guard network.inputs.count == 1, network.outputs.count == 1 else {
            throw .notSingleInputOutput(inputs: network.inputs.count, outputs: network.outputs.count)
        }
        let outputs = try run(inputs: [network.inputs[0].name: input], firstSample: firstSample)
        guard let output = outputs[network.outputs[0]] else { throw .missingInput(network.outputs[0]) }
        return output
    }

    /// Runs the network on named inputs (every network input, same batch size) and returns every
    /// network output by name.
    public func run(inputs: [String: Tensor], firstSample: Int = 0) throws(EngineError) -> [String: Tensor] {
        let n = try batchSize(of: inputs)
        guard firstSample >= 0, firstSample <= Int.max - n else {
            throw .invalidArgument("first sample index \(firstSample) is out of range")
        }
        if n == 0 { return try emptyOutputs() }
        let samples = firstSample..<(firstSample + n)
        let parts = batchParts(of: samples)
        if parts.count <= 1 {
            return try runPart(inputs, offset: 0, samples: samples, parallelism: parallelism).outputs
        }
        let single = Parallelism(threads: 1)
        let done = try runSplit(parts) { (part) throws(EngineError) in
            try runPart(inputs, offset: part.lowerBound - firstSample, samples: part, parallelism: single)
        }
        return try merge(done, samples: n)
    }

    /// Runs the dataset samples `samples`, the inputs of each part of the batch made by `makeInputs`
    /// for that part's samples: called once per part, concurrently for disjoint ranges, so a data
    /// set's conversion runs on every thread and no batch is sliced and copied into parts (on the
    /// MLP at 2 threads they were a fifth of a batch's time).
    func run(samples: Range<Int>, makeInputs: (Range<Int>) throws -> [String: Tensor]) throws -> [String: Tensor] {
        let parts = batchParts(of: samples)
        if parts.count <= 1 { return try run(inputs: try makeInputs(samples), firstSample: samples.lowerBound) }
        let single = Parallelism(threads: 1)
        let done = try runSplit(parts) { (part) throws(any Error) in
            let inputs = try makeInputs(part)
            guard try batchSize(of: inputs) == part.count else {
                throw EngineError.batchMismatch("inputs made for samples \(part) have another sample count")
            }
            return try runPart(inputs, offset: 0, samples: part, parallelism: single)
        }
        return try merge(done, samples: samples.count)
    }

    /// The parts a batch of `samples` runs in: one per thread, at least `minimumSamplesPerThread`
    /// samples each, one part when that leaves fewer than two.
    private func batchParts(of samples: Range<Int>) -> [Range<Int>] {
        Self.sampleBlocks(samples, parts: min(options.threads, samples.count / Self.minimumSamplesPerThread))
    }

    /// Checks named inputs against the network (every input, its shape, one batch size) and returns
    /// the batch size.
    private func batchSize(of inputs: [String: Tensor]) throws(EngineError) -> Int {
        let known = Set(network.inputs.map(\.name))
        if let unknown = inputs.keys.sorted().first(where: { !known.contains($0) }) { throw .unknownInput(unknown) }
        var batch: Int? = nil
        for input in network.inputs {
            guard let tensor = inputs[input.name] else { throw .missingInput(input.name) }
            guard tensor.rank == input.shape.count + 1, Array(tensor.shape.dropFirst()) == input.shape else {
                throw .inputShape(input: input.name, expected: input.shape, actual: tensor.shape)
            }
            if let b = batch, b != tensor.shape[0] {
                throw .batchMismatch("'\(input.name)' has \(tensor.shape[0]) samples, others \(b)")
            }
            batch = tensor.shape[0]
        }
        return batch ?? 0
    }

    /// One part per thread, each the whole network on its samples with single-threaded kernels: no
    /// hand-off per kernel, and pooling, activations and im2col run as parallel as the products.
    /// Returns the parts' outputs in sample order (`merge` joins them).
    private func runSplit<E: Error>(_ parts: [Range<Int>], part run: (Range<Int>) throws(E) -> Part) throws(E) -> [Part] {
        var results = [Result<Part, E>?](repeating: nil, count: parts.count)
        results.withUnsafeMutableBufferPointer { results in
            parallelism.forEach(parts.count, workPerItem: Parallelism.grain) { range in
                for p in range { results[p] = Result { () throws(E) in try run(parts[p]) } }
            }
        }
        var done = [Part]()
        for result in results { if let result { done.append(try result.get()) } }
        return done
    }

    private func merge(_ done: [Part], samples n: Int) throws(EngineError) -> [String: Tensor] {
        var merged = [String: Tensor]()
        for name in network.outputs {
            let pieces = done.compactMap { $0.outputs[name] }
            guard let first = pieces.first, pieces.count == done.count else { throw .missingInput(name) }
            // An output that does not depend on the input (no batch axis) is the same in every part.
            guard done[0].batched[name] == true else { merged[name] = first; continue }
            var data = [Float]()
            data.reserveCapacity(pieces.reduce(0) { $0 + $1.count })
            for piece in pieces { data.append(contentsOf: piece.data) }
            do { merged[name] = try Tensor(shape: [n] + first.shape.dropFirst(), data: data) } catch { throw .shape(error) }
        }
        return merged
    }

    /// Below this many samples per thread a batch runs as one part, its kernels split over the threads.
    static let minimumSamplesPerThread = 8

    /// Part boundaries fall on multiples of this many dataset samples where they can, so that the
    /// matrix products' fixed blocks (aligned to dataset vector indices, `GEMMBlocks`) are rarely
    /// cut and padded. Where a part ends changes no result, only how much padding is computed.
    static let partAlignment = 16

    /// Splits `samples` into at most `parts` contiguous, non-empty, near-equal ranges.
    static func sampleBlocks(_ samples: Range<Int>, parts: Int) -> [Range<Int>] {
        guard parts > 1 else { return [samples] }
        var bounds = [samples.lowerBound]
        for i in 1..<parts {
            let target = samples.lowerBound + samples.count * i / parts
            let aligned = (target + partAlignment / 2) / partAlignment * partAlignment
            let b = aligned > bounds[bounds.count - 1] && aligned < samples.upperBound ? aligned : target
            if b > bounds[bounds.count - 1] && b < samples.upperBound { bounds.append(b) }
        }
        bounds.append(samples.upperBound)
        return zip(bounds, bounds.dropFirst()).map { $0..<$1 }
    }

    /// The outputs of one part, and which of them carry the batch axis.
    struct Part {
        var outputs: [String: Tensor]
        var batched: [String: Bool]
    }

    /// Runs the network on the samples `offset ..< offset + samples.count` of `inputs`, which are the
    /// dataset samples `samples`: `microBatch` at a time when set (see there), the outputs joined.
    private func runPart(_ inputs: [String: Tensor], offset: Int, samples: Range<Int>,
                         parallelism: Parallelism) throws(EngineError) -> Part {
        guard let micro = microBatch, samples.count > micro else {
            return try runWhole(inputs, offset: offset, samples: samples, parallelism: parallelism)
        }
        var done = [Part]()
        var start = samples.lowerBound
        while start < samples.upperBound {
            let end = min(start + micro, samples.upperBound)
            done.append(try runWhole(inputs, offset: offset + (start - samples.lowerBound), samples: start..<end,
                                     parallelism: parallelism))
            start = end
        }
        return Part(outputs: try merge(done, samples: samples.count), batched: done[0].batched)
    }

    /// Samples whose largest activation fits in this many floats run through the whole network
    /// together: 256 Ki floats (1 MiB, one core's L2 on the machines measured), so activations stay
    /// in cache between layers. At batch 256 the small ResNet's activations (16 × 28 × 28 floats a
    /// sample) went through L3 and memory between layers: in batches of 16–32 it ran 2.62 → 2.31 s.
    static let microBatchFloats = 1 << 18

    /// Only networks whose weights (and per-read variances) fit in this many floats (4 MiB) are run
    /// in micro-batches: a network with more (ResNet-50's 25 M) re-reads every layer's weights from
    /// memory per micro-batch, where a whole batch reads them once per layer.
    static let microBatchWeightFloats = 1 << 20

    /// Samples per micro-batch: as many as keep the network's largest activation within
    /// `microBatchFloats` (at least one); nil when the weights are large, or when some product goes
    /// through the provider's `multiply`, whose GEMM blocks (`GEMMBlocks`) want long runs of samples.
    static func microBatch(_ plan: ExecutionPlan, network: Network, direct: [DirectConvolution?],
                           fixedDense: [FixedProducts?]) -> Int? {
        var weights = 0
        for step in plan.steps {
            switch step.kernel {
            case .conv(_, let matrix, _, _, _):
                guard let d = direct[step.node] else { return nil }
                weights += matrix.rows * matrix.columns * (matrix.groups + d.fixed.count { $0.readNoise != nil })
            case .dense(_, let matrix):
                guard let f = fixedDense[step.node] else { return nil }
                weights += matrix.rows * matrix.columns * (f.readNoise == nil ? 1 : 2)
            default: break
            }
        }
        guard weights <= microBatchWeightFloats else { return nil }
        let largest = network.shapes.values.map { $0.dropFirst().reduce(1, *) }.max() ?? 1
        return max(1, microBatchFloats / max(largest, 1))
    }

    /// `runPart` in one execution.
    private func runWhole(_ inputs: [String: Tensor], offset: Int, samples: Range<Int>,
                          parallelism: Parallelism) throws(EngineError) -> Part {
        var execution = Execution(engine: self, batch: samples.count, firstSample: samples.lowerBound, parallelism: parallelism)
        for (input, slot) in zip(network.inputs, plan.inputSlots) {
            guard let tensor = inputs[input.name] else { continue }
            if offset == 0 && samples.count == tensor.shape[0] {
                execution.setInput(slot: slot, tensor)
                continue
            }
            let per = tensor.shape.dropFirst().reduce(1, *)
            let data = Array(tensor.data[(offset * per)..<((offset + samples.count) * per)])
            do { execution.setInput(slot: slot, try Tensor(shape: [samples.count] + tensor.shape.dropFirst(), data: data)) }
            catch { throw .shape(error) }
        }
        try execution.runAll()
        var part = Part(outputs: [:], batched: [:])
        for (name, slot) in zip(network.outputs, plan.outputSlots) {
            part.outputs[name] = try execution.tensor(slot: slot)
            part.batched[name] = plan.batched[slot]
        }
        return part
    }

    /// The kernel family OpenBLAS selected at load time, e.g. "Haswell" or "SkylakeX".
    ///
    /// "Prescott" on an AVX2 machine means OpenBLAS 0.3.21 did not recognise the CPU (seen on
    /// virtual CPUs reported as a generic "Intel Xeon Processor") and runs GEMMs 4–6× slower; set
    /// `OPENBLAS_CORETYPE=Haswell` (or `SkylakeX`) in the environment before the process starts.
    public static var blasCoreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Zero-sample outputs, shaped as the network declares them.
    private func emptyOutputs() throws(EngineError) -> [String: Tensor] {
        var result = [String: Tensor]()
        for name in network.outputs {
            let sample = network.sampleShape(of: name) ?? []
            do { result[name] = try Tensor(shape: [0] + sample, data: []) } catch { throw .shape(error) }
        }
        return result
    }
}
