import NetworkModel
import Parallel

/// Kernels that move data without arithmetic: transpose and concatenation.
enum Layout {
    /// Permutes the axes of each sample; `perm` is the full permutation with `perm[0] == 0`.
    static func transpose(_ x: UnsafeBufferPointer<Float>, shape: [Int], perm: [Int],
                          into y: UnsafeMutableBufferPointer<Float>, parallel: Parallelism) {
        let batch = shape[0]
        let sampleShape = Array(shape.dropFirst())
        let samplePerm = perm.dropFirst().map { $0 - 1 }
        let sampleSize = sampleShape.reduce(1, *)
        guard sampleSize > 0 else { return }
        if sampleShape.count <= 1 {
            for i in 0..<(batch * sampleSize) { y[i] = x[i] }
            return
        }
        let inStrides = Tensor.strides(sampleShape)
        let outDims = samplePerm.map { sampleShape[$0] }
        let srcStrides = samplePerm.map { inStrides[$0] }
        let rank = outDims.count
        parallel.forEach(batch, workPerItem: sampleSize) { samples in
            var index = [Int](repeating: 0, count: rank)
            for n in samples {
                let base = n * sampleSize
                var src = 0
                var o = base
                let innerDim = outDims[rank - 1], innerStride = srcStrides[rank - 1]
                while o < base + sampleSize {
                    var s = src
                    for i in 0..<innerDim { y[o + i] = x[base + s]; s += innerStride }
                    o += innerDim
                    var k = rank - 2
                    while k >= 0 {
                        index[k] += 1
                        src += srcStrides[k]
                        if index[k] < outDims[k] { break }
                        src -= srcStrides[k] * outDims[k]
                        index[k] = 0
                        k -= 1
                    }
                }
            }
        }
    }

    /// Concatenates along `axis` ≥ 1: per outer row, each input contributes one contiguous block.
    static func concat(_ inputs: [UnsafeBufferPointer<Float>], blockSizes: [Int], outer: Int,
                       into y: UnsafeMutableBufferPointer<Float>, parallel: Parallelism) {
        let rowSize = blockSizes.reduce(0, +)
        guard rowSize > 0, let base = y.baseAddress else { return }
        parallel.forEach(outer, workPerItem: rowSize) { rows in
            for row in rows {
                var dst = base + row * rowSize
                for (input, size) in zip(inputs, blockSizes) where size > 0 {
                    if let src = input.baseAddress { dst.update(from: src + row * size, count: size) }
                    dst += size
                }
            }
        }
    }
}

/// Mean over arbitrary non-batch axes.
enum Reduction {
    /// `reduced[k]` marks axis k of `shape` (batch axis 0 never reduced); `y` holds the kept axes.
    static func mean(_ x: UnsafeBufferPointer<Float>, shape: [Int], reduced: [Bool],
                     into y: UnsafeMutableBufferPointer<Float>, parallel: Parallelism) {
        let batch = shape[0]
        let dims = Array(shape.dropFirst())
        let flags = Array(reduced.dropFirst())
        let sampleSize = dims.reduce(1, *)
        var outStrides = [Int](repeating: 0, count: dims.count)
        var acc = 1
        for k in stride(from: dims.count - 1, through: 0, by: -1) where !flags[k] {
            outStrides[k] = acc
            acc *= dims[k]
        }
        let outSize = acc
        let count = Float(sampleSize / max(outSize, 1))
        guard sampleSize > 0 else { return }
        if dims.isEmpty {
            for i in 0..<batch { y[i] = x[i] }
            return
        }
        let rank = dims.count
        parallel.forEach(batch, workPerItem: sampleSize) { samples in
            var index = [Int](repeating: 0, count: rank)
            for n in samples {
                let src = n * sampleSize, dst = n * outSize
                for o in dst..<(dst + outSize) { y[o] = 0 }
                var offset = 0, i = 0
                let innerDim = dims[rank - 1], innerStride = outStrides[rank - 1]
                while i < sampleSize {
                    for j in 0..<innerDim { y[dst + offset + j * innerStride] += x[src + i + j] }
                    i += innerDim
                    var k = rank - 2
                    while k >= 0 {
                        index[k] += 1
                        offset += outStrides[k]
                        if index[k] < dims[k] { break }
                        offset -= outStrides[k] * dims[k]
                        index[k] = 0
                        k -= 1
                    }
                }
                for o in dst..<(dst + outSize) { y[o] /= count }
            }
        }
    }
}
