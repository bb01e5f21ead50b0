import NetworkModel

/// Index arithmetic on small row-major constants (shape tensors, folded weights), generic over the
/// element so float and symbolic-integer constants share one implementation.
enum ONNXArrayOps {
    /// Folding never materialises more than this many elements: a hostile ConstantOfShape or broadcast
    /// must not allocate gigabytes.
    static let maxElements = 1 << 26

    static func checkedCount(_ shape: [Int]) -> Int? {
        guard let n = Tensor.elementCount(shape), n <= maxElements else { return nil }
        return n
    }

    /// The elements at the cartesian product of per-axis index lists (gather and slice).
    static func select<T>(_ data: [T], shape: [Int], indices: [[Int]]) -> [T]? {
        let outShape = indices.map(\.count)
        guard indices.count == shape.count, let total = checkedCount(outShape) else { return nil }
        for (a, list) in indices.enumerated() where list.contains(where: { $0 < 0 || $0 >= shape[a] }) { return nil }
        let strides = Tensor.strides(shape)
        var out = [T]()
        out.reserveCapacity(total)
        var counter = [Int](repeating: 0, count: shape.count)
        for _ in 0..<total {
            var src = 0
            for a in 0..<shape.count { src += indices[a][counter[a]] * strides[a] }
            out.append(data[src])
            var a = shape.count - 1
            while a >= 0 {
                counter[a] += 1
                if counter[a] < outShape[a] { break }
                counter[a] = 0
                a -= 1
            }
        }
        return out
    }

    static func transpose<T>(_ data: [T], shape: [Int], perm: [Int]) -> ([Int], [T])? {
        guard perm.count == shape.count, Set(perm) == Set(0..<shape.count) else { return nil }
        // Output axis i walks source axis perm[i]: a select over a permuted view.
        let outShape = perm.map { shape[$0] }
        let strides = Tensor.strides(shape)
        guard let total = checkedCount(outShape) else { return nil }
        var out = [T]()
        out.reserveCapacity(total)
        var counter = [Int](repeating: 0, count: shape.count)
        for _ in 0..<total {
            var src = 0
            for i in 0..<perm.count { src += counter[i] * strides[perm[i]] }
            out.append(data[src])
            var a = perm.count - 1
            while a >= 0 {
                counter[a] += 1
                if counter[a] < outShape[a] { break }
                counter[a] = 0
                a -= 1
            }
        }
        return (outShape, out)
    }

    static func concat<T>(_ parts: [([Int], [T])], axis: Int) -> ([Int], [T])? {
        guard let first = parts.first, axis >= 0, axis < first.0.count else { return nil }
        var outShape = first.0
        outShape[axis] = 0
        for (shape, _) in parts {
            guard shape.count == first.0.count,
                  (0..<shape.count).allSatisfy({ $0 == axis || shape[$0] == first.0[$0] }) else { return nil }
            outShape[axis] += shape[axis]
        }
        guard checkedCount(outShape) != nil else { return nil }
        let outer = first.0[..<axis].reduce(1, *)
        var out = [T]()
        for o in 0..<outer {
            for (shape, data) in parts {
                let chunk = shape[axis...].reduce(1, *)
                out.append(contentsOf: data[(o * chunk)..<((o + 1) * chunk)])
            }
        }
        return (outShape, out)
    }

    /// NumPy-broadcast element-wise combination.
    static func broadcast<T, U>(_ a: ([Int], [T]), _ b: ([Int], [T]), _ f: (T, T) throws(ImportError) -> U)
        throws(ImportError) -> ([Int], [U])?
    {
        guard let shape = try? ShapeInference.broadcast("", a.0, b.0), let total = checkedCount(shape) else { return nil }
        func sourceStrides(_ s: [Int]) -> [Int] {
            let padded = [Int](repeating: 1, count: shape.count - s.count) + s
            let strides = Tensor.strides(padded)
            return (0..<shape.count).map { padded[$0] == 1 ? 0 : strides[$0] }
        }
        let sa = sourceStrides(a.0), sb = sourceStrides(b.0)
        var out = [U]()
        out.reserveCapacity(total)
        var counter = [Int](repeating: 0, count: shape.count)
        for _ in 0..<total {
            var ia = 0, ib = 0
            for i in 0..<shape.count { ia += counter[i] * sa[i]; ib += counter[i] * sb[i] }
            out.append(try f(a.1[ia], b.1[ib]))
            var axis = shape.count - 1
            while axis >= 0 {
                counter[axis] += 1
                if counter[axis] < shape[axis] { break }
                counter[axis] = 0
                axis -= 1
            }
        }
        return (shape, out)
    }

    /// ONNX Slice's index list along one axis (negative indices count from the end; bounds clamp).
    static func sliceIndices(dim: Int, start: Int, end: Int, step: Int) -> [Int] {
        func normalise(_ v: Int, low: Int, high: Int) -> Int {
            let shifted = v < 0 ? max(v, -dim - 1) + dim : v
            return min(max(shifted, low), high)
        }
        var out = [Int]()
        if step > 0 {
            var i = normalise(start, low: 0, high: dim)
            let e = normalise(end, low: 0, high: dim)
            while i < e {
                out.append(i)
                let (next, overflow) = i.addingReportingOverflow(step)
                if overflow { break }
                i = next
            }
        } else if step < 0 {
            var i = normalise(start, low: 0, high: dim - 1)
            let e = normalise(end, low: -1, high: dim - 1)
            while i > e {
                out.append(i)
                let (next, overflow) = i.addingReportingOverflow(step)
                if overflow { break }
                i = next
            }
        }
        return out
    }
}
