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
// Threading. `Options.threads` threads run every kernel, GEMMs included: the exact provider splits
// each product into fixed row blocks, one single-threaded OpenBLAS call per block (OpenBLAS is set
// to one thread, process-wide, because its own threading changes SGEMM roundings with the thread
// count). The other kernels split their work over samples, rows or planes with
// `Parallelism.forEach` (module `Parallel`) when it is large enough. Each element is computed by one thread
// with the same arithmetic whatever the split, so outputs are bitwise identical for any thread count.
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
        self.plan = ExecutionPlan(network)
        self.parallelism = Parallelism(threads: options.threads)
        // Own the threads ourselves, never both (see ARCHITECTURE.md): BLAS runs single-threaded.
        openblas_set_num_threads(1)
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
        let n = batch ?? 0
        guard firstSample >= 0, firstSample <= Int.max - n else {
            throw .invalidArgument("first sample index \(firstSample) is out of range")
        }
        if n == 0 { return try emptyOutputs() }

        var execution = Execution(engine: self, batch: n, firstSample: firstSample)
        for (input, slot) in zip(network.inputs, plan.inputSlots) {
            if let tensor = inputs[input.name] { execution.setInput(slot: slot, tensor) }
        }
        try execution.runAll()
        var result = [String: Tensor]()
        for (name, slot) in zip(network.outputs, plan.outputSlots) {
            result[name] = try execution.tensor(slot: slot)
        }
        return result
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
