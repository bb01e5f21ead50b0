import Foundation
import NetworkModel

/// Plain, direct implementations used as oracles. Loops follow the definitions; speed is irrelevant.
enum Reference {
    /// (top, left, bottom, right) for TensorFlow/ONNX SAME padding, derived from the definition.
    static func samePads(h: Int, w: Int, kernel: [Int], strides: [Int], dilations: [Int], upper: Bool)
        -> (Int, Int, Int, Int)
    {
        func total(_ n: Int, _ k: Int, _ s: Int, _ d: Int) -> Int {
            let out = Int((Double(n) / Double(s)).rounded(.up))
            return max(0, (out - 1) * s + (k - 1) * d + 1 - n)
        }
        let th = total(h, kernel[0], strides[0], dilations[0]), tw = total(w, kernel[1], strides[1], dilations[1])
        let small = (th / 2, tw / 2), large = (th - th / 2, tw - tw / 2)
        return upper ? (small.0, small.1, large.0, large.1) : (large.0, large.1, small.0, small.1)
    }

    /// Direct 7-loop convolution, accumulated in double.
    static func conv(_ x: Tensor, weight: Tensor, bias: Tensor?, strides: [Int], dilations: [Int],
                     pads: (Int, Int, Int, Int), group: Int) throws -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (co, cig, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        let ho = (h + pads.0 + pads.2 - ((kh - 1) * dilations[0] + 1)) / strides[0] + 1
        let wo = (w + pads.1 + pads.3 - ((kw - 1) * dilations[1] + 1)) / strides[1] + 1
        precondition(c == cig * group)
        let cog = co / group
        var y = [Float](repeating: 0, count: n * co * ho * wo)
        for b in 0..<n {
            for o in 0..<co {
                let g = o / cog
                for oh in 0..<ho {
                    for ow in 0..<wo {
                        var sum = Double(bias?.data[o] ?? 0)
                        for i in 0..<cig {
                            let ci = g * cig + i
                            for p in 0..<kh {
                                for q in 0..<kw {
                                    let ih = oh * strides[0] - pads.0 + p * dilations[0]
                                    let iw = ow * strides[1] - pads.1 + q * dilations[1]
                                    guard ih >= 0, ih < h, iw >= 0, iw < w else { continue }
                                    let xv = x.data[((b * c + ci) * h + ih) * w + iw]
                                    let wv = weight.data[((o * cig + i) * kh + p) * kw + q]
                                    sum += Double(xv) * Double(wv)
                                }
                            }
                        }
                        y[((b * co + o) * ho + oh) * wo + ow] = Float(sum)
                    }
                }
            }
        }
        return try Tensor(shape: [n, co, ho, wo], data: y)
    }

    /// ONNX MaxPool / AveragePool, enumerating each window explicitly.
    static func pool(_ x: Tensor, max isMax: Bool, kernel: [Int], strides: [Int], dilations: [Int],
                     pads: (Int, Int, Int, Int), ceil: Bool, countIncludePad: Bool) throws -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        func outSize(_ size: Int, _ begin: Int, _ end: Int, _ k: Int, _ s: Int, _ d: Int) -> Int {
            let numerator = Double(size + begin + end - ((k - 1) * d + 1)) / Double(s) + 1
            var out = Int(ceil ? numerator.rounded(.up) : numerator.rounded(.down))
            if ceil && (out - 1) * s >= size + begin { out -= 1 }
            return out
        }
        let ho = outSize(h, pads.0, pads.2, kernel[0], strides[0], dilations[0])
        let wo = outSize(w, pads.1, pads.3, kernel[1], strides[1], dilations[1])
        var y = [Float]()
        for plane in 0..<(n * c) {
            for oh in 0..<ho {
                for ow in 0..<wo {
                    var best = -Float.infinity
                    var sum = 0.0, valid = 0, padded = 0
                    for p in 0..<kernel[0] {
                        for q in 0..<kernel[1] {
                            let ih = oh * strides[0] - pads.0 + p * dilations[0]
                            let iw = ow * strides[1] - pads.1 + q * dilations[1]
                            let insidePadded = ih >= -pads.0 && ih < h + pads.2 && iw >= -pads.1 && iw < w + pads.3
                            if insidePadded { padded += 1 }
                            guard ih >= 0, ih < h, iw >= 0, iw < w else { continue }
                            let v = x.data[(plane * h + ih) * w + iw]
                            valid += 1
                            sum += Double(v)
                            best = Swift.max(best, v)
                        }
                    }
                    y.append(isMax ? best : Float(sum / Double(countIncludePad ? padded : valid)))
                }
            }
        }
        return try Tensor(shape: [n, c, ho, wo], data: y)
    }

    /// softmax(x)_i = exp(x_i) / Σ_j exp(x_j) along `axis`, in double.
    static func softmax(_ x: Tensor, axis: Int) throws -> Tensor {
        let a = axis < 0 ? axis + x.rank : axis
        let strides = referenceStrides(x.shape)
        var y = [Float](repeating: 0, count: x.count)
        for i in 0..<x.count {
            let index = referenceIndex(i, x.shape)
            let base = i - index[a] * strides[a]
            var total = 0.0
            for k in 0..<x.shape[a] { total += exp(Double(x.data[base + k * strides[a]])) }
            y[i] = Float(exp(Double(x.data[i])) / total)
        }
        return try Tensor(shape: x.shape, data: y)
    }

    /// Element-wise binary operation with NumPy broadcasting, by multi-index.
    static func broadcast(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) throws -> Tensor {
        let rank = max(a.rank, b.rank)
        let pa = [Int](repeating: 1, count: rank - a.rank) + a.shape
        let pb = [Int](repeating: 1, count: rank - b.rank) + b.shape
        let out = zip(pa, pb).map { Swift.max($0, $1) }
        let sa = referenceStrides(pa), sb = referenceStrides(pb)
        var y = [Float]()
        for i in 0..<out.reduce(1, *) {
            let index = referenceIndex(i, out)
            var ia = 0, ib = 0
            for k in 0..<rank {
                if pa[k] != 1 { ia += index[k] * sa[k] }
                if pb[k] != 1 { ib += index[k] * sb[k] }
            }
            y.append(f(a.data[ia], b.data[ib]))
        }
        return try Tensor(shape: out, data: y)
    }

    /// y[index] = x[index permuted back], by definition of ONNX Transpose.
    static func transpose(_ x: Tensor, perm: [Int]) throws -> Tensor {
        let out = perm.map { x.shape[$0] }
        let strides = referenceStrides(x.shape)
        var y = [Float]()
        for i in 0..<x.count {
            let index = referenceIndex(i, out)
            var src = 0
            for k in 0..<perm.count { src += index[k] * strides[perm[k]] }
            y.append(x.data[src])
        }
        return try Tensor(shape: out, data: y)
    }

    /// [N, ..., in]·[in, out] + bias over the last axis.
    static func dense(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        let (inputs, outputs) = (weight.shape[0], weight.shape[1])
        let rows = x.count / inputs
        var y = [Float]()
        for r in 0..<rows {
            for o in 0..<outputs {
                var sum = Double(bias?.data[o] ?? 0)
                for i in 0..<inputs { sum += Double(x.data[r * inputs + i]) * Double(weight.data[i * outputs + o]) }
                y.append(Float(sum))
            }
        }
        return try Tensor(shape: Array(x.shape.dropLast()) + [outputs], data: y)
    }
}
