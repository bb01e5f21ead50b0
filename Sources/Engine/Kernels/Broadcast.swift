import Parallel

/// The element-wise binary operations of the graph.
enum BinaryOperator: Sendable {
    case add, sub, mul, div
}

/// A broadcast iteration space: output axes of size 1 dropped and neighbouring axes merged where both
/// operands are laid out contiguously (or both broadcast) across them, so a per-channel bias on
/// [N, C, H, W] becomes [N, C, H·W] with strides (0, 1, 0).
struct BroadcastLayout: Sendable, Equatable {
    var dims: [Int]
    var aStrides: [Int]
    var bStrides: [Int]

    init(output: [Int], a: [Int], b: [Int]) {
        func strides(_ shape: [Int]) -> [Int] {
            let padded = [Int](repeating: 1, count: output.count - shape.count) + shape
            var s = [Int](repeating: 0, count: padded.count)
            var acc = 1
            for i in stride(from: padded.count - 1, through: 0, by: -1) {
                s[i] = padded[i] == 1 ? 0 : acc
                acc *= padded[i]
            }
            return s
        }
        let sa = strides(a), sb = strides(b)
        var dims = [Int](), aStrides = [Int](), bStrides = [Int]()
        for i in output.indices where output[i] != 1 {
            if let last = dims.indices.last,
               aStrides[last] == sa[i] * output[i], bStrides[last] == sb[i] * output[i] {
                dims[last] *= output[i]
                aStrides[last] = sa[i]
                bStrides[last] = sb[i]
            } else {
                dims.append(output[i]); aStrides.append(sa[i]); bStrides.append(sb[i])
            }
        }
        if dims.isEmpty { dims = [1]; aStrides = [0]; bStrides = [0] }
        self.dims = dims; self.aStrides = aStrides; self.bStrides = bStrides
    }
}

/// NumPy-broadcasting binary kernels.
enum Broadcast {
    /// Walks output rows (all axes but the last) with an odometer; the last axis has operand strides
    /// of 0 or 1 only, which gives tight inner loops (`row`).
    static func apply(_ op: BinaryOperator, _ layout: BroadcastLayout, a: UnsafeBufferPointer<Float>,
                      b: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>,
                      parallel: Parallelism) {
        guard let a = a.baseAddress, let b = b.baseAddress, let y = y.baseAddress else { return }
        let outerDims = Array(layout.dims.dropLast())
        let inner = layout.dims[layout.dims.count - 1]
        let ia = layout.aStrides[layout.aStrides.count - 1]
        let ib = layout.bStrides[layout.bStrides.count - 1]
        let rows = outerDims.reduce(1, *)
        parallel.forEach(rows, workPerItem: inner) { range in
            // Odometer position of the first row of this range.
            var index = [Int](repeating: 0, count: outerDims.count)
            var rest = range.lowerBound
            var oa = 0, ob = 0
            for k in stride(from: outerDims.count - 1, through: 0, by: -1) {
                index[k] = rest % outerDims[k]
                rest /= outerDims[k]
                oa += index[k] * layout.aStrides[k]
                ob += index[k] * layout.bStrides[k]
            }
            for r in range {
                row(op, inner, y + r * inner, a + oa, ia, b + ob, ib)
                var k = outerDims.count - 1
                while k >= 0 {
                    index[k] += 1
                    oa += layout.aStrides[k]
                    ob += layout.bStrides[k]
                    if index[k] < outerDims[k] { break }
                    oa -= layout.aStrides[k] * outerDims[k]
                    ob -= layout.bStrides[k] * outerDims[k]
                    index[k] = 0
                    k -= 1
                }
            }
        }
    }

    /// One output row of `n` values; an operand stride of 0 repeats its first value. The operation and
    /// strides are chosen once per row, so each loop is plain arithmetic the compiler vectorises (as a
    /// closure or a generic parameter the operation stayed a call per element, ~10 instructions per
    /// value by callgrind on a residual network).
    private static func row(_ op: BinaryOperator, _ n: Int, _ y: UnsafeMutablePointer<Float>,
                            _ a: UnsafePointer<Float>, _ ia: Int, _ b: UnsafePointer<Float>, _ ib: Int) {
        switch (op, ia == 1, ib == 1) {
        case (.add, true, true): for i in 0..<n { y[i] = a[i] + b[i] }
        case (.add, true, false): let v = b[0]; for i in 0..<n { y[i] = a[i] + v }
        case (.add, false, true): let v = a[0]; for i in 0..<n { y[i] = v + b[i] }
        case (.sub, true, true): for i in 0..<n { y[i] = a[i] - b[i] }
        case (.sub, true, false): let v = b[0]; for i in 0..<n { y[i] = a[i] - v }
        case (.sub, false, true): let v = a[0]; for i in 0..<n { y[i] = v - b[i] }
        case (.mul, true, true): for i in 0..<n { y[i] = a[i] * b[i] }
        case (.mul, true, false): let v = b[0]; for i in 0..<n { y[i] = a[i] * v }
        case (.mul, false, true): let v = a[0]; for i in 0..<n { y[i] = v * b[i] }
        case (.div, true, true): for i in 0..<n { y[i] = a[i] / b[i] }
        case (.div, true, false): let v = b[0]; for i in 0..<n { y[i] = a[i] / v }
        case (.div, false, true): let v = a[0]; for i in 0..<n { y[i] = v / b[i] }
        case (_, false, false):
            let v: Float
            switch op {
            case .add: v = a[0] + b[0]
            case .sub: v = a[0] - b[0]
            case .mul: v = a[0] * b[0]
            case .div: v = a[0] / b[0]
            }
            y.update(repeating: v, count: n)
        }
    }
}
