import NetworkModel

/// Matrix-product layers and pooling: the operators whose weights end up on a crossbar.
extension ONNXConverter {
    /// Gemm: Y = alpha·A·op(B) + beta·C, with alpha folded into the weights and beta into the bias.
    mutating func convertGemm(_ c: ONNXNodeContext) throws(ImportError) {
        guard try c.int("transA", 0) == 0 else { throw c.unsupported("transA = 1 is not supported") }
        let transB = try c.int("transB", 0) != 0
        let alpha = try c.float("alpha", 1), beta = try c.float("beta", 1)
        let x = try dynamicInput(0, c)
        guard shapes[x]?.count == 2 else { throw c.error(.invalidNetwork, "input must be 2-D, is \(shapes[x] ?? [])") }
        var b = try floatConstant(1, c, role: "weight")
        guard b.rank == 2 else { throw c.error(.invalidNetwork, "weight '\(c.inputName(1) ?? "")' must be 2-D, is \(b.shape)") }
        if transB { b = try transpose(b, [1, 0], c) }
        if alpha != 1 { b.data = b.data.map { $0 * alpha } }
        var bias: Tensor? = nil
        if c.inputName(2) != nil {
            let t = try floatConstant(2, c, role: "bias")
            bias = try vector(t, length: b.shape[1], c, role: "bias C")
            if beta != 1, var scaled = bias { scaled.data = scaled.data.map { $0 * beta }; bias = scaled }
        }
        try emit(c, .dense(DenseOp(weight: b, bias: bias)), inputs: [x], output: c.output())
    }

    /// MatMul with a constant right operand; `biasAdd` is the fused Add node that supplies the bias.
    mutating func convertMatMul(_ c: ONNXNodeContext, biasAdd: Int?) throws(ImportError) {
        let x = try dynamicInput(0, c)
        let w = try floatConstant(1, c, role: "weight")
        guard w.rank == 2 else { throw c.unsupported("MatMul with a \(w.rank)-D constant operand is not supported (2-D needed)") }
        guard (shapes[x]?.count ?? 0) >= 2 else { throw c.unsupported("MatMul of a 1-D input is not supported") }
        var bias: Tensor? = nil
        var output = try c.output()
        if let biasAdd {
            let add = ONNXNodeContext(graph.nodes[biasAdd], index: biasAdd, file: file)
            let other = add.node.inputs[0] == output ? 1 : 0
            guard case .float(let t) = try input(other, add) else { throw add.unsupported("bias is not a float constant") }
            bias = try vector(t, length: w.shape[1], add, role: "bias")
            output = try add.output()
        }
        try emit(c, .dense(DenseOp(weight: w, bias: bias)), inputs: [x], output: output)
    }

    /// A bias of `length` values given as any shape holding that many along its last axis.
    func vector(_ t: Tensor, length: Int, _ c: ONNXNodeContext, role: String) throws(ImportError) -> Tensor {
        if t.count == length, t.shape.dropLast().allSatisfy({ $0 == 1 }) {
            return (try? t.reshaped([length])) ?? t
        }
        if t.count == 1 { return Tensor(shape: [length], repeating: t.data[0]) }
        throw c.unsupported("\(role) of shape \(t.shape) does not broadcast as a vector of \(length)")
    }

    mutating func convertConv(_ c: ONNXNodeContext) throws(ImportError) {
        let x = try dynamicInput(0, c)
        let weight = try floatConstant(1, c, role: "kernel")
        guard weight.rank == 4 else {
            throw c.unsupported("only 2-D convolutions are supported; the kernel has shape \(weight.shape)")
        }
        if let k = try c.ints("kernel_shape"), k != Array(weight.shape[2...]) {
            throw c.error(.invalidNetwork, "kernel_shape \(k) does not match the kernel \(weight.shape)")
        }
        let bias = c.inputName(2) == nil ? nil : try floatConstant(2, c, role: "bias")
        let window = try windowAttributes(c, kernel: Array(weight.shape[2...]))
        let group = try c.int("group", 1)
        guard group >= 1, group <= weight.shape[0] else {
            throw c.error(.invalidNetwork, "group \(group) does not fit \(weight.shape[0]) output channels")
        }
        let op = Conv2DOp(weight: weight, bias: bias.map { (try? $0.reshaped([$0.count])) ?? $0 },
                          strides: window.strides, dilations: window.dilations, padding: window.padding, group: group)
        try emit(c, .conv2d(op), inputs: [x], output: c.output())
    }

    mutating func convertPool(_ c: ONNXNodeContext) throws(ImportError) {
        try requireUnusedExtraOutputs(c)
        let x = try dynamicInput(0, c)
        guard let kernel = try c.ints("kernel_shape") else { throw c.error(.malformed, "kernel_shape is missing") }
        guard kernel.count == 2 else { throw c.unsupported("only 2-D pooling is supported; kernel_shape is \(kernel)") }
        if try c.int("storage_order", 0) != 0, c.node.outputs.count > 1 {
            throw c.unsupported("storage_order = 1 is not supported")
        }
        let window = try windowAttributes(c, kernel: kernel)
        let op = Pool2DOp(kind: c.op == "MaxPool" ? .max : .average, kernel: kernel, strides: window.strides,
                          dilations: window.dilations, padding: window.padding,
                          countIncludePad: try c.int("count_include_pad", 0) != 0, ceilMode: try c.int("ceil_mode", 0) != 0)
        try emit(c, .pool2d(op), inputs: [x], output: c.output())
    }

    /// strides, dilations, pads and auto_pad of a 2-D window operator.
    private func windowAttributes(_ c: ONNXNodeContext, kernel: [Int]) throws(ImportError)
        -> (strides: [Int], dilations: [Int], padding: Padding2D)
    {
        let strides = try c.ints("strides") ?? [1, 1]
        let dilations = try c.ints("dilations") ?? [1, 1]
        guard strides.count == 2, dilations.count == 2 else {
            throw c.unsupported("strides \(strides) / dilations \(dilations) are not 2-D")
        }
        // Bounded so the window arithmetic of shape inference cannot overflow on hostile values.
        let limit = 1 << 20
        for v in kernel + strides + dilations where v < 1 || v > limit {
            throw c.unsupported("kernel \(kernel), strides \(strides) and dilations \(dilations) must lie in 1...\(limit)")
        }
        let padding: Padding2D
        switch try c.string("auto_pad", "NOTSET") {
        case "NOTSET", "":
            let pads = try c.ints("pads") ?? [0, 0, 0, 0]
            guard pads.count == 4, pads.allSatisfy({ $0 >= 0 && $0 <= limit }) else { throw c.unsupported("pads \(pads) are not four non-negative values") }
            padding = .explicit(top: pads[0], left: pads[1], bottom: pads[2], right: pads[3])
        case "VALID": padding = .valid
        case "SAME_UPPER": padding = .sameUpper
        case "SAME_LOWER": padding = .sameLower
        case let other: throw c.unsupported("auto_pad '\(other)' is not supported")
        }
        return (strides, dilations, padding)
    }

    mutating func convertBatchNorm(_ c: ONNXNodeContext) throws(ImportError) {
        guard try c.int("training_mode", 0) == 0 else { throw c.unsupported("training_mode = 1 is not supported (inference only)") }
        guard try c.int("spatial", 1) == 1 else { throw c.unsupported("spatial = 0 is not supported") }
        try requireUnusedExtraOutputs(c)
        let x = try dynamicInput(0, c)
        var parameters = [[Float]]()
        for (i, role) in ["scale", "bias", "mean", "variance"].enumerated() {
            parameters.append(try floatConstant(i + 1, c, role: role).data)
        }
        let op = BatchNormOp(scale: parameters[0], bias: parameters[1], mean: parameters[2], variance: parameters[3],
                             epsilon: try c.float("epsilon", 1e-5))
        try emit(c, .batchNorm(op), inputs: [x], output: c.output())
    }
}
