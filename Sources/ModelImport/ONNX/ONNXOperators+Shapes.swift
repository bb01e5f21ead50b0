import NetworkModel

/// Layout operators and element-wise arithmetic: emitted on run-time tensors, folded on constants.
extension ONNXConverter {
    mutating func convertFlatten(_ c: ONNXNodeContext) throws(ImportError) {
        let axis = try c.int("axis", 1)
        switch try input(0, c) {
        case .dynamic(let x):
            let rank = shapes[x]?.count ?? 0
            let a = axis < 0 ? axis + rank : axis
            guard a >= 1 else { throw c.unsupported("flattening into the batch axis (axis \(axis)) is not supported") }
            try emit(c, .flatten(axis: a), inputs: [x], output: c.output())
        case let constant:
            let shape = constantShape(constant)
            let a = axis < 0 ? axis + shape.count : axis
            guard a >= 0, a <= shape.count else { throw c.error(.malformed, "axis \(axis) is out of range") }
            values[try c.output()] = reshaped(constant, [shape[..<a].reduce(1, *), shape[a...].reduce(1, *)])
        }
    }

    /// Reshape; on run-time tensors the target's batch entry (symbolic, or the file's fixed batch size)
    /// becomes 0, "copy the batch axis", so the network runs at any batch size.
    mutating func convertReshape(_ c: ONNXNodeContext) throws(ImportError) {
        let target = opset < 5 ? IntTensor(vector: try c.ints("shape") ?? []) : try intConstant(1, c, role: "shape")
        let allowZero = try c.int("allowzero", 0) != 0
        if allowZero, target.values.contains(.known(0)) { throw c.unsupported("allowzero with a 0 in the target shape is not supported") }
        switch try input(0, c) {
        case .dynamic(let x):
            let inShape = shapes[x] ?? []
            var dims = [Int]()
            for (i, v) in target.values.enumerated() {
                switch v {
                case .batch where i == 0: dims.append(0)
                case .batch: throw c.unsupported("the batch size appears at axis \(i) of the target shape")
                case .known(let k): dims.append(k)
                }
            }
            guard let first = dims.first else { throw c.unsupported("reshaping to a scalar drops the batch axis") }
            let rest = dims.dropFirst()
            let perSample = inShape.dropFirst().reduce(1, *)
            if first == -1, rest.allSatisfy({ $0 > 0 }), Tensor.elementCount(Array(rest)) == perSample {
                dims[0] = 0   // [-1, …] that keeps each sample whole
            } else if first > 0 {
                guard first == staticBatch else {
                    throw c.unsupported("target shape \(dims) fixes the batch axis to \(first)")
                }
                dims[0] = 0
            } else if first < 0 {
                throw c.unsupported("target shape \(dims) merges the batch axis with other axes")
            }
            // Checked here with overflow-safe arithmetic before shape inference multiplies the entries.
            guard resolveReshape(inShape, dims) != nil else {
                throw c.error(.invalidNetwork, "cannot reshape \(inShape) (batch axis 0) to \(dims)")
            }
            try emit(c, .reshape(shape: dims), inputs: [x], output: c.output())
        case let constant:
            let dims = try known(target, c, role: "shape")
            let shape = constantShape(constant)
            guard let resolved = resolveReshape(shape, dims) else {
                throw c.error(.invalidNetwork, "cannot reshape a constant of shape \(shape) to \(dims)")
            }
            values[try c.output()] = reshaped(constant, resolved)
        }
    }

    mutating func convertTranspose(_ c: ONNXNodeContext) throws(ImportError) {
        let value = try input(0, c)
        let rank: Int
        if case .dynamic(let x) = value { rank = shapes[x]?.count ?? 0 } else { rank = constantShape(value).count }
        let perm = try c.ints("perm") ?? Array((0..<rank).reversed())
        switch value {
        case .dynamic(let x):
            guard perm.first == 0 else { throw c.unsupported("permutation \(perm) moves the batch axis") }
            try emit(c, .transpose(perm: perm), inputs: [x], output: c.output())
        case .float(let t):
            values[try c.output()] = .float(try transpose(t, perm, c))
        case .int(let t):
            guard let (shape, data) = ONNXArrayOps.transpose(t.values, shape: t.shape, perm: perm) else {
                throw c.error(.invalidNetwork, "permutation \(perm) does not fit shape \(t.shape)")
            }
            values[try c.output()] = .int(IntTensor(shape: shape, values: data))
        }
    }

    /// Squeeze and Unsqueeze are pure reshapes; axes are an attribute before opset 13, an input after.
    mutating func convertSqueeze(_ c: ONNXNodeContext) throws(ImportError) {
        let value = try input(0, c)
        let axes: [Int]? = opset < 13 ? try c.ints("axes")
            : (c.inputName(1) == nil ? nil : try knownInts(1, c, role: "axes"))
        var shape: [Int]
        if case .dynamic(let x) = value { shape = shapes[x] ?? [] } else { shape = constantShape(value) }
        let isDynamic = !value.isConstant
        if c.op == "Squeeze" {
            let rank = shape.count
            var drop = Set<Int>()
            if let axes {
                for axis in axes { drop.insert(try normalisedAxis(axis, rank: rank, c)) }
            } else {
                drop = Set(shape.indices.filter { shape[$0] == 1 && !(isDynamic && $0 == 0) })
            }
            if isDynamic, drop.contains(0) { throw c.unsupported("squeezing the batch axis is not supported") }
            if let bad = drop.first(where: { shape[$0] != 1 }) { throw c.error(.invalidNetwork, "axis \(bad) of \(shape) is not 1") }
            shape = shape.indices.filter { !drop.contains($0) }.map { shape[$0] }
        } else {
            guard let axes else { throw c.error(.malformed, "axes are missing") }
            let rank = shape.count + axes.count
            var insert = Set<Int>()
            for axis in axes { insert.insert(try normalisedAxis(axis, rank: rank, c)) }
            guard insert.count == axes.count else { throw c.error(.malformed, "axes \(axes) repeat") }
            if isDynamic, insert.contains(0) { throw c.unsupported("inserting an axis before the batch axis is not supported") }
            var source = shape.makeIterator()
            shape = (0..<rank).map { insert.contains($0) ? 1 : (source.next() ?? 1) }
        }
        if case .dynamic(let x) = value {
            try emit(c, .reshape(shape: [0] + shape.dropFirst()), inputs: [x], output: c.output())
        } else {
            values[try c.output()] = reshaped(value, shape)
        }
    }

    mutating func convertConcat(_ c: ONNXNodeContext) throws(ImportError) {
        let axis = try c.int("axis", 0)
        var inputs = [ONNXValue]()
        for i in c.node.inputs.indices where c.inputName(i) != nil { inputs.append(try input(i, c)) }
        guard !inputs.isEmpty else { throw c.error(.malformed, "has no inputs") }
        let dynamic = inputs.compactMap { v -> String? in if case .dynamic(let t) = v { return t } else { return nil } }
        if dynamic.count == inputs.count {
            try emit(c, .concat(axis: axis), inputs: dynamic, output: c.output())
            return
        }
        guard dynamic.isEmpty else { throw c.unsupported("concatenating run-time tensors with constants is not supported") }
        let rank = constantShape(inputs[0]).count
        let a = try normalisedAxis(axis, rank: rank, c)
        let mismatch = c.error(.invalidNetwork, "the constant inputs do not concatenate along axis \(axis)")
        if case .float = inputs[0] {
            var parts = [([Int], [Float])]()
            for v in inputs { guard case .float(let t) = v else { throw mismatch }; parts.append((t.shape, t.data)) }
            guard let (shape, data) = ONNXArrayOps.concat(parts, axis: a) else { throw mismatch }
            values[try c.output()] = .float(try folded(shape, data, c))
        } else {
            var parts = [([Int], [SymbolicInt])]()
            for v in inputs { guard case .int(let t) = v else { throw mismatch }; parts.append((t.shape, t.values)) }
            guard let (shape, data) = ONNXArrayOps.concat(parts, axis: a) else { throw mismatch }
            values[try c.output()] = .int(IntTensor(shape: shape, values: data))
        }
    }

    mutating func convertReduceMean(_ c: ONNXNodeContext) throws(ImportError) {
        let x = try dynamicInput(0, c)
        let rank = shapes[x]?.count ?? 0
        let axes: [Int]? = opset < 18 ? try c.ints("axes")
            : (c.inputName(1) == nil ? nil : try knownInts(1, c, role: "axes"))
        let keep = try c.int("keepdims", 1) != 0
        guard let axes, !axes.isEmpty else {
            if opset >= 18, try c.int("noop_with_empty_axes", 0) != 0 { values[try c.output()] = .dynamic(x); return }
            throw c.unsupported("reducing over all axes includes the batch axis")
        }
        var normalised = [Int]()
        for axis in axes { normalised.append(try normalisedAxis(axis, rank: rank, c)) }
        if normalised.contains(0) { throw c.unsupported("reducing over the batch axis is not supported") }
        try emit(c, .reduceMean(axes: normalised.sorted(), keepDims: keep), inputs: [x], output: c.output())
    }

    /// Add/Sub/Mul/Div (and Sum): folded when every operand is constant, else emitted with the constant
    /// operands as `Network.constants`.
    mutating func convertArithmetic(_ c: ONNXNodeContext) throws(ImportError) {
        var operands = [(name: String, value: ONNXValue)]()
        for i in c.node.inputs.indices where c.inputName(i) != nil { operands.append((c.node.inputs[i], try input(i, c))) }
        guard let first = operands.first else { throw c.error(.malformed, "has no inputs") }
        if operands.count == 1 && c.op == "Sum" { values[try c.output()] = first.value; return }
        guard operands.count == 2 || (c.op == "Sum" && operands.count > 2) else {
            throw c.error(.malformed, "expects two inputs, has \(operands.count)")
        }
        let op = c.op
        if operands.allSatisfy({ $0.value.isConstant }) {
            var acc = first.value
            for next in operands.dropFirst() { acc = try foldArithmetic(acc, next.value, op, c) }
            values[try c.output()] = acc
            return
        }
        let rank = operands.compactMap { o -> Int? in if case .dynamic(let t) = o.value { return shapes[t]?.count } else { return nil } }.max() ?? 0
        var names = [String]()
        for o in operands {
            switch o.value {
            case .dynamic(let t): names.append(t)
            case .float(let t): names.append(try constantOperand(o.name, t, against: rank, c))
            case .int: throw c.unsupported("integer operand '\(o.name)' combined with a run-time tensor is not supported")
            }
        }
        let operation: NetworkModel.Operation = op == "Sub" ? .sub : op == "Mul" ? .mul : op == "Div" ? .div : .add
        try emit(c, operation, inputs: names, output: c.output())
    }

    private func foldArithmetic(_ a: ONNXValue, _ b: ONNXValue, _ op: String, _ c: ONNXNodeContext) throws(ImportError) -> ONNXValue {
        let tooLarge = c.unsupported("the operands do not broadcast, or the folded result is too large")
        switch (a, b) {
        case (.float(let x), .float(let y)):
            let f: (Float, Float) -> Float = op == "Sub" ? { $0 - $1 } : op == "Mul" ? { $0 * $1 } : op == "Div" ? { $0 / $1 } : { $0 + $1 }
            guard let (shape, data) = try ONNXArrayOps.broadcast((x.shape, x.data), (y.shape, y.data), { (p, q) throws(ImportError) in f(p, q) }) else { throw tooLarge }
            return .float(try folded(shape, data, c))
        case (.int(let x), .int(let y)):
            guard let (shape, data) = try ONNXArrayOps.broadcast((x.shape, x.values), (y.shape, y.values), { (p, q) throws(ImportError) in
                try ONNXConverter.combine(p, q, op, c)
            }) else { throw tooLarge }
            return .int(IntTensor(shape: shape, values: data))
        default:
            throw c.unsupported("operands of different types (integer and float) are not supported")
        }
    }

    /// ONNX Reshape's target resolution (0 copies, one -1 is inferred), nil if it does not fit.
    func resolveReshape(_ input: [Int], _ target: [Int]) -> [Int]? {
        var out = [Int](), inferred: Int? = nil
        for (i, t) in target.enumerated() {
            if t == 0 {
                guard i < input.count else { return nil }
                out.append(input[i])
            } else if t == -1 {
                guard inferred == nil else { return nil }
                inferred = i
                out.append(1)
            } else if t > 0 {
                out.append(t)
            } else {
                return nil
            }
        }
        guard let total = Tensor.elementCount(input), let known = Tensor.elementCount(out) else { return nil }
        if let i = inferred {
            guard known > 0, total % known == 0 else { return nil }
            out[i] = total / known
        }
        return Tensor.elementCount(out) == total ? out : nil
    }

    func constantShape(_ v: ONNXValue) -> [Int] {
        switch v {
        case .float(let t): return t.shape
        case .int(let t): return t.shape
        case .dynamic(let t): return shapes[t] ?? []
        }
    }

    /// A constant under a new shape of the same element count (checked by the callers).
    func reshaped(_ v: ONNXValue, _ shape: [Int]) -> ONNXValue {
        switch v {
        case .float(let t): return (try? t.reshaped(shape)).map { .float($0) } ?? v
        case .int(let t): return Tensor.elementCount(shape) == t.values.count ? .int(IntTensor(shape: shape, values: t.values)) : v
        case .dynamic: return v
        }
    }
}
