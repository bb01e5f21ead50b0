import NetworkModel

extension ONNXConverter {
    /// Converts one node; every operator not listed here is an error naming it, never skipped.
    mutating func convertNode(_ c: ONNXNodeContext) throws(ImportError) {
        switch c.op {
        case "Gemm": try convertGemm(c)
        case "MatMul": try convertMatMul(c, biasAdd: nil)
        case "Conv": try convertConv(c)
        case "BatchNormalization": try convertBatchNorm(c)
        case "MaxPool", "AveragePool": try convertPool(c)
        case "GlobalAveragePool": try emit(c, .globalPool(.average), inputs: [dynamicInput(0, c)], output: c.output())
        case "GlobalMaxPool": try emit(c, .globalPool(.max), inputs: [dynamicInput(0, c)], output: c.output())
        case "Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "Tanh", "Elu", "Softplus", "Clip", "Gelu":
            try convertActivation(c)
        case "Softmax": try convertSoftmax(c)
        case "Add", "Sub", "Mul", "Div", "Sum": try convertArithmetic(c)
        case "ReduceMean": try convertReduceMean(c)
        case "Flatten": try convertFlatten(c)
        case "Reshape": try convertReshape(c)
        case "Transpose": try convertTranspose(c)
        case "Squeeze", "Unsqueeze": try convertSqueeze(c)
        case "Concat": try convertConcat(c)
        case "Identity", "Dropout":
            try requireUnusedExtraOutputs(c)
            if c.op == "Dropout", opset < 7, try c.int("is_test", 0) == 0, c.has("is_test") {
                throw c.unsupported("training-mode Dropout (is_test = 0) is not supported")
            }
            values[try c.output()] = try input(0, c)
        case "Cast": try convertCast(c)
        case "Constant": values[try c.output()] = try constantNodeValue(c)
        case "Shape": try foldShape(c)
        case "Gather": try foldGather(c)
        case "Slice": try foldSlice(c)
        case "ConstantOfShape": try foldConstantOfShape(c)
        default:
            throw c.unsupported("operator not supported")
        }
    }

    // MARK: Fused patterns

    mutating func emitFusion(_ fusion: ONNXFusion, _ c: ONNXNodeContext) throws(ImportError) {
        switch fusion {
        case .gelu(let x, let output):
            try emit(c, .activation(.gelu(approximateTanh: false)), inputs: [dynamicTensor(x, c)], output: output)
        case .swish(let x):
            try emit(c, .activation(.swish), inputs: [dynamicTensor(x, c)], output: c.output())
        case .matMulBias(let add):
            try convertMatMul(c, biasAdd: add)
        }
    }

    mutating func dynamicTensor(_ name: String, _ c: ONNXNodeContext) throws(ImportError) -> String {
        guard case .dynamic(let t) = try value(name, c) else {
            throw c.unsupported("input '\(name)' is a constant; the fused pattern needs a run-time tensor")
        }
        return t
    }

    // MARK: Activations and softmax

    private mutating func convertActivation(_ c: ONNXNodeContext) throws(ImportError) {
        let x = try dynamicInput(0, c)
        let activation: Activation
        switch c.op {
        case "Relu": activation = .relu
        case "LeakyRelu": activation = .leakyRelu(alpha: try c.float("alpha", 0.01))
        case "Sigmoid": activation = .sigmoid
        case "HardSigmoid": activation = .hardSigmoid(alpha: try c.float("alpha", 0.2), beta: try c.float("beta", 0.5))
        case "Tanh": activation = .tanh
        case "Elu": activation = .elu(alpha: try c.float("alpha", 1))
        case "Softplus": activation = .softplus
        case "Gelu":
            let approximate = try c.string("approximate", "none")
            guard approximate == "none" || approximate == "tanh" else { throw c.unsupported("approximate '\(approximate)' is not supported") }
            activation = .gelu(approximateTanh: approximate == "tanh")
        default: activation = try clipBounds(c)
        }
        try emit(c, .activation(activation), inputs: [x], output: c.output())
    }

    /// Clip's bounds: attributes before opset 11, optional constant scalar inputs from 11 on.
    private mutating func clipBounds(_ c: ONNXNodeContext) throws(ImportError) -> Activation {
        if opset < 11 {
            return .clip(min: try c.float("min", -.infinity), max: try c.float("max", .infinity))
        }
        var bounds: [Float] = [-.infinity, .infinity]
        for i in 1...2 where c.inputName(i) != nil {
            let t = try floatConstant(i, c, role: i == 1 ? "min" : "max")
            guard t.count == 1 else { throw c.unsupported("Clip bound of shape \(t.shape) is not a scalar") }
            bounds[i - 1] = t.data[0]
        }
        guard !bounds[0].isNaN, !bounds[1].isNaN else { throw c.error(.invalidNetwork, "Clip bound is NaN") }
        return .clip(min: bounds[0], max: bounds[1])
    }

    /// Softmax: one axis from opset 13; before that "flatten to 2-D at axis", the same when the axis is
    /// the last one and otherwise lowered to reshape → softmax → reshape.
    private mutating func convertSoftmax(_ c: ONNXNodeContext) throws(ImportError) {
        let x = try dynamicInput(0, c)
        let shape = shapes[x] ?? []
        let rank = shape.count
        let output = try c.output()
        let axis = try c.int("axis", opset >= 13 ? -1 : 1)
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else { throw c.error(.malformed, "axis \(axis) is out of range for rank \(rank)") }
        if opset >= 13 || a == rank - 1 {
            try emit(c, .softmax(axis: a), inputs: [x], output: output)
            return
        }
        guard a >= 1 else { throw c.unsupported("softmax over the batch axis (axis 0) is not supported") }
        let outer = shape[1..<a].reduce(1, *)
        let inner = shape[a...].reduce(1, *)
        let flat = "\(output)/coerced", soft = "\(output)/softmax"
        try emit(c, .reshape(shape: [0, outer, inner]), inputs: [x], output: flat, name: "\(c.name)/coerce")
        try emit(c, .softmax(axis: 2), inputs: [flat], output: soft, name: "\(c.name)/softmax")
        try emit(c, .reshape(shape: [0] + shape.dropFirst()), inputs: [soft], output: output, name: "\(c.name)/restore")
    }
}
