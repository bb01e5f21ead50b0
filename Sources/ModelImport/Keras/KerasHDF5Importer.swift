import Foundation
import HDF5Support
import NetworkModel

/// Imports a whole model saved as HDF5 by Keras 2 (`tf.keras`, `tf_keras`) or Keras 3's legacy
/// `model.save("m.h5")`: the architecture is the root attribute `model_config`, the weights live
/// under `model_weights`, found through the `layer_names`/`weight_names` attributes.
public enum KerasHDF5Importer {
    public static func load(_ url: URL) throws(ImportError) -> Network {
        let file = url.path
        let h5 = try KerasImport.open(url)
        let config: String
        let version: String?
        do {
            guard let text = try h5.attribute("model_config")?.stringList?.first else {
                if try h5.hasAttribute("layer_names") || h5.kind(of: "/layers") == .group {
                    throw ImportError(.unsupported, file: file,
                                      "the file holds only weights (written by save_weights); the model architecture is missing: save the model with model.save(), or load the weights with their architecture (a .keras archive or config.json)")
                }
                throw ImportError(.malformed, file: file, "not a Keras model file: there is no 'model_config' attribute")
            }
            config = text
            version = try h5.attribute("keras_version")?.stringList?.first
            guard try h5.kind(of: "/model_weights") == .group else {
                throw ImportError(.missingWeights, file: file, "the file has a model config but no 'model_weights' group")
            }
        } catch let e as ImportError { throw e } catch let e as HDF5Error { throw ImportError(e) } catch {
            throw ImportError(.malformed, file: file, "\(error)")
        }
        return try KerasImport.network(config: Data(config.utf8), configFile: file, dialect: KerasImport.dialect(version: version),
                                       weights: KerasLegacyWeights(h5: h5, root: "/model_weights"), file: file)
    }
}
