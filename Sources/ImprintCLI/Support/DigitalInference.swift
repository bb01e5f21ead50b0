import Datasets
import Engine
import Evaluation
import FileSupport
import Foundation
import NetworkModel

/// Streams a data set through the digital engine in batches (`DatasetEvaluation`, the harness verify's
/// baseline uses too): accuracy, optional outputs file.
struct DigitalInference {
    struct Result {
        var samples: Int
        var correct: Int?
        var accuracy: Double?
        var outputsPerSample: Int
        var seconds: Double
    }

    let network: Network
    let evaluation: DatasetEvaluation

    init(network: Network, threads: Int?, batchSize: Int, pixelScale: Float?) throws {
        self.network = network
        var options = InferenceEngine.Options(batchSize: batchSize)
        if let threads { options.threads = threads }
        evaluation = DatasetEvaluation(engine: try InferenceEngine(network: network, options: options), pixelScale: pixelScale)
    }

    func run(_ set: Dataset, outputFile: OutputDestination?) throws -> Result {
        try DatasetEvaluation.check(set, for: network)
        let perSample = DatasetEvaluation.outputsPerSample(of: network)
        let writer = try outputFile.map { output throws -> NPYFormat.Writer in
            try NPYFormat.Writer(destination: output, shape: [set.count, perSample])
        }
        let progress = ProgressBar(total: set.count, label: "infer")
        let start = Date()
        let top = try evaluation.topOne(set) { range, y in
            try writer?.append(y.data)
            progress.update(done: range.upperBound)
        }
        progress.finish()
        try writer?.commit()
        let seconds = Date().timeIntervalSince(start)
        let counted = top?.accuracy == nil ? nil : top
        return Result(samples: set.count, correct: counted?.correct, accuracy: counted?.accuracy,
                      outputsPerSample: perSample, seconds: seconds)
    }
}
