internal import CKernels
import NetworkModel
import Parallel

/// A convolution computed straight from its input planes, for providers whose products are fixed
/// (`FixedProductProvider`): no patch matrix, no scatter.
///
/// Each sample's group is copied into zero-padded planes of width W_p (with slack after them),
/// and output pixel (y, x) is read as position y·W_p + x of those planes: tap (c, i, j) of every
/// position is then one displacement, c·H_p·W_p + i·d_h·W_p + j·d_w at stride 1, so CKernels'
/// `imprint_direct_products` runs over contiguous positions, eight output channels at a time
/// (positions with x ≥ W_out are computed and dropped), the provider's column maps, the bias and
/// the fused ReLU applied as they are stored; `imprint_direct_place` then copies each channel's
/// rows into the NCHW output, or max-pools them (the fused 2×2 pool). A stride s splits each
/// padded plane into s_h·s_w phase planes (rows ≡ a mod s_h, columns ≡ b mod s_w), in which every
/// tap is again one displacement of the output positions (`Layout`).
///
/// Bits: each output is Σ over taps in (c_in, k_h, k_w) order with one fused multiply-add per tap,
/// the same on every CPU (CKernels' variants and its portable C agree) and for every batch,
/// part and thread count, since a sample's outputs depend on that sample alone. They differ from
/// the GEMM path's where OpenBLAS sums in its own blocks (long rows), which the engine takes for
/// products that are not fixed.
struct DirectConvolution: Sendable {
    /// Per group: the provider's weights, read in place.
    let fixed: [FixedProducts]
    let taps: Int
    let columns: Int

    /// Convolutions (any stride, dilation and groups) whose padding is not negative and whose
    /// planes' displacements fit CKernels' 32-bit offsets.
    static func applies(to g: ConvolutionGeometry) -> Bool {
        guard g.strideH >= 1, g.strideW >= 1, g.padTop >= 0, g.padLeft >= 0, g.outHeight > 0, g.outWidth > 0,
              g.kernelHeight >= 1, g.kernelWidth >= 1, g.dilationH >= 1, g.dilationW >= 1 else { return false }
        let layout = Layout(g)
        return layout.bufferSize < Int(Int32.max) && g.rows <= Int(Int32.max)
    }

    /// The fixed products of every group, or nil when the provider has none for one of them.
    init?(matrix: CrossbarMatrix, node: Int, provider: any FixedProductProvider) {
        guard matrix.rows > 0, matrix.columns > 0 else { return nil }
        var fixed = [FixedProducts]()
        for group in 0..<matrix.groups {
            guard let f = provider.fixedProducts(node: node, group: group), f.start >= 0,
                  f.weights.count - f.start >= matrix.rows * matrix.columns,
                  f.columnGain.map({ $0.count >= matrix.columns }) ?? true,
                  (f.channelScale == nil) == (f.channelShift == nil),
                  f.channelScale.map({ $0.count >= matrix.columns }) ?? true,
                  f.channelShift.map({ $0.count >= matrix.columns }) ?? true else { return nil }
            fixed.append(f)
        }
        self.fixed = fixed
        self.taps = matrix.rows
        self.columns = matrix.columns
    }

    /// Writes the batch's output (pooled with `pool`) for `batch` samples of input `x` into `y`.
    func run(_ g: ConvolutionGeometry, batch: Int, bias: [Float]?, relu: Bool, pool: Bool,
             input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>, parallel: Parallelism) {
        let layout = Layout(g)
        let sampleOut = pool ? g.pooledSampleSize : g.outputSampleSize
        let outPlane = pool ? (g.outHeight / 2) * (g.outWidth / 2) : g.pixels
        let offsets = layout.offsets(g)
        let maps = (0..<g.groups).map { ChannelMaps(fixed[$0], bias: bias, group: $0, columns: columns) }
        offsets.withUnsafeBufferPointer { offsets in
            parallel.forEach(batch, workPerItem: g.pixels * taps * g.outChannelsPerGroup) { samples in
                let planes = UnsafeMutablePointer<Float>.allocate(capacity: layout.bufferSize)
                defer { planes.deallocate() }
                planes.initialize(repeating: 0, count: layout.bufferSize)
                let products = UnsafeMutablePointer<Float>.allocate(capacity: 8 * layout.positions)
                defer { products.deallocate() }
                for s in samples {
                    for group in 0..<g.groups {
                        layout.copy(g, group: group, sample: x + s * g.inputSampleSize, into: planes)
                        let f = fixed[group]
                        // (channel stride, tap stride) of W in the provider's layout.
                        let (channelStride, tapStride) = f.layout == .crossbar ? (1, columns) : (taps, 1)
                        f.weights.withUnsafeBufferPointer { w in
                            for first in stride(from: 0, to: columns, by: 8) {
                                let count = min(8, columns - first)
                                maps[group].withEpilogue(block: first / 8, relu: relu) { epilogue in
                                    imprint_direct_products(planes, offsets.baseAddress!, taps,
                                                            w.baseAddress! + f.start + first * channelStride,
                                                            channelStride, tapStride, Int32(count), layout.positions,
                                                            products, layout.positions, epilogue)
                                }
                                for c in 0..<count {
                                    imprint_direct_place(products + c * layout.positions, pool ? 1 : 0, g.outHeight,
                                                         g.outWidth, layout.width,
                                                         y + s * sampleOut + (group * columns + first + c) * outPlane)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// A group's per-channel arithmetic after the products, in blocks of eight channels (the last
    /// block padded with its last channel): the provider's column gain and channel affine, as it
    /// applies them, then + bias (+0 without one, as `Convolution.scatter` adds it).
    struct ChannelMaps {
        let gain: [Float]?, scale: [Float]?, shift: [Float]?, bias: [Float]

        init(_ f: FixedProducts, bias: [Float]?, group: Int, columns: Int) {
            let padded = (columns + 7) / 8 * 8
            func blocks(_ value: (Int) -> Float) -> [Float] { (0..<padded).map { value(min($0, columns - 1)) } }
            gain = f.columnGain.map { g in blocks { g[$0] } }
            scale = f.channelScale.map { s in blocks { s[$0] } }
            shift = f.channelShift.map { s in blocks { s[$0] } }
            self.bias = blocks { bias?[group * columns + $0] ?? 0 }
        }

        func withEpilogue(block: Int, relu: Bool, _ body: (UnsafePointer<imprint_direct_epilogue>) -> Void) {
            let at = block * 8
            gain.withUnsafeBufferPointerIfPresent { gain in
                scale.withUnsafeBufferPointerIfPresent { scale in
                    shift.withUnsafeBufferPointerIfPresent { shift in
                        bias.withUnsafeBufferPointer { bias in
                            var e = imprint_direct_epilogue(gain: gain.map { $0.baseAddress! + at },
                                                            scale: scale.map { $0.baseAddress! + at },
                                                            shift: shift.map { $0.baseAddress! + at },
                                                            bias: bias.baseAddress! + at, relu: relu ? 1 : 0)
                            withUnsafePointer(to: &e) { body($0) }
                        }
                    }
                }
            }
        }
    }

    /// Where a sample's padded planes and positions lie.
    struct Layout {
        /// Phases per axis (the strides); each channel holds strideH·strideW phase planes.
        let phasesH: Int, phasesW: Int
        /// Phase plane height and width.
        let height: Int, width: Int
        /// Positions computed: (H_out − 1)·width + W_out, rounded up to CKernels' step.
        let positions: Int
        /// Planes plus the slack the rounded-up positions read.
        let bufferSize: Int

        var channelSize: Int { phasesH * phasesW * height * width }

        init(_ g: ConvolutionGeometry) {
            let spanH = (g.kernelHeight - 1) * g.dilationH, spanW = (g.kernelWidth - 1) * g.dilationW
            (phasesH, phasesW) = (g.strideH, g.strideW)
            height = max((g.height + g.padTop + phasesH - 1) / phasesH, g.outHeight + spanH / phasesH)
            width = max((g.width + g.padLeft + phasesW - 1) / phasesW, g.outWidth + spanW / phasesW)
            let needed = (g.outHeight - 1) * width + g.outWidth
            let step = Int(IMPRINT_DIRECT_STEP)
            positions = (needed + step - 1) / step * step
            let channelSize = phasesH * phasesW * height * width
            let lastTap = (g.channelsPerGroup - 1) * channelSize + Self.offset(row: spanH, column: spanW,
                                                                               phasesH, phasesW, height, width)
            bufferSize = max(g.channelsPerGroup * channelSize, positions + lastTap)
        }

        /// Where padded input (row, column) lies in a channel's phase planes: phase
        /// (row mod s_h, column mod s_w), place (row / s_h, column / s_w). Output pixel (y, x) tap
        /// (i, j) reads padded (y·s_h + i·d_h, x·s_w + j·d_w): at position y·width + x plus the
        /// offset of (i·d_h, j·d_w), so every tap is one displacement of the positions.
        private static func offset(row: Int, column: Int, _ ph: Int, _ pw: Int, _ height: Int, _ width: Int) -> Int {
            ((row % ph) * pw + column % pw) * height * width + (row / ph) * width + column / pw
        }

        /// Tap displacements in (c_in, k_h, k_w) order: the crossbar's row order.
        func offsets(_ g: ConvolutionGeometry) -> [Int32] {
            var offsets = [Int32]()
            offsets.reserveCapacity(g.rows)
            for c in 0..<g.channelsPerGroup {
                for i in 0..<g.kernelHeight {
                    for j in 0..<g.kernelWidth {
                        let tap = Self.offset(row: i * g.dilationH, column: j * g.dilationW, phasesH, phasesW, height, width)
                        offsets.append(Int32(c * channelSize + tap))
                    }
                }
            }
            return offsets
        }

        /// Copies one sample's channels of `group` into the phase planes, padding offsets applied.
        /// The border and slack are never written: the buffer is zeroed once and every sample fills
        /// the same places, so they stay the zeros the padding stands for.
        func copy(_ g: ConvolutionGeometry, group: Int, sample x: UnsafePointer<Float>,
                  into planes: UnsafeMutablePointer<Float>) {
            let planeIn = g.height &* g.width
            let first = x + group &* g.channelsPerGroup &* planeIn
            if phasesH == 1 && phasesW == 1 {
                for c in 0..<g.channelsPerGroup {
                    for r in 0..<g.height {
                        (planes + (c &* channelSize &+ (r &+ g.padTop) &* width &+ g.padLeft))
                            .update(from: first + (c &* planeIn &+ r &* g.width), count: g.width)
                    }
                }
                return
            }
            // Each input row goes to phase row (row mod s_h); its columns ≡ b (mod s_w) to phase
            // column b, in order: a strided gather per phase, no division per element.
            let phasePlane = height &* width
            for c in 0..<g.channelsPerGroup {
                for r in 0..<g.height {
                    let row = r &+ g.padTop
                    let source = first + (c &* planeIn &+ r &* g.width)
                    let target = planes + (c &* channelSize &+ (row % phasesH) &* phasesW &* phasePlane &+ (row / phasesH) &* width)
                    for b in 0..<phasesW {
                        let firstPadded = g.padLeft &+ ((b &- g.padLeft) % phasesW &+ phasesW) % phasesW
                        var column = firstPadded &- g.padLeft
                        var to = target + (b &* phasePlane &+ firstPadded / phasesW)
                        while column < g.width {
                            to.pointee = source[column]
                            to += 1
                            column &+= phasesW
                        }
                    }
                }
            }
        }
    }

}

extension InferenceEngine {
    /// The plan's convolutions that can run directly: those with fixed products for every group.
    static func directConvolutions(_ plan: ExecutionPlan, network: Network,
                                   provider: any MatrixProductProvider) -> [DirectConvolution?] {
        var direct = [DirectConvolution?](repeating: nil, count: network.nodes.count)
        guard let fixed = provider as? any FixedProductProvider else { return direct }
        for step in plan.steps {
            guard case .conv(_, let matrix, _, _) = step.kernel else { continue }
            direct[step.node] = DirectConvolution(matrix: matrix, node: step.node, provider: fixed)
        }
        return direct
    }

    /// The plan's dense nodes whose products are fixed, with weights in the crossbar layout.
    static func fixedDenseProducts(_ plan: ExecutionPlan, network: Network,
                                   provider: any MatrixProductProvider) -> [FixedProducts?] {
        var fixed = [FixedProducts?](repeating: nil, count: network.nodes.count)
        guard let provider = provider as? any FixedProductProvider else { return fixed }
        for step in plan.steps {
            guard case .dense(_, let matrix) = step.kernel, matrix.groups == 1,
                  let f = provider.fixedProducts(node: step.node, group: 0), f.layout == .crossbar, f.start >= 0,
                  f.weights.count - f.start >= matrix.rows * matrix.columns,
                  f.columnGain.map({ $0.count >= matrix.columns }) ?? true,
                  (f.channelScale == nil) == (f.channelShift == nil),
                  f.channelScale.map({ $0.count >= matrix.columns }) ?? true,
                  f.channelShift.map({ $0.count >= matrix.columns }) ?? true else { continue }
            fixed[step.node] = f
        }
        return fixed
    }
}
