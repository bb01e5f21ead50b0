/// A dense float32 tensor in row-major (C) order.
///
/// Value type: weights are shared copy-on-write between a network and the plans compiled from it.
public struct Tensor: Sendable, Equatable {
    public private(set) var shape: [Int]
    public var data: [Float]

    /// Creates a tensor; the element count must match the shape.
    public init(shape: [Int], data: [Float]) throws(NetworkError) {
        guard shape.allSatisfy({ $0 >= 0 }), let count = Tensor.elementCount(shape), count == data.count else {
            throw .invalidTensor("shape \(shape) does not hold \(data.count) elements")
        }
        self.shape = shape
        self.data = data
    }

    /// A tensor filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 })
        self.shape = shape
        self.data = [Float](repeating: value, count: shape.reduce(1, *))
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// Product of the dimensions, or nil on overflow (shapes come from untrusted files).
    public static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            n = p
        }
        return n
    }

    /// Returns the same data under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) throws(NetworkError) -> Tensor {
        try Tensor(shape: newShape, data: data)
    }

    /// Row-major strides of `shape`.
    public static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc *= shape[i]
        }
        return s
    }

    /// Axis permutation (`perm[i]` = source axis of output axis i), as ONNX Transpose defines it.
    public func transposed(_ perm: [Int]) throws(NetworkError) -> Tensor {
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw .invalidTensor("permutation \(perm) does not fit rank \(rank)")
        }
        let outShape = perm.map { shape[$0] }
        let inStrides = Tensor.strides(shape)
        let srcStrides = perm.map { inStrides[$0] }
        var out = [Float](repeating: 0, count: count)
        if count > 0 {
            var index = [Int](repeating: 0, count: rank)
            var src = 0
            for o in 0..<count {
                out[o] = data[src]
                var axis = rank - 1
                while axis >= 0 {
                    index[axis] += 1
                    src += srcStrides[axis]
                    if index[axis] < outShape[axis] { break }
                    src -= srcStrides[axis] * outShape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return try Tensor(shape: outShape, data: out)
    }

    /// Whether every element is finite (no NaN or ±Inf).
    public var isFinite: Bool { data.allSatisfy { $0.isFinite } }
}
