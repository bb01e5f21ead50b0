import NetworkModel

/// Folding of the constant subgraphs exporters leave behind (shape arithmetic, Constant nodes).
/// The batch size is the symbol `.batch`, so `Shape(x)[0]` stays meaningful without a fixed batch.
extension ONNXConverter {
    func constantNodeValue(_ c: ONNXNodeContext) throws(ImportError) -> ONNXValue {
        if let t = try c.tensor("value") { return try decoder.decode(t, role: "constant") }
        if c.has("value_float") { return .float(Tensor(shape: [], repeating: try c.float("value_float", 0))) }
        if let v = try c.floats("value_floats") { return .float(try folded([v.count], v, c)) }
        if c.has("value_int") { return .int(IntTensor(shape: [], values: [.known(try c.int("value_int", 0))])) }
        if let v = try c.ints("value_ints") { return .int(IntTensor(vector: v)) }
        throw c.unsupported("only tensor, float and integer constants are supported")
    }

    mutating func foldShape(_ c: ONNXNodeContext) throws(ImportError) {
        let dims: [SymbolicInt]
        switch try input(0, c) {
        case .dynamic(let t): dims = (shapes[t] ?? []).enumerated().map { $0.offset == 0 ? .batch : .known($0.element) }
        case .float(let t): dims = t.shape.map { .known($0) }
        case .int(let t): dims = t.shape.map { .known($0) }
        }
        let r = dims.count
        let start = try c.int("start", 0), end = try c.int("end", r)
        let indices = ONNXArrayOps.sliceIndices(dim: r, start: start, end: end, step: 1)
        values[try c.output()] = .int(IntTensor(shape: [indices.count], values: indices.map { dims[$0] }))
    }

    mutating func foldGather(_ c: ONNXNodeContext) throws(ImportError) {
        let data = try input(0, c)
        let indices = try intConstant(1, c, role: "indices")
        let shape: [Int]
        switch data {
        case .dynamic: throw c.unsupported("Gather on a run-time tensor is not supported (only on constants and shapes)")
        case .float(let t): shape = t.shape
        case .int(let t): shape = t.shape
        }
        let axis = try normalisedAxis(try c.int("axis", 0), rank: shape.count, c)
        let picks = try known(indices, c, role: "indices").map { $0 < 0 ? $0 + shape[axis] : $0 }
        var lists = shape.map { Array(0..<$0) }
        lists[axis] = picks
        let outShape = Array(shape[..<axis]) + indices.shape + Array(shape[(axis + 1)...])
        values[try c.output()] = try select(data, shape: shape, lists: lists, outShape: outShape, c)
    }

    mutating func foldSlice(_ c: ONNXNodeContext) throws(ImportError) {
        let data = try input(0, c)
        var starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?
        if opset < 10 {
            starts = try c.ints("starts") ?? []
            ends = try c.ints("ends") ?? []
            axes = try c.ints("axes")
            steps = nil
        } else {
            starts = try knownInts(1, c, role: "starts")
            ends = try knownInts(2, c, role: "ends")
            axes = c.inputName(3) == nil ? nil : try knownInts(3, c, role: "axes")
            steps = c.inputName(4) == nil ? nil : try knownInts(4, c, role: "steps")
        }
        let shape: [Int]
        switch data {
        case .dynamic: throw c.unsupported("Slice of a run-time tensor is not supported (only of constants and shapes)")
        case .float(let t): shape = t.shape
        case .int(let t): shape = t.shape
        }
        let axisList = axes ?? Array(0..<starts.count)
        let stepList = steps ?? [Int](repeating: 1, count: starts.count)
        guard starts.count == ends.count, axisList.count == starts.count, stepList.count == starts.count else {
            throw c.error(.malformed, "starts, ends, axes and steps differ in length")
        }
        var lists = shape.map { Array(0..<$0) }
        for (k, axis) in axisList.enumerated() {
            let a = try normalisedAxis(axis, rank: shape.count, c)
            guard stepList[k] != 0 else { throw c.error(.malformed, "a slice step is 0") }
            lists[a] = ONNXArrayOps.sliceIndices(dim: shape[a], start: starts[k], end: ends[k], step: stepList[k])
        }
        values[try c.output()] = try select(data, shape: shape, lists: lists, outShape: lists.map(\.count), c)
    }

    mutating func foldConstantOfShape(_ c: ONNXNodeContext) throws(ImportError) {
        let shape = try knownInts(0, c, role: "shape")
        guard shape.allSatisfy({ $0 >= 0 }), let count = ONNXArrayOps.checkedCount(shape) else {
            throw c.unsupported("shape \(shape) is negative or too large to fold")
        }
        var fill = ONNXValue.float(Tensor(shape: [1], repeating: 0))
        if let t = try c.tensor("value") { fill = try decoder.decode(t, role: "value of") }
        switch fill {
        case .float(let t) where t.count == 1:
            values[try c.output()] = .float(Tensor(shape: shape, repeating: t.data[0]))
        case .int(let t) where t.values.count == 1:
            values[try c.output()] = .int(IntTensor(shape: shape, values: [SymbolicInt](repeating: t.values[0], count: count)))
        default: throw c.error(.malformed, "value must hold exactly one element")
        }
    }

    mutating func convertCast(_ c: ONNXNodeContext) throws(ImportError) {
        let to = Int32(truncatingIfNeeded: try c.int("to", 0))
        let toFloat = [ONNXDataType.float, ONNXDataType.double, ONNXDataType.float16].contains(to)
        let toInt = [ONNXDataType.int32, ONNXDataType.int64].contains(to)
        guard toFloat || toInt else { throw c.unsupported("cast to \(ONNXDataType.name(to)) is not supported") }
        let output = try c.output()
        switch try input(0, c) {
        case .dynamic(let t):
            guard toFloat else { throw c.unsupported("casting a run-time tensor to \(ONNXDataType.name(to)) is not supported") }
            values[output] = .dynamic(t)
        case .float(let t):
            if toFloat { values[output] = .float(t); return }
            var ints = [SymbolicInt]()
            for v in t.data {
                guard v.isFinite, abs(v) < 9e15 else { throw c.error(.invalidNetwork, "cannot cast \(v) to an integer") }
                ints.append(.known(Int(v.rounded(.towardZero))))
            }
            values[output] = .int(IntTensor(shape: t.shape, values: ints))
        case .int(let t):
            if toInt { values[output] = .int(t); return }
            let floats = try known(t, c, role: "the cast value").map { Float($0) }
            values[output] = .float(try folded(t.shape, floats, c))
        }
    }

    // MARK: Helpers

    func normalisedAxis(_ axis: Int, rank: Int, _ c: ONNXNodeContext) throws(ImportError) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else { throw c.error(.malformed, "axis \(axis) is out of range for rank \(rank)") }
        return a
    }

    func select(_ data: ONNXValue, shape: [Int], lists: [[Int]], outShape: [Int], _ c: ONNXNodeContext)
        throws(ImportError) -> ONNXValue
    {
        let tooLarge = c.unsupported("the folded constant is out of range or too large")
        switch data {
        case .float(let t):
            guard let d = ONNXArrayOps.select(t.data, shape: shape, indices: lists) else { throw tooLarge }
            return .float(try folded(outShape, d, c))
        case .int(let t):
            guard let d = ONNXArrayOps.select(t.values, shape: shape, indices: lists) else { throw tooLarge }
            return .int(IntTensor(shape: outShape, values: d))
        case .dynamic: throw c.unsupported("cannot fold a run-time tensor")
        }
    }

    func transpose(_ t: Tensor, _ perm: [Int], _ c: ONNXNodeContext) throws(ImportError) -> Tensor {
        guard let (shape, data) = ONNXArrayOps.transpose(t.data, shape: t.shape, perm: perm) else {
            throw c.error(.invalidNetwork, "permutation \(perm) does not fit shape \(t.shape)")
        }
        return try folded(shape, data, c)
    }

    /// Integer arithmetic where the batch symbol survives only operations that leave it unchanged.
    static func combine(_ a: SymbolicInt, _ b: SymbolicInt, _ op: String, _ c: ONNXNodeContext) throws(ImportError) -> SymbolicInt {
        switch (a, b) {
        case (.known(let x), .known(let y)):
            let result: (Int, Bool)
            switch op {
            case "Add", "Sum": result = x.addingReportingOverflow(y)
            case "Sub": result = x.subtractingReportingOverflow(y)
            case "Mul": result = x.multipliedReportingOverflow(by: y)
            default:
                guard y != 0 else { throw c.error(.invalidNetwork, "integer division by zero") }
                result = x.dividedReportingOverflow(by: y)
            }
            guard !result.1 else { throw c.error(.invalidNetwork, "integer overflow in \(x) \(op) \(y)") }
            return .known(result.0)
        case (.batch, .known(0)) where op == "Add" || op == "Sum" || op == "Sub",
             (.known(0), .batch) where op == "Add" || op == "Sum",
             (.batch, .known(1)) where op == "Mul" || op == "Div",
             (.known(1), .batch) where op == "Mul":
            return .batch
        default:
            throw c.unsupported("integer arithmetic \(a) \(op) \(b) depends on the batch size and cannot be folded")
        }
    }
}

extension ONNXConverter {
    /// A folded float constant; a count mismatch here is a bug in folding, reported rather than trapped.
    func folded(_ shape: [Int], _ data: [Float], _ c: ONNXNodeContext) throws(ImportError) -> Tensor {
        do {
            return try Tensor(shape: shape, data: data)
        } catch {
            throw c.error(.invalidNetwork, "folding produced an inconsistent constant: \(error)")
        }
    }
}
