import Foundation
import Parallel

/// Numerically stable softmax over the middle axis of an [outer, length, inner] view, in place.
enum Softmax {
    static func apply(_ x: UnsafeMutableBufferPointer<Float>, outer: Int, length: Int, inner: Int,
                      parallel: Parallelism) {
        guard length > 0 else { return }
        // One item per (outer, inner) line; lines never share elements, so any split is exact.
        parallel.forEach(outer * inner, workPerItem: 4 * length) { lines in
            for line in lines {
                let o = line / inner, i = line % inner
                let base = o * length * inner + i
                var maximum = -Float.infinity
                for k in 0..<length { maximum = Swift.max(maximum, x[base + k * inner]) }
                var sum: Float = 0
                for k in 0..<length {
                    let e = Foundation.exp(x[base + k * inner] - maximum)
                    x[base + k * inner] = e
                    sum += e
                }
                for k in 0..<length { x[base + k * inner] /= sum }
            }
        }
    }
}
