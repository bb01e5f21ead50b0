import Foundation
import NetworkModel

/// Keras HDF5 importer (placeholder until implemented).
public enum KerasHDF5Importer {
    public static func load(_ url: URL) throws(ImportError) -> Network {
        throw ImportError(.unsupported, file: url.path, "Keras HDF5 import is not implemented yet")
    }
}

/// Keras 3 `.keras` importer (placeholder until implemented).
public enum KerasArchiveImporter {
    public static func load(_ url: URL) throws(ImportError) -> Network {
        throw ImportError(.unsupported, file: url.path, "Keras .keras import is not implemented yet")
    }
    public static func load(weights: URL, architecture: URL) throws(ImportError) -> Network {
        throw ImportError(.unsupported, file: weights.path, "Keras .weights.h5 import is not implemented yet")
    }
}
