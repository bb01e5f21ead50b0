import NetworkModel

extension InferenceEngine {
    /// Streams `samples` samples through a single-input, single-output network in batches, holding
    /// one batch at a time.
    ///
    /// `input` builds the input tensor for a range of dataset indices: a whole batch, or, when the
    /// batch runs in parts on several threads, each part's samples, called concurrently for
    /// disjoint ranges (so it must only read shared state); `body` receives each batch's range and
    /// output, in order, on the calling thread. Each batch runs with `firstSample` set to its range's start, so a
    /// stochastic provider sees the same sample indices whatever the batch size. Errors are the
    /// closures' own or `EngineError`.
    public func forEachBatch(samples: Int, batchSize: Int? = nil,
                             input: (Range<Int>) throws -> Tensor,
                             body: (Range<Int>, Tensor) throws -> Void) throws {
        try forEachBatch(samples: samples, batchSize: batchSize, inputs: { range in
            guard network.inputs.count == 1, network.outputs.count == 1 else {
                throw EngineError.notSingleInputOutput(inputs: network.inputs.count, outputs: network.outputs.count)
            }
            return [network.inputs[0].name: try input(range)]
        }, body: { range, outputs in
            guard let output = outputs[network.outputs[0]] else { throw EngineError.missingInput(network.outputs[0]) }
            try body(range, output)
        })
    }

    /// Multi-input, multi-output form of `forEachBatch(samples:batchSize:input:body:)`.
    public func forEachBatch(samples: Int, batchSize: Int? = nil,
                             inputs: (Range<Int>) throws -> [String: Tensor],
                             body: (Range<Int>, [String: Tensor]) throws -> Void) throws {
        let size = batchSize ?? options.batchSize
        guard samples >= 0 else { throw EngineError.invalidArgument("sample count \(samples) is negative") }
        guard size >= 1 else { throw EngineError.invalidArgument("batch size must be at least 1, is \(size)") }
        var start = 0
        while start < samples {
            let range = start..<(start + min(size, samples - start))
            let outputs = try run(samples: range, makeInputs: inputs)
            try body(range, outputs)
            start = range.upperBound
        }
    }
}
