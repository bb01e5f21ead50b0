import NetworkModel

/// A node in the plan file's generic form: op type, int/float attributes and named tensors.
///
/// Generic rather than one message per operation so that a reader in another language can walk the
/// graph with one loop, and a new operation needs no schema change (only a new op-type string).
struct GenericNode: Equatable {
    var name: String
    var opType: String
    var inputs: [String]
    var output: String
    var ints: [(String, [Int])] = []
    var floats: [(String, [Float])] = []
    var tensors: [(String, Tensor)] = []

    static func == (a: GenericNode, b: GenericNode) -> Bool {
        a.name == b.name && a.opType == b.opType && a.inputs == b.inputs && a.output == b.output
            && a.ints.map(\.0) == b.ints.map(\.0) && a.ints.map(\.1) == b.ints.map(\.1)
            && a.floats.map(\.0) == b.floats.map(\.0) && a.floats.map(\.1) == b.floats.map(\.1)
            && a.tensors.map(\.0) == b.tensors.map(\.0) && a.tensors.map(\.1) == b.tensors.map(\.1)
    }
}

/// A plan whose graph does not decode; the reader turns it into `PlanFileError.corrupted`.
struct DecodeFailure: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Operation ⇄ generic node. Every `Operation` case and every `Padding2D` form maps both ways
/// exactly (float attributes stay float32).
enum GraphCodec {
    static func generic(_ node: Node) -> GenericNode {
        var g = GenericNode(name: node.name, opType: "", inputs: node.inputs, output: node.output)
        func optional(_ name: String, _ t: Tensor?) { if let t { g.tensors.append((name, t)) } }
        func vector(_ name: String, _ v: [Float]) { g.tensors.append((name, Tensor(shape: [v.count], data: v, checked: ()))) }
        switch node.operation {
        case .dense(let d):
            g.opType = "dense"
            g.tensors.append(("weight", d.weight)); optional("bias", d.bias)
        case .conv2d(let c):
            g.opType = "conv2d"
            g.tensors.append(("weight", c.weight)); optional("bias", c.bias)
            g.ints = [("strides", c.strides), ("dilations", c.dilations), ("group", [c.group]), ("padding", padding(c.padding))]
        case .batchNorm(let b):
            g.opType = "batch_norm"
            vector("scale", b.scale); vector("bias", b.bias); vector("mean", b.mean); vector("variance", b.variance)
            g.floats = [("epsilon", [b.epsilon])]
        case .activation(let a):
            switch a {
            case .relu: g.opType = "relu"
            case .leakyRelu(let alpha): g.opType = "leaky_relu"; g.floats = [("alpha", [alpha])]
            case .clip(let lo, let hi): g.opType = "clip"; g.floats = [("min", [lo]), ("max", [hi])]
            case .sigmoid: g.opType = "sigmoid"
            case .hardSigmoid(let alpha, let beta): g.opType = "hard_sigmoid"; g.floats = [("alpha", [alpha]), ("beta", [beta])]
            case .tanh: g.opType = "tanh"
            case .gelu(let approx): g.opType = "gelu"; g.ints = [("approximate_tanh", [approx ? 1 : 0])]
            case .elu(let alpha): g.opType = "elu"; g.floats = [("alpha", [alpha])]
            case .swish: g.opType = "swish"
            case .softplus: g.opType = "softplus"
            }
        case .softmax(let axis): g.opType = "softmax"; g.ints = [("axis", [axis])]
        case .pool2d(let p):
            g.opType = p.kind == .max ? "max_pool2d" : "avg_pool2d"
            g.ints = [("kernel", p.kernel), ("strides", p.strides), ("dilations", p.dilations),
                      ("count_include_pad", [p.countIncludePad ? 1 : 0]), ("ceil_mode", [p.ceilMode ? 1 : 0]),
                      ("padding", padding(p.padding))]
        case .globalPool(let kind): g.opType = kind == .max ? "global_max_pool" : "global_avg_pool"
        case .reduceMean(let axes, let keep): g.opType = "reduce_mean"; g.ints = [("axes", axes), ("keep_dims", [keep ? 1 : 0])]
        case .flatten(let axis): g.opType = "flatten"; g.ints = [("axis", [axis])]
        case .reshape(let shape): g.opType = "reshape"; g.ints = [("shape", shape)]
        case .transpose(let perm): g.opType = "transpose"; g.ints = [("perm", perm)]
        case .add: g.opType = "add"
        case .sub: g.opType = "sub"
        case .mul: g.opType = "mul"
        case .div: g.opType = "div"
        case .concat(let axis): g.opType = "concat"; g.ints = [("axis", [axis])]
        case .identity: g.opType = "identity"
        }
        return g
    }

    private static func padding(_ p: Padding2D) -> [Int] {
        switch p {
        case .explicit(let t, let l, let b, let r): return [0, t, l, b, r]
        case .sameUpper: return [1]
        case .sameLower: return [2]
        }
    }

    static func node(_ g: GenericNode) throws(DecodeFailure) -> Node {
        let reader = AttributeReader(node: g)
        let op: Operation
        switch g.opType {
        case "dense": op = .dense(DenseOp(weight: try reader.tensor("weight"), bias: reader.optionalTensor("bias")))
        case "conv2d":
            op = .conv2d(Conv2DOp(weight: try reader.tensor("weight"), bias: reader.optionalTensor("bias"),
                                  strides: try reader.ints("strides", count: 2), dilations: try reader.ints("dilations", count: 2),
                                  padding: try reader.padding(), group: try reader.int("group")))
        case "batch_norm":
            op = .batchNorm(BatchNormOp(scale: try reader.tensor("scale").data, bias: try reader.tensor("bias").data,
                                        mean: try reader.tensor("mean").data, variance: try reader.tensor("variance").data,
                                        epsilon: try reader.float("epsilon")))
        case "relu": op = .activation(.relu)
        case "leaky_relu": op = .activation(.leakyRelu(alpha: try reader.float("alpha")))
        case "clip": op = .activation(.clip(min: try reader.float("min"), max: try reader.float("max")))
        case "sigmoid": op = .activation(.sigmoid)
        case "hard_sigmoid": op = .activation(.hardSigmoid(alpha: try reader.float("alpha"), beta: try reader.float("beta")))
        case "tanh": op = .activation(.tanh)
        case "gelu": op = .activation(.gelu(approximateTanh: try reader.flag("approximate_tanh")))
        case "elu": op = .activation(.elu(alpha: try reader.float("alpha")))
        case "swish": op = .activation(.swish)
        case "softplus": op = .activation(.softplus)
        case "softmax": op = .softmax(axis: try reader.int("axis"))
        case "max_pool2d", "avg_pool2d":
            op = .pool2d(Pool2DOp(kind: g.opType == "max_pool2d" ? .max : .average, kernel: try reader.ints("kernel", count: 2),
                                  strides: try reader.ints("strides", count: 2), dilations: try reader.ints("dilations", count: 2),
                                  padding: try reader.padding(), countIncludePad: try reader.flag("count_include_pad"),
                                  ceilMode: try reader.flag("ceil_mode")))
        case "global_max_pool": op = .globalPool(.max)
        case "global_avg_pool": op = .globalPool(.average)
        case "reduce_mean": op = .reduceMean(axes: try reader.ints("axes"), keepDims: try reader.flag("keep_dims"))
        case "flatten": op = .flatten(axis: try reader.int("axis"))
        case "reshape": op = .reshape(shape: try reader.ints("shape"))
        case "transpose": op = .transpose(perm: try reader.ints("perm"))
        case "add": op = .add
        case "sub": op = .sub
        case "mul": op = .mul
        case "div": op = .div
        case "concat": op = .concat(axis: try reader.int("axis"))
        case "identity": op = .identity
        default: throw DecodeFailure("node '\(g.name)' has the unknown op type '\(g.opType)'")
        }
        return Node(name: g.name, operation: op, inputs: g.inputs, output: g.output)
    }
}

/// Looks up a generic node's attributes, naming the node and attribute when one is missing.
private struct AttributeReader {
    var node: GenericNode

    func ints(_ name: String, count: Int? = nil) throws(DecodeFailure) -> [Int] {
        guard let v = node.ints.first(where: { $0.0 == name })?.1 else {
            if count == nil { return [] }  // an empty list is not written at all
            throw DecodeFailure("node '\(node.name)' lacks the int attribute '\(name)'")
        }
        if let count, v.count != count {
            throw DecodeFailure("node '\(node.name)': attribute '\(name)' has \(v.count) values, expected \(count)")
        }
        return v
    }

    func int(_ name: String) throws(DecodeFailure) -> Int { try ints(name, count: 1)[0] }

    func flag(_ name: String) throws(DecodeFailure) -> Bool {
        let v = try int(name)
        guard v == 0 || v == 1 else { throw DecodeFailure("node '\(node.name)': attribute '\(name)' is \(v), expected 0 or 1") }
        return v == 1
    }

    func float(_ name: String) throws(DecodeFailure) -> Float {
        guard let v = node.floats.first(where: { $0.0 == name })?.1 else {
            throw DecodeFailure("node '\(node.name)' lacks the float attribute '\(name)'")
        }
        guard v.count == 1 else { throw DecodeFailure("node '\(node.name)': attribute '\(name)' has \(v.count) values, expected 1") }
        return v[0]
    }

    func optionalTensor(_ name: String) -> Tensor? { node.tensors.first(where: { $0.0 == name })?.1 }

    func tensor(_ name: String) throws(DecodeFailure) -> Tensor {
        guard let t = optionalTensor(name) else { throw DecodeFailure("node '\(node.name)' lacks the tensor '\(name)'") }
        return t
    }

    func padding() throws(DecodeFailure) -> Padding2D {
        let p = try ints("padding", count: nil)
        switch p.first {
        case 0 where p.count == 5: return .explicit(top: p[1], left: p[2], bottom: p[3], right: p[4])
        case 1 where p.count == 1: return .sameUpper
        case 2 where p.count == 1: return .sameLower
        default: throw DecodeFailure("node '\(node.name)': padding \(p) is none of [0,t,l,b,r], [1], [2]")
        }
    }
}

extension Tensor {
    /// A 1-D tensor whose count matches its shape by construction.
    init(shape: [Int], data: [Float], checked: Void) {
        self.init(shape: shape, repeating: 0)
        self.data = data
    }
}
