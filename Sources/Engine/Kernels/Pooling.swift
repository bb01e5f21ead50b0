import NetworkModel
import Parallel

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
    /// Loops run output row by output row: for every valid kernel row and column the inner loop
    /// sweeps the output columns whose tap lands inside the input, a branch-free strided pass.
    static func pool2d(_ op: Pool2DOp, input x: UnsafeBufferPointer<Float>, planes: Int,
                       height: WindowAxis, width: WindowAxis,
                       output y: UnsafeMutableBufferPointer<Float>, parallel: Parallelism) {
        guard let xBase = x.baseAddress, let yBase = y.baseAddress else { return }
        let (h, w, ho, wo) = (height.input, width.input, height.output, width.output)
        let (kh, kw, dh, dw, sh, sw) = (height.kernel, width.kernel, height.dilation, width.dilation,
                                        height.stride, width.stride)
        let (pt, pl) = (height.padBegin, width.padBegin)
        let rowTaps = (0..<ho).map { height.taps($0) }
        // For kernel column j: the output columns whose tap ow·sw − pl + j·dw lies in [0, w).
        let columnSpans: [Range<Int>] = (0..<kw).map { j in
            let offset = j * dw - pl
            let first = offset >= 0 ? 0 : (-offset + sw - 1) / sw
            let end = w - offset <= 0 ? 0 : min(wo, (w - offset + sw - 1) / sw)
            return first < end ? first..<end : 0..<0
        }
        // Divisors per output cell, as float, separable into row and column counts.
        let columnCounts: [Float] = (0..<wo).map { ow in
            let t = width.taps(ow)
            return Float(op.countIncludePad ? t.padded : t.valid.count)
        }
        let isMax = op.kind == .max
        let includePad = op.countIncludePad
        if isMax && pt == 0 && pl == 0 && dh == 1 && dw == 1 && ho > 0 && wo > 0
            && (ho - 1) * sh + kh <= h && (wo - 1) * sw + kw <= w {
            parallel.forEach(planes, workPerItem: ho * wo * kh * kw) { range in
                for plane in range {
                    maxInside(xBase + plane &* h &* w, h: h, w: w, kh: kh, kw: kw, sh: sh, sw: sw,
                              into: yBase + plane &* ho &* wo, ho: ho, wo: wo)
                }
            }
            return
        }
        rowTaps.withUnsafeBufferPointer { rowTaps in
            columnSpans.withUnsafeBufferPointer { spans in
                columnCounts.withUnsafeBufferPointer { columnCounts in
                    parallel.forEach(planes, workPerItem: ho * wo * kh * kw) { range in
                        for plane in range {
                            let src = xBase + plane &* h &* w
                            let dst = yBase + plane &* ho &* wo
                            for oh in 0..<ho {
                                let out = dst + oh &* wo
                                out.update(repeating: isMax ? -Float.infinity : 0, count: wo)
                                let taps = rowTaps[oh]
                                for i in taps.valid {
                                    let row = src + (oh &* sh &- pt &+ i &* dh) &* w
                                    for j in 0..<kw {
                                        let span = spans[j]
                                        let offset = j &* dw &- pl
                                        if isMax {
                                            // Branch-free (maxss): data-dependent branches mispredict.
                                            for ow in span { out[ow] = Swift.max(out[ow], row[ow &* sw &+ offset]) }
                                        } else {
                                            for ow in span { out[ow] += row[ow &* sw &+ offset] }
                                        }
                                    }
                                }
                                if !isMax {
                                    let rowCount = Float(includePad ? taps.padded : taps.valid.count)
                                    for ow in 0..<wo { out[ow] /= rowCount * columnCounts[ow] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Max pooling of one plane whose windows all lie inside it (no padding, no dilation): the
    /// generic loop's taps in the generic loop's order (kernel row, then column, from −∞, with
    /// `Swift.max`), so the results, NaNs included, are the same bits, without its per-tap range
    /// bookkeeping, which cost ~26 instructions per input value (callgrind, the bundled CNN).
    @inline(__always)
    private static func maxInside(_ src: UnsafePointer<Float>, h: Int, w: Int, kh: Int, kw: Int, sh: Int, sw: Int,
                                  into out: UnsafeMutablePointer<Float>, ho: Int, wo: Int) {
        if kh == 2 && kw == 2 {
            for oh in 0..<ho {
                let r0 = src + oh &* sh &* w, r1 = r0 + w
                let o = out + oh &* wo
                var first = 0
                if sw == 2 {
                    // Eight outputs at a time from 16 columns of each row, split into even and odd
                    // columns; `replacing(where: x .>= m)` is `Swift.max(m, x)` lane by lane.
                    while first &+ 8 <= wo && 2 &* first &+ 16 <= w {
                        let a = UnsafeRawPointer(r0 + 2 &* first).loadUnaligned(as: SIMD16<Float>.self)
                        let b = UnsafeRawPointer(r1 + 2 &* first).loadUnaligned(as: SIMD16<Float>.self)
                        var m = SIMD8<Float>(repeating: -.infinity)
                        m.replace(with: a.evenHalf, where: a.evenHalf .>= m)
                        m.replace(with: a.oddHalf, where: a.oddHalf .>= m)
                        m.replace(with: b.evenHalf, where: b.evenHalf .>= m)
                        m.replace(with: b.oddHalf, where: b.oddHalf .>= m)
                        UnsafeMutableRawPointer(o + first).storeBytes(of: m, as: SIMD8<Float>.self)
                        first &+= 8
                    }
                }
                for ow in first..<wo {
                    let c = ow &* sw
                    var m = -Float.infinity
                    m = Swift.max(m, r0[c]); m = Swift.max(m, r0[c &+ 1])
                    m = Swift.max(m, r1[c]); m = Swift.max(m, r1[c &+ 1])
                    o[ow] = m
                }
            }
            return
        }
        for oh in 0..<ho {
            let o = out + oh &* wo
            for ow in 0..<wo {
                var m = -Float.infinity
                var row = src + (oh &* sh &* w &+ ow &* sw)
                for _ in 0..<kh {
                    for j in 0..<kw { m = Swift.max(m, row[j]) }
                    row += w
                }
                o[ow] = m
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
