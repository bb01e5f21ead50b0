import ArgumentParser
import Foundation

/// `imprint inspect MODEL`: what the network is and which layers a crossbar can hold.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List a model's layers, shapes, parameter counts and crossbar matrices.",
        discussion: """
            Example:
              imprint inspect examples/models/fmnist_cnn_k2.h5
              imprint inspect model.onnx --json > summary.json
            """
    )

    @OptionGroup var model: ModelOptions

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let network = try model.load()
            let summary = NetworkSummary(network)
            if json {
                print(jsonText(summary.json(model: model.model, format: model.formatName, network: network)))
            } else {
                print(summary.text(model: model.model, format: model.formatName, network: network))
            }
        }
    }
}
