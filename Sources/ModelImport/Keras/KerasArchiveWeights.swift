import HDF5Support
import NetworkModel

/// Weights of a Keras 3 `.weights.h5` file (alone or inside a `.keras` archive): layer groups sit
/// at `layers/<group>` (nested models add `layers/<group>/layers/…`), variables at `vars/0, 1, …`
/// in creation order. Groups are found by the `name` attribute Keras 3 writes on `vars`, falling
/// back to its snake-case class naming.
final class KerasArchiveWeights: KerasWeightSource {
    let h5: HDF5File
    /// Display name of the weights (an archive member is shown as `model.keras!model.weights.h5`).
    let display: String
    /// Members of one `layers` group, indexed by the layer names their `vars@name` attributes give.
    private struct Container { var byName: [String: String] = [:]; var members: Set<String> = [] }
    private var index: [String: Container] = [:]

    init(h5: HDF5File, display: String) {
        self.h5 = h5; self.display = display
    }

    func read(_ variables: [(name: String, shape: [Int])], of layer: KerasLayerSpec,
              at path: KerasLayerPath) throws(ImportError) -> [Tensor] {
        let group = try layerGroup(path, layer: layer)
        var tensors = [Tensor]()
        for (i, v) in variables.enumerated() {
            tensors.append(try readChecked(h5, "\(group)/vars/\(i)", variable: v.name, shape: v.shape, layer: layer))
        }
        return tensors
    }

    private func layerGroup(_ path: KerasLayerPath, layer: KerasLayerSpec) throws(ImportError) -> String {
        var groupPath = ""
        for element in path.elements {
            let layers = groupPath + "/layers"
            let c = try container(layers, layer: layer)
            // Fall back to Keras' own group naming only in files written without `name` attributes.
            let fallback = c.byName.isEmpty && c.members.contains(element.archiveGroup) ? element.archiveGroup : nil
            guard let member = c.byName[element.name] ?? fallback else {
                throw ImportError(.missingWeights, file: display, "\(layer.display): no weights group for layer '\(element.name)' under '\(layers)'")
            }
            groupPath = layers + "/" + member
        }
        return groupPath
    }

    private func container(_ layers: String, layer: KerasLayerSpec) throws(ImportError) -> Container {
        if let known = index[layers] { return known }
        var c = Container()
        do throws(HDF5Error) {
            guard try h5.kind(of: layers) == .group else {
                throw HDF5Error(.missing, file: h5.path, object: layers, "does not exist")
            }
            for member in try h5.members(ofGroup: layers) {
                let vars = layers + "/" + member + "/vars"
                c.members.insert(member)
                if try h5.kind(of: vars) == .group, let n = try h5.attribute("name", of: vars)?.stringList?.first {
                    c.byName[n] = member
                }
            }
        } catch {
            if error.kind == .missing {
                throw ImportError(.missingWeights, file: display, "\(layer.display): the weights file has no group '\(layers)'")
            }
            throw ImportError(error.kind.importKind, file: display, "\(layer.display): \(error.message)")
        }
        index[layers] = c
        return c
    }
}
