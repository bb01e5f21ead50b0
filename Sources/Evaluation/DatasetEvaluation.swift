import Datasets
import Engine
import NetworkModel

/// Runs a data set through an inference engine in batches: the one evaluation harness behind
/// `infer` (exact weights) and `verify` (baseline and simulated chips, analog providers).
///
/// Samples are converted for the network's single input exactly one way (layout, pixel scale), each
/// batch runs with its data-set indices (`InferenceEngine.forEachBatch`), and top-1 is counted by
/// `TopOne`, so the digital accuracy and verify's baseline of an exactly mapped plan agree by
/// construction. Batches have the engine's `Options.batchSize`.
public struct DatasetEvaluation {
    public let engine: InferenceEngine
    /// Factor for integer samples (nil: divide by 255), as in `Dataset.batch`.
    public let pixelScale: Float?

    public init(engine: InferenceEngine, pixelScale: Float? = nil) {
        self.engine = engine
        self.pixelScale = pixelScale
    }

    /// Output values per sample of a single-output network.
    public static func outputsPerSample(of network: Network) -> Int {
        (network.sampleShape(of: network.outputs[0]) ?? []).reduce(1, *)
    }

    /// Checks that `data` can be evaluated on a single-input, single-output `network`: its samples fit
    /// the input and its labels, if any, name one of the outputs (a label out of range could never
    /// count as correct).
    public static func check(_ data: Dataset, for network: Network) throws(DatasetError) {
        let input = network.inputs[0]
        try data.checkFits(inputShape: input.shape, inputName: input.name)
        let outputs = outputsPerSample(of: network)
        if let bad = data.labels?.first(where: { $0 < 0 || $0 >= outputs }) {
            throw DatasetError(file: data.source, "label \(bad) is out of range for the network's \(outputs) outputs")
        }
    }

    /// Streams `data` through the engine; `body` gets each batch's data-set indices and outputs.
    public func forEachOutput(_ data: Dataset, body: (Range<Int>, Tensor) throws -> Void) throws {
        let input = engine.network.inputs[0]
        try engine.forEachBatch(samples: data.count, input: { range in
            try Tensor(shape: [range.count] + input.shape,
                       data: data.batch(range, inputShape: input.shape, channelsLast: input.sourceLayout == .nhwc,
                                        pixelScale: pixelScale))
        }, body: body)
    }

    /// Top-1 count over `data` (nil when it has no labels), streaming it once; `body` also sees every
    /// batch (to write the outputs or report progress). Check the data first (`check(_:for:)`).
    public func topOne(_ data: Dataset, body: (Range<Int>, Tensor) throws -> Void = { _, _ in }) throws -> TopOneCount? {
        var correct = 0
        try forEachOutput(data) { range, y in
            if let labels = data.labels { correct += TopOne.correct(y, samples: range, labels: labels) }
            try body(range, y)
        }
        return data.labels == nil ? nil : TopOneCount(correct: correct, samples: data.count)
    }
}
