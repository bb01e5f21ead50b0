/// Element-wise nonlinearities.
public enum Activation: Sendable, Equatable {
    case relu
    case leakyRelu(alpha: Float)
    /// Clamp to [min, max]; ReLU6 is `clip(0, 6)`.
    case clip(min: Float, max: Float)
    case sigmoid
    /// Keras' hard sigmoid / ONNX HardSigmoid: max(0, min(1, alpha·x + beta)).
    case hardSigmoid(alpha: Float, beta: Float)
    case tanh
    /// Exact GELU (erf) or its tanh approximation.
    case gelu(approximateTanh: Bool)
    case elu(alpha: Float)
    case swish
    case softplus
}

/// How a 2-D window is padded.
public enum Padding2D: Sendable, Equatable {
    /// Explicit pads (top, left, bottom, right), as ONNX `pads` = [top, left, bottom, right].
    case explicit(top: Int, left: Int, bottom: Int, right: Int)
    /// Output size ceil(in / stride); odd padding goes at the end (TensorFlow/Keras `same`, ONNX SAME_UPPER).
    case sameUpper
    /// As `sameUpper`, but odd padding goes at the start (ONNX SAME_LOWER).
    case sameLower

    public static let valid = Padding2D.explicit(top: 0, left: 0, bottom: 0, right: 0)

    /// Resolves to (top, left, bottom, right) for one input size.
    public func resolve(inputHW: (Int, Int), kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int))
        -> (top: Int, left: Int, bottom: Int, right: Int)
    {
        switch self {
        case .explicit(let t, let l, let b, let r): return (t, l, b, r)
        case .sameUpper, .sameLower:
            func total(_ n: Int, _ k: Int, _ s: Int, _ d: Int) -> Int {
                let out = (n + s - 1) / s
                let effK = (k - 1) * d + 1
                return max(0, (out - 1) * s + effK - n)
            }
            let th = total(inputHW.0, kernel.0, stride.0, dilation.0)
            let tw = total(inputHW.1, kernel.1, stride.1, dilation.1)
            if self == .sameUpper {
                return (th / 2, tw / 2, th - th / 2, tw - tw / 2)
            }
            return (th - th / 2, tw - tw / 2, th / 2, tw / 2)
        }
    }
}

/// A fully connected layer: y = x·W + b with W stored as [in, out] (crossbar rows = inputs).
public struct DenseOp: Sendable, Equatable {
    public var weight: Tensor
    public var bias: Tensor?
    public init(weight: Tensor, bias: Tensor?) { self.weight = weight; self.bias = bias }
    public var inputs: Int { weight.shape[0] }
    public var outputs: Int { weight.shape[1] }
}

/// A 2-D convolution over NCHW data. Weight layout [C_out, C_in/group, K_h, K_w] (ONNX's), so the
/// crossbar matrix of group g has rows in (c_in, k_h, k_w) order and one column per output channel.
public struct Conv2DOp: Sendable, Equatable {
    public var weight: Tensor
    public var bias: Tensor?
    public var strides: [Int]
    public var dilations: [Int]
    public var padding: Padding2D
    public var group: Int

    public init(weight: Tensor, bias: Tensor?, strides: [Int] = [1, 1], dilations: [Int] = [1, 1],
                padding: Padding2D = .valid, group: Int = 1) {
        self.weight = weight; self.bias = bias; self.strides = strides
        self.dilations = dilations; self.padding = padding; self.group = group
    }
    public var outChannels: Int { weight.shape[0] }
    public var inChannelsPerGroup: Int { weight.shape[1] }
    public var kernel: [Int] { [weight.shape[2], weight.shape[3]] }
}

public enum PoolKind: String, Sendable, Equatable { case max, average }

public struct Pool2DOp: Sendable, Equatable {
    public var kind: PoolKind
    public var kernel: [Int]
    public var strides: [Int]
    public var dilations: [Int]
    public var padding: Padding2D
    /// Average pooling: whether padded cells count in the divisor (ONNX count_include_pad).
    public var countIncludePad: Bool
    /// Output size rounds up instead of down (ONNX ceil_mode).
    public var ceilMode: Bool

    public init(kind: PoolKind, kernel: [Int], strides: [Int], dilations: [Int] = [1, 1],
                padding: Padding2D = .valid, countIncludePad: Bool = false, ceilMode: Bool = false) {
        self.kind = kind; self.kernel = kernel; self.strides = strides; self.dilations = dilations
        self.padding = padding; self.countIncludePad = countIncludePad; self.ceilMode = ceilMode
    }
}

/// Inference batch normalisation over axis 1: y = (x − mean) / sqrt(var + ε) · scale + bias.
public struct BatchNormOp: Sendable, Equatable {
    public var scale: [Float]
    public var bias: [Float]
    public var mean: [Float]
    public var variance: [Float]
    public var epsilon: Float
    public init(scale: [Float], bias: [Float], mean: [Float], variance: [Float], epsilon: Float) {
        self.scale = scale; self.bias = bias; self.mean = mean; self.variance = variance; self.epsilon = epsilon
    }
    public var channels: Int { scale.count }
}

/// One operation of the graph. Axes count the batch axis as 0.
public enum Operation: Sendable, Equatable {
    case dense(DenseOp)
    case conv2d(Conv2DOp)
    case batchNorm(BatchNormOp)
    case activation(Activation)
    /// Softmax over one axis (ONNX opset ≥ 13 semantics).
    case softmax(axis: Int)
    case pool2d(Pool2DOp)
    case globalPool(PoolKind)
    /// Mean over the given axes (e.g. [2, 3] for spatial ReduceMean).
    case reduceMean(axes: [Int], keepDims: Bool)
    /// Flattens to 2-D: dims before `axis` into one, the rest into the other.
    case flatten(axis: Int)
    /// ONNX Reshape semantics over the full shape: 0 copies the input dimension, −1 is inferred.
    case reshape(shape: [Int])
    case transpose(perm: [Int])
    /// Element-wise with NumPy broadcasting, any number of inputs ≥ 2 for add.
    case add
    case sub
    case mul
    case div
    case concat(axis: Int)
    case identity

    /// Whether a crossbar can hold this operation's weights.
    public var isMatrixProduct: Bool {
        switch self {
        case .dense, .conv2d: return true
        default: return false
        }
    }

    /// A short name for listings.
    public var kindName: String {
        switch self {
        case .dense: return "Dense"
        case .conv2d(let c): return c.group == 1 ? "Conv2D" : (c.group == c.outChannels && c.inChannelsPerGroup == 1 ? "DepthwiseConv2D" : "GroupConv2D")
        case .batchNorm: return "BatchNorm"
        case .activation(let a):
            switch a {
            case .relu: return "ReLU"
            case .leakyRelu: return "LeakyReLU"
            case .clip(let lo, let hi): return lo == 0 && hi == 6 ? "ReLU6" : "Clip"
            case .sigmoid: return "Sigmoid"
            case .hardSigmoid: return "HardSigmoid"
            case .tanh: return "Tanh"
            case .gelu: return "GELU"
            case .elu: return "ELU"
            case .swish: return "Swish"
            case .softplus: return "Softplus"
            }
        case .softmax: return "Softmax"
        case .pool2d(let p): return p.kind == .max ? "MaxPool2D" : "AvgPool2D"
        case .globalPool(let k): return k == .max ? "GlobalMaxPool" : "GlobalAvgPool"
        case .reduceMean: return "ReduceMean"
        case .flatten: return "Flatten"
        case .reshape: return "Reshape"
        case .transpose: return "Transpose"
        case .add: return "Add"
        case .sub: return "Sub"
        case .mul: return "Mul"
        case .div: return "Div"
        case .concat: return "Concat"
        case .identity: return "Identity"
        }
    }

    /// Number of trained parameters held by the operation.
    public var parameterCount: Int {
        switch self {
        case .dense(let d): return d.weight.count + (d.bias?.count ?? 0)
        case .conv2d(let c): return c.weight.count + (c.bias?.count ?? 0)
        case .batchNorm(let b): return 4 * b.channels
        default: return 0
        }
    }
}

/// A node: one operation reading named tensors and producing one named tensor.
public struct Node: Sendable, Equatable {
    public var name: String
    public var operation: Operation
    public var inputs: [String]
    public var output: String
    public init(name: String, operation: Operation, inputs: [String], output: String) {
        self.name = name; self.operation = operation; self.inputs = inputs; self.output = output
    }
}
