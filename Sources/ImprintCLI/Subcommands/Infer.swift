import ArgumentParser
import Datasets
import Engine
import Foundation
import NetworkModel

/// `imprint infer MODEL --data DATA`: digital float32 inference, the reference every analog result
/// is compared with.
struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model digitally (float32) on a data set and report top-1 accuracy.",
        discussion: """
            Example:
              imprint infer examples/models/fmnist_cnn_k2.h5 --data fashion-mnist
              imprint infer model.onnx --data images.npy --labels labels.npy --output logits.npy --json
            """
    )

    @OptionGroup var model: ModelOptions

    @Option(help: ArgumentHelp("Input samples: .npy, IDX (*-ubyte[.gz]), file.h5:/dataset, or fashion-mnist (its 10,000 test images, with labels).",
                               valueName: "data"))
    var data: String

    @Option(help: ArgumentHelp("Class labels, one integer per sample (.npy, IDX, file.h5:/dataset). Named data sets bring their own.",
                               valueName: "labels"))
    var labels: String?

    @Option(help: "Use only the first N samples.")
    var limit: Int?

    @Option(help: "Samples per batch.")
    var batch: Int = 256

    @Option(help: ArgumentHelp("Multiply integer (8-bit) samples by this factor; default 1/255, so pixels land in [0, 1]. Float samples are used as they are.",
                               valueName: "factor"))
    var pixelScale: Float?

    @Option(help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int?

    @Option(help: ArgumentHelp("Write the model outputs as float32 .npy of shape [N, outputs].", valueName: "file.npy"))
    var output: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let pixelScale, !(pixelScale.isFinite && pixelScale > 0) { throw ValidationError("--pixel-scale must be a positive number") }
    }

    func run() throws {
        try reportingErrors {
            let network = try model.load()
            guard network.inputs.count == 1, network.outputs.count == 1 else {
                throw DatasetError(file: model.model, "infer needs a model with one input and one output; this one has \(network.inputs.count) and \(network.outputs.count)")
            }
            var set = try DatasetLoader.load(data)
            if let limit { set = set.prefix(limit) }
            if let labels {
                var y = try DatasetLoader.loadLabels(labels)
                // --limit applies to the labels too, so a named set's labels can score a prefix of other data.
                if let limit, y.count > limit { y = Array(y[0..<limit]) }
                set = try set.withLabels(y)
            }
            let result = try DigitalInference(network: network, threads: threads)
                .run(set, batchSize: batch, pixelScale: pixelScale, outputFile: output.map { URL(fileURLWithPath: $0) })
            if json {
                print(jsonText(JSONValue.Object(pairs: [
                    ("model", model.model),
                    ("data", set.source),
                    ("samples", result.samples),
                    ("accuracy", result.accuracy),
                    ("correct", result.correct),
                    ("outputs", result.outputsPerSample),
                    ("seconds", result.seconds),
                    ("output_file", output),
                ])))
            } else {
                print("Model: \(model.model) (\(model.formatName))")
                print("Data: \(set.source), \(grouped(set.count)) samples of \(shapeText(set.sampleShape))")
                if let acc = result.accuracy, let correct = result.correct {
                    print(String(format: "Top-1 accuracy: %.2f %% (%@ / %@)", acc * 100, grouped(correct), grouped(result.samples)))
                } else {
                    print("Top-1 accuracy: unknown (no labels; give --labels)")
                }
                print(String(format: "Time: %.3f s (%@ samples/s)", result.seconds,
                             grouped(Int(Double(result.samples) / max(result.seconds, 1e-9)))))
                if let output { print("Outputs: \(output) (float32 [\(result.samples), \(result.outputsPerSample)])") }
            }
        }
    }
}
