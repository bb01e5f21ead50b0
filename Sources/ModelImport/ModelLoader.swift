import Foundation
import NetworkModel

/// Imports a trained network from any supported file, chosen by its extension.
public enum ModelLoader {
    /// Supported extensions, for help texts.
    public static let supportedExtensions = [".onnx", ".h5", ".hdf5", ".keras", ".weights.h5 (with its architecture)"]

    /// Loads `url`. A Keras 3 `.weights.h5` file needs `architecture`: a `.keras` archive or a `config.json`.
    public static func load(_ url: URL, architecture: URL? = nil) throws(ImportError) -> Network {
        let name = url.lastPathComponent.lowercased()
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw ImportError(.unreadable, file: url.path, "no such file")
        }
        guard !isFolder.boolValue else { throw ImportError(.unreadable, file: url.path, "it is a folder, not a model file") }
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw ImportError(.unreadable, file: url.path, "cannot read the file (permission denied)")
        }
        if name.hasSuffix(".onnx") {
            return try ONNXImporter.load(url)
        }
        if name.hasSuffix(".keras") {
            return try KerasArchiveImporter.load(url)
        }
        if name.hasSuffix(".weights.h5") {
            guard let architecture else {
                throw ImportError(.missingWeights, file: url.path,
                                  "a Keras 3 .weights.h5 file holds no architecture; load it with the matching .keras archive or config.json")
            }
            return try KerasArchiveImporter.load(weights: url, architecture: architecture)
        }
        if name.hasSuffix(".h5") || name.hasSuffix(".hdf5") {
            return try KerasHDF5Importer.load(url)
        }
        throw ImportError(.unsupported, file: url.path,
                          "unknown model format; expected one of \(supportedExtensions.joined(separator: ", "))")
    }
}
