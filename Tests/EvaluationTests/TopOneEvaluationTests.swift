import Datasets
import Engine
import Evaluation
import NetworkModel
import Testing

@Suite struct TopOneEvaluationTests {
    /// The documented rule: first largest wins ties, NaN never wins, a row with nothing above −∞
    /// predicts class 0.
    @Test(arguments: [
        ([1, 3, 3], 1),
        ([.nan, 1, 0], 1),
        ([2, .nan, 5], 2),
        ([7, .nan, 5], 0),
        ([.nan, .nan, .nan], 0),
        ([-.infinity, -.infinity], 0),
        ([-.infinity, -1], 1),
        ([.infinity, .infinity, 1], 0),
    ] as [([Float], Int)])
    func predictionRule(row: [Float], expected: Int) {
        #expect(row.withUnsafeBufferPointer { TopOne.prediction($0) } == expected)
    }

    /// A 3-in, 3-out dense layer with identity weights: outputs are the samples themselves.
    static func identity() throws -> Network {
        let w = try Tensor(shape: [3, 3], data: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        return try Network(name: "identity", inputs: [NetworkInput(name: "x", shape: [3])], outputs: ["y"],
                           nodes: [Node(name: "d", operation: .dense(DenseOp(weight: w, bias: nil)), inputs: ["x"], output: "y")])
    }

    /// Five samples: a hit, a tie (the lower index wins, a miss here), a miss, a row that is all NaN
    /// (class 0, so labelled 0 it counts), a hit. Counted the same for any batch size,
    /// with every batch handed to `body` once, in order.
    @Test(arguments: [1, 2, 5, 256])
    func harnessCountsAsDocumented(batchSize: Int) throws {
        let samples: [Float] = [0, 5, 1,   4, 4, 0,   9, 0, 0,   .nan, .nan, .nan,   0, 1, 2]
        let data = try Dataset(source: "t", samples: NumericArray(shape: [5, 3], storage: .float32(samples)),
                               labels: [1, 1, 1, 0, 2])
        let network = try Self.identity()
        try DatasetEvaluation.check(data, for: network)
        let engine = try InferenceEngine(network: network, options: .init(threads: 2, batchSize: batchSize))
        var seen = [Range<Int>]()
        let count = try DatasetEvaluation(engine: engine).topOne(data) { range, y in
            seen.append(range)
            #expect(y.shape == [range.count, 3])
        }
        // hit, miss (tie → 0), miss, hit (all NaN → 0), hit.
        #expect(count == TopOneCount(correct: 3, samples: 5))
        #expect(count?.accuracy == 0.6)
        #expect(seen.first?.lowerBound == 0 && seen.last?.upperBound == 5)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
    }

    /// No labels: no count. No samples: a count without an accuracy.
    @Test func unlabelledAndEmpty() throws {
        let network = try Self.identity()
        let evaluation = DatasetEvaluation(engine: try InferenceEngine(network: network))
        let unlabelled = try Dataset(source: "u", samples: NumericArray(shape: [2, 3], storage: .float32([1, 2, 3, 4, 5, 6])))
        #expect(try evaluation.topOne(unlabelled) == nil)
        let empty = try Dataset(source: "e", samples: NumericArray(shape: [0, 3], storage: .float32([])), labels: [])
        let count = try evaluation.topOne(empty)
        #expect(count == TopOneCount(correct: 0, samples: 0))
        #expect(count?.accuracy == nil)
    }

    /// A label that names no output is refused, negative or too large; samples must fit the input.
    @Test(arguments: [-1, 3])
    func labelsOutOfRangeAreRefused(label: Int) throws {
        let network = try Self.identity()
        let data = try Dataset(source: "l.npy", samples: NumericArray(shape: [2, 3], storage: .float32([1, 2, 3, 4, 5, 6])),
                               labels: [0, label])
        #expect(throws: DatasetError(file: "l.npy", "label \(label) is out of range for the network's 3 outputs")) {
            try DatasetEvaluation.check(data, for: network)
        }
        let misfit = try Dataset(source: "m.npy", samples: NumericArray(shape: [1, 2], storage: .float32([1, 2])))
        #expect(throws: DatasetError.self) { try DatasetEvaluation.check(misfit, for: network) }
    }
}
