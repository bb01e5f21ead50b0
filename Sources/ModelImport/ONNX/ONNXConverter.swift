import Foundation
import NetworkModel

/// Converts a parsed ONNX graph into Imprint's operations, one ONNX node at a time.
///
/// ONNX tensors become either run-time tensors of the `Network` or constants folded at import time
/// (shape arithmetic, weights). Shapes of run-time tensors are tracked as the nodes are emitted
/// (batch axis as 1), so `Shape`, `Squeeze` and friends can be folded and errors name the ONNX node.
struct ONNXConverter {
    let file: URL
    let graph: ONNXGraph
    /// Version of the default ("" / "ai.onnx") operator set.
    let opset: Int
    let decoder: ONNXTensorDecoder
    let initializers: [String: ONNXTensorProto]
    let uses: ONNXUses

    var values: [String: ONNXValue] = [:]
    var nodes: [Node] = []
    var constants: [String: Tensor] = [:]
    var shapes: [String: [Int]] = [:]
    /// The batch size fixed in the file when the input declares a number rather than a symbol.
    var staticBatch: Int?

    init(file: URL, graph: ONNXGraph, opset: Int) {
        self.file = file
        self.graph = graph
        self.opset = opset
        decoder = ONNXTensorDecoder(file: file)
        var initializers = [String: ONNXTensorProto]()
        for t in graph.initializers { initializers[t.name] = t }
        self.initializers = initializers
        uses = ONNXUses(graph)
    }

    /// Runs the conversion and validates the result as a `Network`.
    mutating func convert(name: String) throws(ImportError) -> Network {
        let inputs = try declareInputs()
        let fusions = try ONNXFusionPlan(graph: graph, uses: uses, literal: { self.literalFloat($0) })
        for (index, node) in graph.nodes.enumerated() where !fusions.skipped.contains(index) {
            let context = ONNXNodeContext(node, index: index, file: file)
            guard node.domain.isEmpty || node.domain == "ai.onnx" else {
                throw context.unsupported("operator domain '\(node.domain)' is not supported (only the default ONNX domain)")
            }
            if let fusion = fusions.fused[index] {
                try emitFusion(fusion, context)
            } else {
                try convertNode(context)
            }
        }
        let outputs = try declareOutputs()
        do {
            return try Network(name: name, inputs: inputs, outputs: outputs, nodes: nodes, constants: constants)
        } catch {
            throw ImportError(.invalidNetwork, file: file.path, error.description)
        }
    }

    // MARK: Inputs and outputs

    private mutating func declareInputs() throws(ImportError) -> [NetworkInput] {
        var result = [NetworkInput]()
        for info in graph.inputs where initializers[info.name] == nil {
            let what = "graph input '\(info.name)'"
            if let type = info.elemType, type != ONNXDataType.float {
                throw ImportError(.unsupported, file: file.path, "\(what) has type \(ONNXDataType.name(type)); only FLOAT inputs are supported")
            }
            guard let dims = info.shape, !dims.isEmpty else {
                throw ImportError(.unsupported, file: file.path, "\(what) declares no shape; Imprint needs every dimension but the batch")
            }
            if case .value(let b) = dims[0], b > 0 { staticBatch = Int(b) }
            var sample = [Int]()
            for (axis, d) in dims.enumerated().dropFirst() {
                guard case .value(let v) = d, v > 0, v <= Int64(Int32.max) else {
                    throw ImportError(.unsupported, file: file.path,
                                      "\(what) has an unknown or symbolic size at axis \(axis); only the batch axis (0) may be dynamic")
                }
                sample.append(Int(v))
            }
            guard let count = Tensor.elementCount(sample), count <= 1 << 40 else {
                throw ImportError(.unsupported, file: file.path, "\(what) of shape \(sample) per sample is too large")
            }
            result.append(NetworkInput(name: info.name, shape: sample, sourceLayout: .nchw))
            values[info.name] = .dynamic(info.name)
            shapes[info.name] = [1] + sample
        }
        guard !result.isEmpty else { throw ImportError(.unsupported, file: file.path, "the graph has no input besides its initializers") }
        return result
    }

    private mutating func declareOutputs() throws(ImportError) -> [String] {
        guard !graph.outputs.isEmpty else { throw ImportError(.malformed, file: file.path, "the graph declares no output") }
        var result = [String]()
        for info in graph.outputs {
            guard let value = values[info.name] else {
                throw ImportError(.invalidNetwork, file: file.path, "graph output '\(info.name)' is produced by no node")
            }
            guard case .dynamic(let tensor) = value else {
                throw ImportError(.unsupported, file: file.path, "graph output '\(info.name)' is a constant, independent of the input")
            }
            if tensor != info.name {
                // An aliased output (Identity, Dropout) keeps its ONNX name through an identity node.
                let context = ONNXNodeContext(ONNXNode(name: "\(info.name)/identity", opType: "Identity", domain: "",
                                                      inputs: [tensor], outputs: [info.name], attributes: [:]),
                                              index: 0, file: file)
                try emit(context, .identity, inputs: [tensor], output: info.name)
            }
            result.append(info.name)
        }
        return result
    }

    // MARK: Values

    /// The value behind an ONNX tensor name: a converted node output, a graph input or a decoded initializer.
    mutating func value(_ name: String, _ context: ONNXNodeContext) throws(ImportError) -> ONNXValue {
        if let v = values[name] { return v }
        if let t = initializers[name] {
            let v = try decoder.decode(t, role: "initializer")
            values[name] = v
            return v
        }
        throw context.error(.missingWeights, "input '\(name)' is neither a graph input, an initializer nor the output of an earlier node")
    }

    mutating func input(_ i: Int, _ context: ONNXNodeContext) throws(ImportError) -> ONNXValue {
        guard let name = context.inputName(i) else { throw context.error(.malformed, "input \(i) is missing") }
        return try value(name, context)
    }

    /// A run-time input, by its `Network` tensor name.
    mutating func dynamicInput(_ i: Int, _ context: ONNXNodeContext) throws(ImportError) -> String {
        guard case .dynamic(let t) = try input(i, context) else {
            throw context.unsupported("input \(i) ('\(context.inputName(i) ?? "")') is a constant; only weights, shapes and element-wise operands may be constant")
        }
        return t
    }

    mutating func floatConstant(_ i: Int, _ context: ONNXNodeContext, role: String) throws(ImportError) -> Tensor {
        switch try input(i, context) {
        case .float(let t): return t
        case .int: throw context.unsupported("\(role) '\(context.inputName(i) ?? "")' is an integer tensor; a float tensor is needed")
        case .dynamic: throw context.unsupported("\(role) '\(context.inputName(i) ?? "")' is computed at run time; Imprint needs it to be a constant")
        }
    }

    /// A constant integer list (axes, shapes); the batch symbol is allowed only if `allowBatch`.
    mutating func intConstant(_ i: Int, _ context: ONNXNodeContext, role: String) throws(ImportError) -> IntTensor {
        switch try input(i, context) {
        case .int(let t): return t
        case .float: throw context.unsupported("\(role) '\(context.inputName(i) ?? "")' is a float tensor; an integer tensor is needed")
        case .dynamic: throw context.unsupported("\(role) '\(context.inputName(i) ?? "")' is computed at run time; Imprint needs it to be a constant")
        }
    }

    mutating func knownInts(_ i: Int, _ context: ONNXNodeContext, role: String) throws(ImportError) -> [Int] {
        try known(intConstant(i, context, role: role), context, role: role)
    }

    func known(_ t: IntTensor, _ context: ONNXNodeContext, role: String) throws(ImportError) -> [Int] {
        var out = [Int]()
        for v in t.values {
            guard case .known(let k) = v else { throw context.unsupported("\(role) depends on the batch size") }
            out.append(k)
        }
        return out
    }

    /// A float initializer or Constant-node value, for pattern matching before conversion; nil otherwise.
    func literalFloat(_ name: String) -> Tensor? {
        if let t = initializers[name], case .float(let v)? = try? decoder.decode(t, role: "initializer") { return v }
        if let (index, node) = graph.nodes.enumerated().first(where: { $0.element.opType == "Constant" && $0.element.outputs.first == name }) {
            let context = ONNXNodeContext(node, index: index, file: file)
            if case .float(let v)? = try? constantNodeValue(context) { return v }
        }
        return nil
    }

    // MARK: Emitting

    /// Adds a `Network` node, inferring its output shape now so errors name the ONNX node.
    mutating func emit(_ context: ONNXNodeContext, _ operation: NetworkModel.Operation, inputs: [String], output: String,
                       name: String? = nil) throws(ImportError) {
        let node = Node(name: name ?? context.name, operation: operation, inputs: inputs, output: output)
        var inShapes = [[Int]]()
        for i in inputs {
            guard let s = shapes[i] else { throw context.error(.invalidNetwork, "input '\(i)' has no known shape") }
            inShapes.append(s)
        }
        do {
            shapes[output] = try ShapeInference.outputShape(of: node, inputShapes: inShapes)
        } catch {
            throw context.error(.invalidNetwork, error.description)
        }
        nodes.append(node)
        values[output] = .dynamic(output)
    }

    /// Registers a float constant read by a run-time node, refusing ones that vary along the batch axis.
    mutating func constantOperand(_ name: String, _ tensor: Tensor, against dynamicRank: Int,
                                  _ context: ONNXNodeContext) throws(ImportError) -> String {
        if tensor.rank > dynamicRank || (tensor.rank == dynamicRank && tensor.rank > 0 && tensor.shape[0] != 1) {
            throw context.unsupported("constant '\(name)' of shape \(tensor.shape) would broadcast over the batch axis of a rank-\(dynamicRank) tensor")
        }
        guard tensor.isFinite else { throw context.error(.invalidNetwork, "constant '\(name)' contains NaN or Inf") }
        if constants[name] == nil {
            constants[name] = tensor
            shapes[name] = tensor.shape
        }
        return name
    }

    /// Makes a node's extra outputs (Dropout's mask, MaxPool's indices) an error only if something reads them.
    func requireUnusedExtraOutputs(_ context: ONNXNodeContext) throws(ImportError) {
        for extra in context.node.outputs.dropFirst() where !extra.isEmpty && uses.count(extra) > 0 {
            throw context.unsupported("output '\(extra)' is used, but only the first output is supported")
        }
    }
}

/// How often each ONNX tensor is read (by nodes or as a graph output), and by which node.
struct ONNXUses {
    private var counts: [String: Int] = [:]
    private var readers: [String: [Int]] = [:]
    private(set) var producer: [String: Int] = [:]

    init(_ graph: ONNXGraph) {
        for (i, node) in graph.nodes.enumerated() {
            for input in node.inputs where !input.isEmpty {
                counts[input, default: 0] += 1
                readers[input, default: []].append(i)
            }
            for output in node.outputs where !output.isEmpty { producer[output] = i }
        }
        for output in graph.outputs { counts[output.name, default: 0] += 1 }
    }

    func count(_ name: String) -> Int { counts[name] ?? 0 }

    /// The single node reading `name`, when it is read exactly once and is not a graph output.
    func soleReader(_ name: String) -> Int? {
        guard count(name) == 1, let r = readers[name], r.count == 1 else { return nil }
        return r[0]
    }
}
