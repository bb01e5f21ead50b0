import Engine
import Foundation
import ModelImport
import NetworkModel
import Testing
import TestSupport

/// Scales every product by 2 and records what it was asked, to show the engine routes all matrix
/// products through the provider with the promised context.
final class ScalingProvider: MatrixProductProvider, @unchecked Sendable {
    let exact: ExactMatrixProducts
    private let lock = NSLock()
    private var log = [MatrixProductContext]()
    init(network: Network) { exact = ExactMatrixProducts(network: network) }

    var calls: [MatrixProductContext] { lock.withLock { log } }

    func multiply(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
                  context: MatrixProductContext) throws(EngineError) {
        lock.withLock { log.append(context) }
        #expect(input.count == context.vectorCount * context.matrix.rows)
        #expect(output.count == context.vectorCount * context.matrix.columns)
        try exact.multiply(input, into: output, context: context)
        for i in output.indices { output[i] *= 2 }
    }
}

@Suite struct EngineBehaviourTests {
    @Test func batchEqualsSamplesOneAtATime() throws {
        let network = try TestNetworks.classifier()
        let engine = try InferenceEngine(network: network)
        let x = try randomTensor([5, 3, 12, 12], seed: 201)
        let batch = try engine.run(x)
        #expect(batch.shape == [5, 10])
        for n in 0..<5 {
            let sample = try Tensor(shape: [1, 3, 12, 12], data: Array(x.data[(n * 432)..<((n + 1) * 432)]))
            let single = try engine.run(sample)
            expectClose(single, try Tensor(shape: [1, 10], data: Array(batch.data[(n * 10)..<((n + 1) * 10)])))
        }
    }

    @Test func resultsAreBitwiseIdenticalAcrossThreadCounts() throws {
        let network = try TestNetworks.classifier(channels: 3, size: 32)
        let x = try randomTensor([24, 3, 32, 32], seed: 211)
        let outputs = try [1, 2, 4].map { threads in
            try InferenceEngine(network: network, options: .init(threads: threads)).run(x)
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0] == outputs[2])
    }

    /// A batch of at least 8 samples per thread runs as one part per thread: a network with two
    /// inputs and two outputs comes back whole, in sample order, and the same for every thread count,
    /// also when the batch starts at a sample that is not a multiple of the parts' alignment.
    @Test func partsKeepEveryInputAndOutputInSampleOrder() throws {
        let network = try Network(name: "t", inputs: [NetworkInput(name: "a", shape: [3]), NetworkInput(name: "b", shape: [3])],
                                  outputs: ["sum", "relu"],
                                  nodes: [Node(name: "add", operation: .add, inputs: ["a", "b"], output: "sum"),
                                          Node(name: "act", operation: .activation(.relu), inputs: ["a"], output: "relu")])
        let a = try randomTensor([41, 3], seed: 241), b = try randomTensor([41, 3], seed: 242)
        for threads in [1, 2, 3] {
            let y = try InferenceEngine(network: network, options: .init(threads: threads)).run(inputs: ["a": a, "b": b], firstSample: 5)
            #expect(y["sum"]?.shape == [41, 3])
            #expect(y["sum"]?.data == zip(a.data, b.data).map { $0 + $1 }, "threads \(threads)")
            #expect(y["relu"]?.shape == [41, 3])
            #expect(y["relu"]?.data == a.data.map { $0 > 0 ? $0 : 0 }, "threads \(threads)")
        }
    }

    /// `--batch` is a memory knob: outputs are bitwise identical for every batch size and thread
    /// count (GEMM blocks aligned to the dataset-wide vector index, `GEMMBlocks`), on the bundled
    /// CNN and on a residual block, whatever kernels OpenBLAS picked (`make test` runs this suite
    /// under both SkylakeX and Haswell kernels). A small scratch budget adds yet another chunking.
    @Test(arguments: ["fmnist_cnn_k2.h5", "residual"])
    func outputsIndependentOfBatchAndThreads(model: String) throws {
        let network = model == "residual" ? try TestNetworks.residual()
            : try ModelLoader.load(Fixtures.models.appendingPathComponent(model))
        let samples = 300
        let x = try randomTensor([samples, 1, 28, 28], seed: 231)
        let perSample = 28 * 28
        func outputs(batch: Int, threads: Int, scratchBytes: Int = 1 << 20) throws -> [Float] {
            let engine = try InferenceEngine(network: network, options: .init(threads: threads, batchSize: batch, scratchBytes: scratchBytes))
            var y = [Float]()
            try engine.forEachBatch(samples: samples, input: { range in
                try Tensor(shape: [range.count, 1, 28, 28], data: Array(x.data[(range.lowerBound * perSample)..<(range.upperBound * perSample)]))
            }, body: { _, output in y += output.data })
            return y
        }
        let reference = try outputs(batch: 256, threads: 1)
        #expect(reference.count == samples * 10)
        for batch in [1, 37, 64, 100, 256] {
            for threads in [1, 2, 4] where !(batch == 256 && threads == 1) {
                let y = try outputs(batch: batch, threads: threads)
                #expect(y == reference, "batch \(batch), threads \(threads): \(zip(y, reference).filter { $0 != $1 }.count) outputs differ")
            }
        }
        #expect(try outputs(batch: 100, threads: 2, scratchBytes: 40_000) == reference)
    }

    /// Doubling every product is exactly what doubling every weight does in binary floating point.
    @Test func customProviderServesEveryMatrixProduct() throws {
        let network = try TestNetworks.classifier()
        let provider = ScalingProvider(network: network)
        let engine = try InferenceEngine(network: network, provider: provider)
        let x = try randomTensor([3, 3, 12, 12], seed: 221)
        let scaled = try engine.run(x, firstSample: 40)

        let doubled = try Network(name: "doubled", inputs: network.inputs, outputs: network.outputs,
                                  nodes: network.nodes.map { node in
            var node = node
            switch node.operation {
            case .dense(var d): d.weight.data = d.weight.data.map { $0 * 2 }; node.operation = .dense(d)
            case .conv2d(var c): c.weight.data = c.weight.data.map { $0 * 2 }; node.operation = .conv2d(c)
            default: break
            }
            return node
        })
        #expect(scaled == (try InferenceEngine(network: doubled).run(x)))
        #expect(scaled != (try InferenceEngine(network: network).run(x)))

        let calls = provider.calls
        let matrixNodes = network.nodes.indices.filter { network.nodes[$0].operation.isMatrixProduct }
        #expect(Set(calls.map(\.node)) == Set(matrixNodes))
        for node in matrixNodes {
            let groups = network.nodes[node].crossbarMatrix?.groups ?? 0
            #expect(Set(calls.filter { $0.node == node }.map(\.group)) == Set(0..<groups))
        }
        #expect(calls.allSatisfy { $0.samples == 40..<43 })
        #expect(calls.first { $0.node == 0 }?.vectorsPerSample == 144)
    }

    /// `a` feeds an in-place activation, a merge and the graph outputs; none may see another's writes.
    @Test func sharedTensorsSurviveReleaseAndInPlaceKernels() throws {
        let network = try Network(
            name: "branches", inputs: [NetworkInput(name: "x", shape: [4])], outputs: ["sum", "a"],
            nodes: [
                Node(name: "a", operation: .activation(.relu), inputs: ["x"], output: "a"),
                Node(name: "s", operation: .activation(.sigmoid), inputs: ["a"], output: "s"),
                Node(name: "t", operation: .activation(.tanh), inputs: ["a"], output: "t"),
                Node(name: "twice", operation: .add, inputs: ["s", "s"], output: "twice"),
                Node(name: "sum", operation: .add, inputs: ["twice", "t", "a"], output: "sum"),
            ])
        let x = try Tensor(shape: [2, 4], data: [-1, 0, 0.5, 2, 3, -2, 1, 0.25])
        let y = try InferenceEngine(network: network).run(inputs: ["x": x])
        let a = x.data.map { max($0, 0) }
        let sum = a.map { 2 * Float(1 / (1 + exp(-Double($0)))) + Float(tanh(Double($0))) + $0 }
        #expect(y["a"] == (try Tensor(shape: [2, 4], data: a)))
        expectClose(try #require(y["sum"]), try Tensor(shape: [2, 4], data: sum))
        #expect(x.data == [-1, 0, 0.5, 2, 3, -2, 1, 0.25])
    }

    @Test func forEachBatchStreamsWithDatasetIndices() throws {
        let network = try TestNetworks.classifier()
        let provider = ScalingProvider(network: network)
        let engine = try InferenceEngine(network: network, provider: provider)
        let all = try randomTensor([10, 3, 12, 12], seed: 231)
        var ranges = [Range<Int>]()
        var collected = [Float]()
        try engine.forEachBatch(samples: 10, batchSize: 4, input: { range in
            try Tensor(shape: [range.count, 3, 12, 12], data: Array(all.data[(range.lowerBound * 432)..<(range.upperBound * 432)]))
        }, body: { range, output in
            ranges.append(range)
            collected += output.data
        })
        #expect(ranges == [0..<4, 4..<8, 8..<10])
        expectClose(try Tensor(shape: [10, 10], data: collected), try engine.run(all))
        #expect(Set(provider.calls.map(\.samples)).isSuperset(of: [0..<4, 4..<8, 8..<10]))
    }

    /// A batch run in parts asks `input` for each part's samples (from the parts' threads) instead
    /// of slicing a whole batch: the same outputs as one thread, and an input of the wrong size is an
    /// error, not a crash.
    @Test func batchesInPartsMakeTheirOwnInputs() throws {
        let network = try TestNetworks.classifier()
        let all = try randomTensor([80, 3, 12, 12], seed: 232)
        final class Ranges: @unchecked Sendable {
            let lock = NSLock()
            var all = [Range<Int>]()
            func add(_ r: Range<Int>) { lock.lock(); all.append(r); lock.unlock() }
        }
        func run(threads: Int, asked: Ranges) throws -> [Float] {
            let engine = try InferenceEngine(network: network, options: .init(threads: threads, batchSize: 64))
            var y = [Float]()
            try engine.forEachBatch(samples: 80, input: { range in
                asked.add(range)
                return try Tensor(shape: [range.count, 3, 12, 12], data: Array(all.data[(range.lowerBound * 432)..<(range.upperBound * 432)]))
            }, body: { _, output in y += output.data })
            return y
        }
        let one = Ranges(), two = Ranges()
        let reference = try run(threads: 1, asked: one)
        #expect(try run(threads: 2, asked: two) == reference)
        #expect(one.all == [0..<64, 64..<80])
        #expect(two.all.sorted { $0.lowerBound < $1.lowerBound } == [0..<32, 32..<64, 64..<72, 72..<80])
        let engine = try InferenceEngine(network: network, options: .init(threads: 2, batchSize: 64))
        #expect(throws: EngineError.self) {
            try engine.forEachBatch(samples: 64, input: { _ in try randomTensor([5, 3, 12, 12], seed: 1) }, body: { _, _ in })
        }
    }

    @Test func wrongInputShapeNamesInputAndExpectedShape() throws {
        let engine = try InferenceEngine(network: try TestNetworks.classifier())
        let error = #expect(throws: EngineError.self) { try engine.run(Tensor(shape: [2, 3, 10, 12])) }
        #expect(error == .inputShape(input: "x", expected: [3, 12, 12], actual: [2, 3, 10, 12]))
        #expect(error?.description.contains("'x'") == true)
        #expect(error?.description.contains("[3, 12, 12]") == true)
        #expect(throws: EngineError.missingInput("x")) { try engine.run(inputs: [:]) }
        #expect(throws: EngineError.unknownInput("z")) { try engine.run(inputs: ["z": Tensor(shape: [1])]) }
        #expect(throws: EngineError.invalidArgument("threads must be at least 1, is 0")) {
            try InferenceEngine(network: try TestNetworks.classifier(), options: .init(threads: 0))
        }
    }

    @Test func multipleInputsAndOutputs() throws {
        let network = try Network(
            name: "two", inputs: [NetworkInput(name: "a", shape: [3]), NetworkInput(name: "b", shape: [3])],
            outputs: ["p", "q"],
            nodes: [Node(name: "p", operation: .mul, inputs: ["a", "b"], output: "p"),
                    Node(name: "q", operation: .sub, inputs: ["a", "b"], output: "q")])
        let engine = try InferenceEngine(network: network)
        let a = try Tensor(shape: [1, 3], data: [1, 2, 3]), b = try Tensor(shape: [1, 3], data: [4, 5, 6])
        let y = try engine.run(inputs: ["a": a, "b": b])
        #expect(y["p"]?.data == [4, 10, 18])
        #expect(y["q"]?.data == [-3, -3, -3])
        #expect(throws: EngineError.notSingleInputOutput(inputs: 2, outputs: 2)) { try engine.run(a) }
        #expect(throws: EngineError.self) { try engine.run(inputs: ["a": a, "b": try Tensor(shape: [2, 3], data: [Float](repeating: 0, count: 6))]) }
    }

    @Test func emptyBatchGivesEmptyOutput() throws {
        let engine = try InferenceEngine(network: try TestNetworks.classifier())
        #expect(try engine.run(Tensor(shape: [0, 3, 12, 12])).shape == [0, 10])
    }
}
