import ArgumentParser
import Foundation
import ModelImport
import NetworkModel

/// The model argument shared by every command that reads a trained network.
struct ModelOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The trained model: .onnx, Keras .h5, .keras, or a Keras 3 .weights.h5 (with --architecture).",
                                 valueName: "model"),
              completion: .file(extensions: ["onnx", "h5", "hdf5", "keras", "plan"]))
    var model: String

    @Option(help: ArgumentHelp("The architecture of a Keras 3 .weights.h5 model: the matching .keras archive or its config.json.",
                               valueName: "file"),
            completion: .file(extensions: ["keras", "json"]))
    var architecture: String?

    var isWeightsFile: Bool { model.lowercased().hasSuffix(".weights.h5") }

    func validate() throws {
        if architecture != nil, !isWeightsFile {
            throw ValidationError("--architecture applies to a Keras 3 .weights.h5 model only; \(model) carries its own architecture")
        }
    }

    /// The network; a missing model or architecture file is exit 66, a `.weights.h5` without
    /// `--architecture` a usage error.
    func load() throws -> Network {
        try InputFiles.requireReadable(model)
        if isWeightsFile, architecture == nil {
            throw ValidationError("\(model) is a Keras 3 .weights.h5 file, which holds no architecture; give --architecture model.keras (or config.json)")
        }
        if let architecture { try InputFiles.requireReadable(architecture) }
        return try ModelLoader.load(URL(fileURLWithPath: model), architecture: architecture.map { URL(fileURLWithPath: $0) })
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
