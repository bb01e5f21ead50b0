import NetworkModel

/// The geometry of a 2-D pooling window along one spatial axis.
struct WindowAxis: Sendable {
    var input: Int, kernel: Int, stride: Int, dilation: Int, padBegin: Int, padEnd: Int, output: Int

    /// For output index `o`: the kernel taps that land inside the input (a contiguous range, since
    /// taps increase with the tap index) and how many taps lie within the padded extent.
    @inline(__always)
    func taps(_ o: Int) -> (valid: Range<Int>, padded: Int) {
        let start = o * stride - padBegin
        let inside = tapRange(start, lower: 0, upper: input)
        let padded = tapRange(start, lower: -padBegin, upper: input + padEnd)
        return (inside, padded.count)
    }

    /// Taps k in 0..<kernel with lower ≤ start + k·dilation < upper.
    private func tapRange(_ start: Int, lower: Int, upper: Int) -> Range<Int> {
        let first = start >= lower ? 0 : (lower - start + dilation - 1) / dilation
        let end = upper <= start ? 0 : Swift.min(kernel, (upper - start + dilation - 1) / dilation)
        return first < end ? first..<end : 0..<0
    }
}

/// Max and average pooling over NCHW planes with ONNX semantics: padded cells are −∞ for max and
/// excluded from the average unless `countIncludePad`, in which case the divisor counts the window
/// cells inside the padded extent (ceil mode can push a window beyond it).
enum Pooling {
    static func pool2d(_ op: Pool2DOp, input x: UnsafeBufferPointer<Float>, planes: Int,
                       height: WindowAxis, width: WindowAxis,
                       output y: UnsafeMutableBufferPointer<Float>, parallel: Parallelism) {
        let (h, w, ho, wo) = (height.input, width.input, height.output, width.output)
        let rowTaps = (0..<ho).map { height.taps($0) }
        let columnTaps = (0..<wo).map { width.taps($0) }
        let (dh, dw) = (height.dilation, width.dilation)
        let (sh, sw) = (height.stride, width.stride)
        let (pt, pl) = (height.padBegin, width.padBegin)
        let isMax = op.kind == .max
        let includePad = op.countIncludePad
        rowTaps.withUnsafeBufferPointer { rowTaps in
            columnTaps.withUnsafeBufferPointer { columnTaps in
                parallel.forEach(planes, workPerItem: ho * wo * height.kernel * width.kernel) { range in
                    for plane in range {
                        let src = plane * h * w
                        var dst = plane * ho * wo
                        for oh in 0..<ho {
                            let rows = rowTaps[oh]
                            let top = oh * sh - pt
                            for ow in 0..<wo {
                                let cols = columnTaps[ow]
                                let left = ow * sw - pl
                                if isMax {
                                    var m = -Float.infinity
                                    for kh in rows.valid {
                                        let row = src + (top + kh * dh) * w + left
                                        for kw in cols.valid { m = Swift.max(m, x[row + kw * dw]) }
                                    }
                                    y[dst] = m
                                } else {
                                    var s: Float = 0
                                    for kh in rows.valid {
                                        let row = src + (top + kh * dh) * w + left
                                        for kw in cols.valid { s += x[row + kw * dw] }
                                    }
                                    let count = includePad ? rows.padded * cols.padded
                                                           : rows.valid.count * cols.valid.count
                                    y[dst] = s / Float(count)
                                }
                                dst += 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// Max or mean of each contiguous plane of `inner` values.
    static func global(_ kind: PoolKind, input x: UnsafeBufferPointer<Float>, planes: Int, inner: Int,
                       output y: UnsafeMutableBufferPointer<Float>, parallel: Parallelism) {
        parallel.forEach(planes, workPerItem: inner) { range in
            for plane in range {
                let base = plane * inner
                if kind == .max {
                    var m = -Float.infinity
                    for i in base..<(base + inner) { m = Swift.max(m, x[i]) }
                    y[plane] = m
                } else {
                    var s: Float = 0
                    for i in base..<(base + inner) { s += x[i] }
                    y[plane] = s / Float(inner)
                }
            }
        }
    }
}
