import HDF5Support
import NetworkModel

/// Where a layer's trained variables come from: legacy `.h5` files name them through attributes,
/// Keras 3 `.weights.h5` files number them in creation order.
protocol KerasWeightSource {
    /// Reads `variables` (Keras names such as "kernel", in the layer's creation order) with the
    /// shapes the config implies, failing with a message naming the layer and the variable.
    func read(_ variables: [(name: String, shape: [Int])], of layer: KerasLayerSpec,
              at path: KerasLayerPath) throws(ImportError) -> [Tensor]
}

extension KerasWeightSource {
    /// Reads one variable after checking its stored shape, so that a wrong or hostile shape never
    /// leads to a large allocation.
    func readChecked(_ h5: HDF5File, _ datasetPath: String, variable: String, shape: [Int],
                     layer: KerasLayerSpec) throws(ImportError) -> Tensor {
        let file = h5.path
        let info: HDF5DatasetInfo
        do { info = try h5.datasetInfo(datasetPath) } catch {
            if error.kind == .missing {
                throw ImportError(.missingWeights, file: file, "\(layer.display): weight '\(variable)' is missing (no dataset '\(datasetPath)')")
            }
            throw ImportError(error.kind.importKind, file: file, "\(layer.display): weight '\(variable)': \(error.message)")
        }
        guard info.shape == shape else {
            throw ImportError(.missingWeights, file: file,
                              "\(layer.display): weight '\(variable)' has shape \(info.shape), expected \(shape)")
        }
        guard case .float = info.elementType else {
            throw ImportError(.unsupported, file: file, "\(layer.display): weight '\(variable)' is stored as \(info.elementType), not floating point")
        }
        let values: [Float]
        do { values = try h5.readArray(path: datasetPath, maxElements: Tensor.elementCount(shape) ?? 0).values } catch {
            throw ImportError(error.kind.importKind, file: file, "\(layer.display): weight '\(variable)': \(error.message)")
        }
        do { return try Tensor(shape: shape, data: values) } catch {
            throw ImportError(.missingWeights, file: file, "\(layer.display): weight '\(variable)': \(error.description)")
        }
    }
}

extension HDF5Error.Kind {
    /// The importer's view of an HDF5 failure.
    var importKind: ImportError.Kind {
        switch self {
        case .unreadable: return .unreadable
        case .notHDF5, .malformed: return .malformed
        case .missing: return .missingWeights
        case .unsupported: return .unsupported
        case .tooLarge: return .malformed
        case .unsafePath: return .unsafePath
        }
    }
}

extension ImportError {
    init(_ error: HDF5Error) {
        self.init(error.kind.importKind, file: error.file, error.object.map { "'\($0)': \(error.message)" } ?? error.message)
    }
}

extension HDF5File {
    /// A string-list attribute, also when Keras split it into `name0`, `name1`, … because it did
    /// not fit HDF5's 64 KiB object header.
    func kerasStringList(_ name: String, of objectPath: String) throws(HDF5Error) -> [String]? {
        if let value = try attribute(name, of: objectPath) {
            guard let list = value.stringList else {
                throw HDF5Error(.malformed, file: path, object: objectPath + "@" + name, "is not a list of strings")
            }
            return list
        }
        var parts = [String]()
        var i = 0
        while let value = try attribute("\(name)\(i)", of: objectPath) {
            guard let list = value.stringList else {
                throw HDF5Error(.malformed, file: path, object: objectPath + "@\(name)\(i)", "is not a list of strings")
            }
            parts += list
            i += 1
        }
        return i == 0 ? nil : parts
    }
}

/// Weights of a Keras 2 / Keras 3 legacy `.h5` file: group `model_weights/<layer>` lists its
/// datasets in attribute `weight_names`, relative to the group; nested models list all of theirs.
struct KerasLegacyWeights: KerasWeightSource {
    let h5: HDF5File
    /// "/model_weights" for a full model file.
    let root: String

    func read(_ variables: [(name: String, shape: [Int])], of layer: KerasLayerSpec,
              at path: KerasLayerPath) throws(ImportError) -> [Tensor] {
        guard let top = path.elements.first, let leaf = path.elements.last else { return [] }
        let group = root + "/" + top.name
        let list: [String]?
        do { list = try h5.kerasStringList("weight_names", of: group) } catch {
            if error.kind == .missing { throw ImportError(.missingWeights, file: h5.path, "\(layer.display): no weights group '\(group)'") }
            throw ImportError(error)
        }
        guard let names = list else {
            throw ImportError(.missingWeights, file: h5.path, "\(layer.display): the weights group '\(group)' has no 'weight_names' attribute")
        }
        var byVariable = [String: String]()
        for n in names {
            let parts = n.split(separator: "/").map(String.init)
            guard var last = parts.last else { continue }
            if path.elements.count > 1, parts.dropLast().last != leaf.name { continue }
            if let colon = last.lastIndex(of: ":") { last = String(last[..<colon]) }
            byVariable[last] = n
        }
        var tensors = [Tensor]()
        for v in variables {
            let aliases = v.name == "kernel" ? ["kernel", "depthwise_kernel"] : [v.name]
            guard let stored = aliases.lazy.compactMap({ byVariable[$0] }).first else {
                throw ImportError(.missingWeights, file: h5.path,
                                  "\(layer.display): weight '\(v.name)' is not listed in '\(group)@weight_names'")
            }
            tensors.append(try readChecked(h5, group + "/" + stored, variable: v.name, shape: v.shape, layer: layer))
        }
        return tensors
    }
}
