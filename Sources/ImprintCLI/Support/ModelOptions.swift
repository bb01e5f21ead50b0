import ArgumentParser
import Foundation
import ModelImport
import NetworkModel

/// The model argument shared by every command that reads a trained network.
struct ModelOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The trained model: .onnx, Keras .h5, .keras, or a Keras 3 .weights.h5 (with --architecture).",
                                 valueName: "model"))
    var model: String

    @Option(help: ArgumentHelp("The architecture for a Keras 3 .weights.h5 file: the matching .keras archive or its config.json.",
                               valueName: "file"))
    var architecture: String?

    func load() throws -> Network {
        try ModelLoader.load(URL(fileURLWithPath: model), architecture: architecture.map { URL(fileURLWithPath: $0) })
    }

    /// The files read, which no output may overwrite.
    var inputFiles: [String] { [model] + (architecture.map { [$0] } ?? []) }

    var formatName: String {
        let l = model.lowercased()
        if l.hasSuffix(".onnx") { return "ONNX" }
        if l.hasSuffix(".keras") { return "Keras 3 archive" }
        if l.hasSuffix(".weights.h5") { return "Keras 3 weights" }
        return "Keras HDF5"
    }
}
