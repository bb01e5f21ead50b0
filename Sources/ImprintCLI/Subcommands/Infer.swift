import ArgumentParser
import Datasets
import Engine
import FileSupport
import Foundation
import NetworkModel

/// `imprint infer MODEL --data DATA`: digital float32 inference, the reference every analog result
/// is compared with.
struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model digitally (float32) on a data set and report top-1 accuracy.",
        discussion: """
            Examples:

              imprint infer examples/models/fmnist_cnn_k2.h5 --data fashion-mnist
              imprint infer model.onnx --data x.npy --labels y.npy \\
                  --output logits.npy --json
            """
    )

    @OptionGroup var model: ModelOptions

    @OptionGroup var dataOptions: DataOptions

    @Option(help: ArgumentHelp("Write the model outputs as float32 .npy of shape [N, outputs] (atomically; - for stdout, the summary then on stderr).", valueName: "file.npy"),
            completion: .file(extensions: ["npy"]))
    var output: String?

    @Flag(help: "Print the result as one JSON document on stdout.")
    var json = false

    func run() throws {
        let destination = try output.map { try OutputDestination($0, inputs: model.inputFiles + dataOptions.inputFiles) }
        if let destination { try OutputFiles.refuseBinaryOnTerminal(destination, what: "an .npy file") }
        let network = try model.load()
        guard network.inputs.count == 1, network.outputs.count == 1 else {
            throw CLIFailure(.dataError, "\(model.model): infer needs a model with one input and one output; this one has \(network.inputs.count) and \(network.outputs.count)")
        }
        let set = try dataOptions.load()
        let result = try DigitalInference(network: network, threads: dataOptions.threads, batchSize: dataOptions.batch,
                                          pixelScale: dataOptions.pixelScale)
            .run(set, outputFile: destination)
        let summary = InferenceSummary(model: model.model, data: set.source, samples: result.samples, accuracy: result.accuracy,
                                       correct: result.correct, outputs: result.outputsPerSample, seconds: result.seconds,
                                       output: output)
        let report = json ? try JSONDocument.text(summary) : text(set: set, result: result)
        let shape = "outputs, float32 [\(result.samples), \(result.outputsPerSample)]"
        if destination?.kind == .standardOutput {
            // The outputs are on standard output (a streamed .npy: its header is written first, the
            // shape being known), so the summary goes to standard error.
            Terminal.standardError(report.hasSuffix("\n") ? String(report.dropLast()) : report)
            Terminal.wrote("standard output", shape)
            return
        }
        print(report, terminator: "")
        if let output, !json { Terminal.wrote(output, shape) }
    }

    private func text(set: Dataset, result: DigitalInference.Result) -> String {
        var lines = ["Model: \(model.model) (\(model.formatName))",
                     "Data: \(set.source), \(counted(set.count, "sample")) of \(shapeText(set.sampleShape))"]
        if let acc = result.accuracy, let correct = result.correct {
            lines.append(String(format: "Top-1 accuracy: %.2f %% (%@ / %@)", acc * 100, grouped(correct), grouped(result.samples)))
        } else {
            lines.append("Top-1 accuracy: unknown (no labels; give --labels)")
        }
        lines.append(String(format: "Time: %.3f s (%@ samples/s)", result.seconds,
                            grouped(Int(Double(result.samples) / max(result.seconds, 1e-9)))))
        return lines.joined(separator: "\n") + "\n"
    }
}
