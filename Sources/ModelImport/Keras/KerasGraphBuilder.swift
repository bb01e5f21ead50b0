import NetworkModel

/// A Keras tensor during import: the internal tensor that carries it.
///
/// Internal shapes include the batch axis as 1. A rank-4 value is always an image held as NCHW
/// while Keras sees it as NHWC; every other rank has the same axis order in both.
struct KerasValue: Sendable {
    var name: String
    var shape: [Int]
    /// [C, H, W] when a Flatten of an image left the data in (c, h, w) order while Keras means
    /// (h, w, c). Dense layers absorb this by permuting kernel rows; other consumers materialise it.
    var pendingFlatten: [Int]?
}

/// Accumulates the nodes, constants and inputs of the network being imported.
struct KerasGraphBuilder {
    let file: String
    let dialect: KerasDialect
    let weights: any KerasWeightSource
    private(set) var nodes: [Node] = []
    private(set) var constants: [String: Tensor] = [:]
    private(set) var inputs: [NetworkInput] = []
    private var shapes: [String: [Int]] = [:]
    private var used: Set<String> = []
    private var materialised: [String: KerasValue] = [:]

    init(file: String, dialect: KerasDialect, weights: any KerasWeightSource) {
        self.file = file; self.dialect = dialect; self.weights = weights
    }

    /// A tensor name not used yet, based on `base`.
    mutating func fresh(_ base: String) -> String {
        var name = base
        var i = 1
        while used.contains(name) { name = "\(base)_\(i)"; i += 1 }
        used.insert(name)
        return name
    }

    func error(_ kind: ImportError.Kind, _ layer: KerasLayerSpec, _ message: String) -> ImportError {
        ImportError(kind, file: file, "\(layer.display): \(message)")
    }

    /// Appends a node, inferring its output shape now so that mistakes are reported at the layer.
    mutating func emit(_ op: Operation, _ ins: [String], name: String, layer: KerasLayerSpec) throws(ImportError) -> KerasValue {
        let out = fresh(name)
        let node = Node(name: out, operation: op, inputs: ins, output: out)
        var inShapes = [[Int]]()
        for i in ins {
            guard let s = shapes[i] else { throw error(.invalidNetwork, layer, "reads tensor '\(i)', which has no shape") }
            inShapes.append(s)
        }
        let shape: [Int]
        do { shape = try ShapeInference.outputShape(of: node, inputShapes: inShapes) } catch {
            throw self.error(.invalidNetwork, layer, error.description)
        }
        nodes.append(node)
        shapes[out] = shape
        return KerasValue(name: out, shape: shape)
    }

    /// Registers a constant operand and returns its tensor name.
    mutating func constant(_ tensor: Tensor, name: String) -> String {
        let n = fresh(name)
        constants[n] = tensor
        shapes[n] = tensor.shape
        return n
    }

    /// A scalar or per-channel constant shaped to broadcast against `value` in internal layout.
    mutating func broadcastConstant(_ values: [Float], like value: KerasValue, name: String,
                                    layer: KerasLayerSpec) throws(ImportError) -> String {
        var shape = [1]
        if values.count != 1 {
            let rank = value.shape.count
            let channelAxis = rank == 4 ? 1 : rank - 1
            guard rank >= 2, value.shape[channelAxis] == values.count else {
                throw error(.unsupported, layer, "\(values.count) per-channel values do not fit a tensor of shape \(value.shape)")
            }
            shape = [Int](repeating: 1, count: rank)
            shape[channelAxis] = values.count
        }
        guard let t = try? Tensor(shape: shape, data: values) else {
            throw error(.malformed, layer, "invalid constant of \(values.count) values")
        }
        return constant(t, name: name)
    }

    /// Adds a graph input from a Keras per-sample shape (NHWC images become NCHW inputs).
    mutating func addInput(_ layer: KerasLayerSpec, shape: [Int?]?) throws(ImportError) -> KerasValue {
        guard let shape, !shape.isEmpty else { throw error(.unsupported, layer, "the model input has no known shape") }
        var dims = [Int]()
        for d in shape {
            guard let d, d > 0 else {
                throw error(.unsupported, layer, "input shape \(shape.map { $0.map(String.init) ?? "None" }) has an unknown dimension; Imprint needs fixed input sizes")
            }
            dims.append(d)
        }
        guard Tensor.elementCount(dims) != nil else { throw error(.malformed, layer, "input shape \(dims) is too large") }
        let name = fresh(layer.name)
        let input: NetworkInput
        if dims.count == 3 {
            input = NetworkInput(name: name, shape: [dims[2], dims[0], dims[1]], sourceLayout: .nhwc)
        } else {
            input = NetworkInput(name: name, shape: dims)
        }
        inputs.append(input)
        shapes[name] = [1] + input.shape
        return KerasValue(name: name, shape: [1] + input.shape)
    }

    /// Returns `value` in plain Keras order, turning a pending (c, h, w) flatten into (h, w, c).
    mutating func materialise(_ value: KerasValue, layer: KerasLayerSpec) throws(ImportError) -> KerasValue {
        guard let chw = value.pendingFlatten else { return value }
        if let done = materialised[value.name] { return done }
        let image = try emit(.reshape(shape: [0] + chw), [value.name], name: value.name + "/chw", layer: layer)
        let nhwc = try emit(.transpose(perm: [0, 2, 3, 1]), [image.name], name: value.name + "/hwc", layer: layer)
        let flat = try emit(.flatten(axis: 1), [nhwc.name], name: value.name + "/flat", layer: layer)
        materialised[value.name] = flat
        return flat
    }

    /// The finished network; rank-4 outputs are transposed back to NHWC so they equal Keras' outputs.
    mutating func network(name: String, outputs: [KerasValue], outputLayer: KerasLayerSpec) throws(ImportError) -> Network {
        var names = [String]()
        for out in outputs {
            var v = try materialise(out, layer: outputLayer)
            if v.shape.count == 4 {
                v = try emit(.transpose(perm: [0, 2, 3, 1]), [v.name], name: v.name + "/nhwc", layer: outputLayer)
            }
            names.append(v.name)
        }
        do {
            return try Network(name: name, inputs: inputs, outputs: names, nodes: nodes, constants: constants)
        } catch {
            throw ImportError(.invalidNetwork, file: file, error.description)
        }
    }
}
