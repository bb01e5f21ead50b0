internal import CKernels
import NetworkModel
import Parallel

/// A convolution computed straight from its input planes, for providers whose products are fixed
/// (`FixedProductProvider`): no patch matrix, no scatter.
///
/// Each sample's group is copied into planes one output row wide (`Layout`: per input channel and
/// kernel column, the padded input's columns that column reads), so that output pixel (y, x) is
/// position y·W_out + x and every tap is one displacement of all positions: CKernels'
/// `imprint_direct_products` runs over exactly the output pixels, eight output channels at a time,
/// the provider's column maps, the bias and the fused ReLU applied as they are stored;
/// `imprint_direct_place` then copies each channel into the NCHW output, or max-pools it (the
/// fused 2×2 pool). Strides and dilations only change which input values the copy gathers.
///
/// Bits: each output is Σ over taps in (c_in, k_h, k_w) order with one fused multiply-add per tap,
/// the same on every CPU (CKernels' variants and its portable C agree) and for every batch,
/// part and thread count, since a sample's outputs depend on that sample alone. They differ from
/// the GEMM path's where OpenBLAS sums in its own blocks (long rows), which the engine takes for
/// products that are not fixed.
struct DirectConvolution: Sendable {
    /// Per group: the provider's weights, read in place.
    let fixed: [FixedProducts]
    /// Per group: the column maps and bias in blocks of eight channels, made once.
    let maps: [ChannelMaps]
    let taps: Int
    let columns: Int
    /// Whether 3-wide kernels share their columns' planes where they can (`Layout.shared`); tests
    /// turn it off to compare both layouts' bits.
    var sharesColumns = true

    /// Convolutions (any stride, dilation and groups) whose padding is not negative and whose
    /// planes' displacements fit CKernels' 32-bit offsets.
    static func applies(to g: ConvolutionGeometry) -> Bool {
        guard g.strideH >= 1, g.strideW >= 1, g.padTop >= 0, g.padLeft >= 0, g.outHeight > 0, g.outWidth > 0,
              g.kernelHeight >= 1, g.kernelWidth >= 1, g.dilationH >= 1, g.dilationW >= 1 else { return false }
        let layout = Layout(g)
        return layout.bufferSize < Int(Int32.max) && g.rows <= Int(Int32.max)
    }

    /// The fixed products of every group, or nil when the provider has none for one of them.
    init?(matrix: CrossbarMatrix, bias: [Float]?, node: Int, provider: any FixedProductProvider) {
        guard matrix.rows > 0, matrix.columns > 0 else { return nil }
        var fixed = [FixedProducts]()
        for group in 0..<matrix.groups {
            guard let f = provider.fixedProducts(node: node, group: group), f.fits(rows: matrix.rows, columns: matrix.columns)
            else { return nil }
            fixed.append(f)
        }
        self.fixed = fixed
        self.maps = fixed.enumerated().map { ChannelMaps($1, bias: bias, group: $0, columns: matrix.columns) }
        self.taps = matrix.rows
        self.columns = matrix.columns
    }

    /// Writes the batch's output (pooled with `pool`) for `batch` samples of input `x`, the first
    /// being dataset sample `firstSample`, into `y`.
    ///
    /// Per-read noise (`FixedProducts.ReadNoise`): the variances Σ x²·V are the same direct
    /// products over planes of the squared inputs; CKernels' `imprint_direct_read_noise` adds each
    /// sample's noise (place = pixel · groups + group, as `multiply`'s vectors number it), over
    /// the sample's pixels in order, and then the epilogue; so the raw products and variances are
    /// placed first (unpooled), and pooled afterwards.
    ///
    /// `residual` (unpooled outputs only): a tensor shaped as the output added to it after the
    /// bias and before the ReLU (a residual connection's sum, fused): in the epilogue where the
    /// products are the output, as they are placed otherwise.
    func run(_ g: ConvolutionGeometry, batch: Int, firstSample: Int, relu: Bool, pool: Bool,
             residual: UnsafePointer<Float>? = nil,
             input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>, parallel: Parallelism) {
        precondition(residual == nil || !pool, "a residual sum is never fused with a pool")
        let stack = Layout.samplesStacked(g, batch: batch, share: sharesColumns)
        let layout = Layout(g, samples: stack, share: sharesColumns)
        let offsets = layout.offsets(g)
        let noisy = fixed.contains { $0.readNoise != nil }
        let work = stack * g.pixels * taps * g.outChannelsPerGroup * (noisy ? 2 : 1)
        offsets.withUnsafeBufferPointer { offsets in
          layout.edges.withUnsafeBufferPointer { edges in
            let pass = Pass(convolution: self, g: g, layout: layout, offsets: offsets.baseAddress!,
                            edges: layout.shared ? edges.baseAddress : nil, firstSample: firstSample,
                            relu: relu, pool: pool, residual: residual, output: y)
            parallel.forEach((batch + stack - 1) / stack, workPerItem: work) { chunkRange in
                let scratch = Scratch(layout: layout, pixels: g.pixels, noisy: noisy)
                defer { scratch.deallocate() }
                for chunk in chunkRange {
                    let samples = (chunk * stack)..<min(batch, (chunk + 1) * stack)
                    for group in 0..<g.groups {
                        let planes: UnsafePointer<Float>
                        if layout.readsInput {
                            planes = x + samples.lowerBound * g.inputSampleSize + group * g.channelsPerGroup * g.height * g.width
                        } else {
                            for (k, s) in samples.enumerated() {
                                layout.copy(g, group: group, sample: x + s * g.inputSampleSize, into: scratch.planes, slot: k)
                            }
                            planes = UnsafePointer(scratch.planes)
                        }
                        if fixed[group].readNoise != nil {
                            for i in 0..<layout.bufferSize { scratch.squares[i] = planes[i] * planes[i] }
                        }
                        for first in stride(from: 0, to: columns, by: 8) {
                            pass.block(group: group, first: first, samples: samples, planes: planes, scratch: scratch)
                        }
                    }
                }
            }
          }
        }
    }

    /// One thread's buffers: the planes (zeroed once: padding and slack are never written), a
    /// block's products, and with per-read noise the squared planes, a block's variances and one
    /// sample's placed variances and (when pooled) products. The planes (and squares) start
    /// `guardFloats` into their allocation: shared planes' first column-0 read lies one value before.
    /// No planes when the layout is the input's own (`Layout.readsInput`).
    private struct Scratch {
        let planes, products, squares, variances, placed: UnsafeMutablePointer<Float>
        static let guardFloats = 16

        init(layout: Layout, pixels: Int, noisy: Bool) {
            let g = Self.guardFloats
            let planeCount = layout.readsInput ? 0 : layout.bufferSize
            planes = UnsafeMutablePointer<Float>.allocate(capacity: g + planeCount) + g
            (planes - g).initialize(repeating: 0, count: g + planeCount)
            products = .allocate(capacity: 8 * layout.positions)
            squares = UnsafeMutablePointer<Float>.allocate(capacity: g + (noisy ? layout.bufferSize : 0)) + g
            (squares - g).initialize(repeating: 0, count: g)
            variances = .allocate(capacity: noisy ? 8 * layout.positions : 0)
            placed = .allocate(capacity: noisy ? 16 * pixels : 0)
        }

        func deallocate() {
            for buffer in [planes - Self.guardFloats, products, squares - Self.guardFloats, variances, placed] {
                buffer.deallocate()
            }
        }
    }

    /// What every block of one `run` shares.
    private struct Pass {
        let convolution: DirectConvolution
        let g: ConvolutionGeometry
        let layout: Layout
        let offsets: UnsafePointer<Int32>
        /// The shared planes' edge masks (`Layout.edges`), or nil.
        let edges: UnsafePointer<UInt16>?
        let firstSample: Int
        let relu: Bool, pool: Bool
        let residual: UnsafePointer<Float>?
        let y: UnsafeMutablePointer<Float>
        let sampleOut: Int, outPlane: Int
        /// One unpooled sample whose pixels fill whole steps: products straight into its planes.
        let straight: Bool

        init(convolution: DirectConvolution, g: ConvolutionGeometry, layout: Layout, offsets: UnsafePointer<Int32>,
             edges: UnsafePointer<UInt16>?, firstSample: Int, relu: Bool, pool: Bool, residual: UnsafePointer<Float>?,
             output: UnsafeMutablePointer<Float>) {
            self.convolution = convolution; self.g = g; self.layout = layout; self.offsets = offsets; self.edges = edges
            self.firstSample = firstSample; self.relu = relu; self.pool = pool; self.residual = residual; y = output
            sampleOut = pool ? g.pooledSampleSize : g.outputSampleSize
            outPlane = pool ? (g.outHeight / 2) * (g.outWidth / 2) : g.pixels
            straight = !pool && layout.samples == 1 && layout.positions == g.pixels
        }

        /// The residual values of the output at `at`, laid out as the output.
        func residualOf(_ at: UnsafeMutablePointer<Float>) -> UnsafePointer<Float>? { residual.map { $0 + (at - y) } }

        /// Where output channel `channel` of `group` of batch sample `s` starts.
        func output(sample s: Int, group: Int, channel: Int) -> UnsafeMutablePointer<Float> {
            y + s * sampleOut + (group * convolution.columns + channel) * outPlane
        }

        /// One block of eight channels (fewer at the end) for the chunk's samples, whose planes
        /// (and squared planes) `scratch` holds.
        func block(group: Int, first: Int, samples: Range<Int>, planes: UnsafePointer<Float>, scratch: Scratch) {
            let f = convolution.fixed[group]
            let count = min(8, convolution.columns - first)
            let (target, targetStride) = straight ? (output(sample: samples.lowerBound, group: group, channel: first), outPlane)
                                                  : (scratch.products, layout.positions)
            // (channel stride, tap stride) of W in the provider's layout.
            let (channelStride, tapStride) = f.layout == .crossbar ? (1, convolution.columns) : (convolution.taps, 1)
            let map = convolution.maps[group]
            f.weights.withUnsafeBufferPointer { w in
                let weights = w.baseAddress! + f.start + first * channelStride
                guard let noise = f.readNoise else {
                    // Placed with the residual: the kernel stops before the sum and the ReLU.
                    let sumLater = !straight && residual != nil
                    map.withEpilogue(block: first / 8, relu: relu && !sumLater,
                                     residual: straight ? residualOf(target) : nil) { epilogue in
                        imprint_direct_products(planes, offsets, convolution.taps, weights, channelStride, tapStride,
                                                Int32(count), layout.positions, target, targetStride, epilogue, edges)
                    }
                    if !straight { place(first: first, count: count, group: group, samples: samples, products: scratch.products) }
                    return
                }
                imprint_direct_products(planes, offsets, convolution.taps, weights, channelStride, tapStride,
                                        Int32(count), layout.positions, target, targetStride, nil, edges)
                noise.variances.withUnsafeBufferPointer { v in
                    imprint_direct_products(scratch.squares, offsets, convolution.taps, v.baseAddress! + noise.start + first, 1,
                                            convolution.columns, Int32(count), layout.positions, scratch.variances,
                                            layout.positions, nil, edges)
                }
                for (k, s) in samples.enumerated() {
                    addNoise(noise, first: first, count: count, group: group, slot: k, sample: s, target: target,
                             targetStride: targetStride, scratch: scratch, map: map)
                }
            }
        }

        /// The block's finished products into the output: copied or pooled, or summed with the residual.
        func place(first: Int, count: Int, group: Int, samples: Range<Int>, products: UnsafeMutablePointer<Float>) {
            for (k, s) in samples.enumerated() {
                let row = products + layout.slotOffset(k)
                let out = output(sample: s, group: group, channel: first)
                if let sum = residualOf(out) {
                    imprint_direct_place_sum_channels(row, layout.positions, count, g.outHeight, g.outWidth, layout.rowWidth,
                                                      sum, relu ? 1 : 0, out, outPlane)
                } else {
                    imprint_direct_place_channels(row, layout.positions, count, pool ? 1 : 0, g.outHeight, g.outWidth,
                                                  layout.rowWidth, out, outPlane)
                }
            }
        }

        /// Sample `s`'s per-read noise, then the epilogue, over its pixels in order: its raw products
        /// (in place when they are the unpooled output) and variances placed first, pooled after.
        /// A pooled sample alone in its planes has its pixels in order already: the noise goes on
        /// the products where they lie, and only the pool places them.
        func addNoise(_ noise: FixedProducts.ReadNoise, first: Int, count: Int, group: Int, slot k: Int, sample s: Int,
                      target: UnsafeMutablePointer<Float>, targetStride: Int, scratch: Scratch, map: ChannelMaps) {
            let out = output(sample: s, group: group, channel: first)
            let inOrder = straight || (pool && layout.samples == 1)
            let (values, valueStride) = inOrder ? (target, targetStride)
                : pool ? (scratch.placed + 8 * g.pixels, g.pixels) : (out, outPlane)
            let (spread, spreadStride) = inOrder ? (scratch.variances, layout.positions) : (scratch.placed, g.pixels)
            if !inOrder {
                imprint_direct_place_channels(scratch.products + layout.slotOffset(k), layout.positions, count, 0, g.outHeight,
                                              g.outWidth, layout.rowWidth, values, valueStride)
                imprint_direct_place_channels(scratch.variances + layout.slotOffset(k), layout.positions, count, 0, g.outHeight,
                                              g.outWidth, layout.rowWidth, scratch.placed, g.pixels)
            }
            map.withEpilogue(block: first / 8, relu: relu, residual: pool ? nil : residualOf(straight ? target : out)) { epilogue in
                imprint_direct_read_noise(values, valueStride, spread, spreadStride, first, Int32(count), g.pixels,
                                          UInt32(truncatingIfNeeded: firstSample + s), UInt32(truncatingIfNeeded: group),
                                          UInt32(truncatingIfNeeded: g.groups), noise.key[0], noise.key[1], epilogue)
            }
            if pool {
                imprint_direct_place_channels(values, valueStride, count, 1, g.outHeight, g.outWidth, g.outWidth, out, outPlane)
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

        /// Block `block`'s epilogue; `residual` (laid out as the rows the call writes), or none.
        func withEpilogue(block: Int, relu: Bool, residual: UnsafePointer<Float>?,
                          _ body: (UnsafePointer<imprint_direct_epilogue>) -> Void) {
            let at = block * 8
            gain.withUnsafeBufferPointerIfPresent { gain in
                scale.withUnsafeBufferPointerIfPresent { scale in
                    shift.withUnsafeBufferPointerIfPresent { shift in
                        bias.withUnsafeBufferPointer { bias in
                            var e = imprint_direct_epilogue(gain: gain.map { $0.baseAddress! + at },
                                                            scale: scale.map { $0.baseAddress! + at },
                                                            shift: shift.map { $0.baseAddress! + at },
                                                            bias: bias.baseAddress! + at, relu: relu ? 1 : 0,
                                                            residual: residual)
                            withUnsafePointer(to: &e) { body($0) }
                        }
                    }
                }
            }
        }
    }

    /// Where the samples' planes and positions lie: one plane per (input channel, kernel column,
    /// row phase), `height` rows of `rowWidth` = samples × W_out columns, sample k's columns from
    /// k · W_out on; its row y holds the padded input's row y·s_h + phase, its column x the input
    /// column x·s_w + j·d_w (zero where that is padding). Tap (c, i, j) of output pixel (y, x) of
    /// sample k then reads position y·rowWidth + k·W_out + x of plane (c, j, (i·d_h) mod s_h),
    /// displaced by ⌊i·d_h / s_h⌋ rows: one displacement for every position, and the positions are
    /// exactly the samples' output pixels (rounded up to CKernels' step at the end), so nothing
    /// computed is dropped, however small the map. The copies cost k_w input-sized writes per
    /// sample, against k_h·k_w·C_out multiply-adds per input value.
    ///
    /// `shared`: the three columns of a 3-wide kernel read fewer planes when their input columns
    /// are one plane's columns displaced: with stride 1 and one column of padding each side (the
    /// usual 3 × 3 convolution) one plane, column x holding input column x, which column j reads
    /// j − 1 further; with stride 2 two (even and odd input columns: column 0 reads the odd plane
    /// one position back, column 2 the odd plane, column 1 the even one). Reads that fall off a
    /// row's ends (into the neighbouring row or sample) count as zero by `edges`, CKernels'
    /// masks. A third of the copies; the same positions, the same bits (a masked read is the +0 a
    /// padded plane holds).
    struct Layout {
        /// Row phases (the row stride).
        let phases: Int
        /// Rows of a plane (rows an output row's taps can reach), samples side by side in it, and
        /// one sample's width (W_out).
        let height: Int, samples: Int, width: Int
        /// Which plane each kernel column reads, and how far displaced.
        let columns: Columns
        /// Positions computed: the output rows' positions, rounded up to CKernels' step.
        let positions: Int
        /// Planes plus the slack the rounded-up positions read.
        let bufferSize: Int
        /// One channel's row copies (`copyJobs`).
        let jobs: [imprint_copy_job]
        /// With shared planes, per 16 positions the masks of kernel columns 0 and 2 (bit set: the
        /// value read lies in the sample's row); empty otherwise.
        let edges: [UInt16]
        /// The planes are the input itself: a 1 × 1 convolution of stride 1 without padding, one
        /// sample at a time, whose pixels fill whole steps (ResNet-50's 56² and 28² maps), reads
        /// its input in place, nothing copied (the positions read stay in the sample).
        let readsInput: Bool

        /// Kernel columns and their planes: plane column x of column plane k holds input column
        /// x·s_w + `inputColumn[k]` (zero outside the image); kernel column j reads column plane
        /// `plane[j]`, `shift[j]` positions further.
        struct Columns: Equatable {
            let inputColumn: [Int]
            let plane: [Int], shift: [Int]

            /// A plane per kernel column, none displaced.
            static func separate(_ g: ConvolutionGeometry) -> Columns {
                Columns(inputColumn: (0..<g.kernelWidth).map { $0 * g.dilationW - g.padLeft },
                        plane: Array(0..<g.kernelWidth), shift: [Int](repeating: 0, count: g.kernelWidth))
            }

            /// Fewer planes for a 3-wide kernel (CKernels masks columns 0 and 2 only), or nil: when
            /// no two columns share a column phase, or a value in the image would be read from
            /// outside its sample's row (a row of W_out positions holds every column read).
            static func shared(_ g: ConvolutionGeometry) -> Columns? {
                guard g.kernelWidth == 3, g.strideW >= 1 else { return nil }
                var inputColumn = [Int](), plane = [Int](), shift = [Int]()
                for j in 0..<3 {
                    let o = j * g.dilationW - g.padLeft
                    let q = o >= 0 ? o / g.strideW : -((-o + g.strideW - 1) / g.strideW)
                    let r = o - q * g.strideW
                    if let k = inputColumn.firstIndex(of: r) { plane.append(k) } else {
                        plane.append(inputColumn.count)
                        inputColumn.append(r)
                    }
                    shift.append(q)
                }
                guard inputColumn.count < 3, shift[1] == 0, shift.allSatisfy({ abs($0) <= Scratch.guardFloats })
                else { return nil }
                for j in 0..<3 {
                    for x in 0..<g.outWidth {
                        let column = x * g.strideW + j * g.dilationW - g.padLeft
                        if column >= 0 && column < g.width && !(0..<g.outWidth).contains(x + shift[j]) { return nil }
                    }
                }
                return Columns(inputColumn: inputColumn, plane: plane, shift: shift)
            }

            var count: Int { inputColumn.count }
            var shared: Bool { shift.contains { $0 != 0 } || count < plane.count }
        }

        /// Positions from one output row to the next.
        var rowWidth: Int { samples * width }
        var planeSize: Int { height * rowWidth }
        var shared: Bool { columns.shared }
        var channelSize: Int { columns.count * phases * planeSize }
        /// Where sample `slot`'s output pixel (0, 0) lies.
        func slotOffset(_ slot: Int) -> Int { slot * width }

        /// Samples side by side in one plane: the count n, up to `maxSamples`, a `minimumPlanes`th
        /// of the batch and as many as `planeFloats` holds, whose ⌈batch / n⌉ planes compute the
        /// fewest positions for the batch (the largest n among equals), counting the last step's
        /// rounding and a last plane's empty slots. One when a sample's pixels fill whole 16-position
        /// steps (28 × 28); in the small ResNet's micro-batches of 20, 2 for its 14 × 14 3 × 3 layers
        /// (400 positions for 392 pixels), 5 for its 7 × 7 ones (256 for 245). From the batch, never
        /// from the thread count; the bits of an output do not depend on it either way.
        static func samplesStacked(_ g: ConvolutionGeometry, batch: Int, share: Bool = true) -> Int {
            let pixels = g.outHeight * g.outWidth
            let step = Int(IMPRINT_DIRECT_STEP)
            guard pixels % step != 0, batch > 1 else { return 1 }
            // One sample's planes and positions, without building its layout (jobs, masks).
            let columns = (share ? Columns.shared(g) : nil) ?? .separate(g)
            let height = g.outHeight + (g.kernelHeight - 1) * g.dilationH / g.strideH
            let channelSize = columns.count * g.strideH * height * g.outWidth
            let cap = min(maxSamples, (batch + minimumPlanes - 1) / minimumPlanes,
                          planeFloats / max(g.channelsPerGroup * channelSize, 1))
            guard cap >= 2 else { return 1 }
            var best = (samples: 1, positions: batch * ((pixels + step - 1) / step * step))
            for n in 2...cap {
                let planes = (batch + n - 1) / n
                let positions = planes * ((n * pixels + step - 1) / step * step)
                if positions <= best.positions { best = (n, positions) }
            }
            return best.samples
        }

        /// At most this many samples side by side.
        static let maxSamples = 32

        /// At least this many planes a batch (when it has the samples), so that threads share a
        /// layer evenly: without it, a micro-batch of 20 could stack as one plane of 16 and one of
        /// 4, two unequal pieces of work for two threads.
        static let minimumPlanes = 4

        /// At most this many floats of one group's planes per sample times the samples side by
        /// side (16 MiB; with `minimumPlanes` it rarely binds). At 256 KiB, ResNet-50-sized's 7 × 7
        /// layers of 512 and 2,048 input channels stacked one or two samples and computed 64 or
        /// 112 positions for 49 or 98 pixels; with four, 5.69–5.90 → 5.54–5.74 s (five interleaved
        /// runs each, 1 thread), the small ResNet unchanged (its 20-sample micro-batches stack at
        /// most 5). With up to 20 samples' planes a plane (1.7 MiB for a 14 × 14 layer of 32
        /// channels) the small ResNet had run no faster than with one sample.
        static let planeFloats = 1 << 22

        init(_ g: ConvolutionGeometry, samples: Int = 1, share: Bool = true) {
            let (phases, columns) = (g.strideH, (share ? Columns.shared(g) : nil) ?? .separate(g))
            let height = g.outHeight + (g.kernelHeight - 1) * g.dilationH / phases
            (self.phases, self.columns, self.height) = (phases, columns, height)
            self.samples = samples
            let width = g.outWidth
            self.width = width
            let step = Int(IMPRINT_DIRECT_STEP)
            positions = (g.outHeight * samples * width + step - 1) / step * step
            let lastTap = (0..<g.kernelWidth).map {
                Self.offset(channel: g.channelsPerGroup - 1, row: g.kernelHeight - 1, column: $0, dilation: g.dilationH,
                            phases: phases, columns: columns, height: height, width: samples * width)
            }.max()!
            bufferSize = max(g.channelsPerGroup * columns.count * phases * height * samples * width, positions + lastTap)
            jobs = Self.copyJobs(g, columns: columns, phases: phases, height: height, width: width, rowWidth: samples * width)
            edges = columns.shared ? Self.edgeMasks(positions: positions, width: width, columns: columns) : []
            readsInput = g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0
                && g.padLeft == 0 && g.outHeight == g.height && g.outWidth == g.width && samples == 1
                && positions == g.pixels
        }

        /// Tap (c, i, j)'s displacement: its column plane of (c, row phase), rows down, shifted.
        private static func offset(channel c: Int, row i: Int, column j: Int, dilation: Int, phases: Int,
                                   columns: Columns, height: Int, width: Int) -> Int {
            let plane = (c * columns.count + columns.plane[j]) * phases + (i * dilation) % phases
            return plane * height * width + (i * dilation) / phases * width + columns.shift[j]
        }

        /// `edges`: position p lies in column x = p mod width of its sample's row (rows are whole
        /// samples' rows); kernel column j reads column x + shift[j] of that row.
        static func edgeMasks(positions: Int, width: Int, columns: Columns) -> [UInt16] {
            var masks = [UInt16](repeating: 0, count: 2 * (positions / 16))
            let (first, last) = (columns.shift[0], columns.shift[2])
            var x = 0
            for p in 0..<positions {
                if x + first >= 0 && x + first < width { masks[2 * (p / 16)] |= 1 << (p % 16) }
                if x + last >= 0 && x + last < width { masks[2 * (p / 16) + 1] |= 1 << (p % 16) }
                x = x + 1 == width ? 0 : x + 1
            }
            return masks
        }

        /// Tap displacements in (c_in, k_h, k_w) order: the crossbar's row order.
        func offsets(_ g: ConvolutionGeometry) -> [Int32] {
            var offsets = [Int32]()
            offsets.reserveCapacity(g.rows)
            for c in 0..<g.channelsPerGroup {
                for i in 0..<g.kernelHeight {
                    for j in 0..<g.kernelWidth {
                        offsets.append(Int32(Self.offset(channel: c, row: i, column: j, dilation: g.dilationH, phases: phases,
                                                         columns: columns, height: height, width: rowWidth)))
                    }
                }
            }
            return offsets
        }

        /// The row copies that fill one channel's planes from its input plane (CKernels'
        /// `imprint_copy_planes`): per column plane k and row phase, the input rows of that phase
        /// (one plane row apart) at the plane columns x whose input column x·s_w + inputColumn[k]
        /// lies in the image; offsets from the channel's first input value and first plane value.
        static func copyJobs(_ g: ConvolutionGeometry, columns: Columns, phases: Int, height: Int, width: Int,
                             rowWidth: Int) -> [imprint_copy_job] {
            let planeSize = height * rowWidth
            var jobs = [imprint_copy_job]()
            for (plane, shift) in columns.inputColumn.enumerated() {
                var low = 0
                while low < width && low * g.strideW + shift < 0 { low += 1 }
                var high = low
                while high < width && high * g.strideW + shift < g.width { high += 1 }
                guard high > low else { continue }
                for phase in 0..<phases {
                    var r = (phase - g.padTop) % phases
                    if r < 0 { r += phases }
                    guard r < g.height else { continue }
                    let index = (r + g.padTop) / phases
                    let rows = min((g.height - r + phases - 1) / phases, height - index)
                    guard rows > 0 else { continue }
                    jobs.append(imprint_copy_job(src_offset: r * g.width + low * g.strideW + shift, src_stride: phases * g.width,
                                                 step: g.strideW, dst_offset: (plane * phases + phase) * planeSize + index * rowWidth + low,
                                                 dst_stride: rowWidth, rows: rows, count: high - low))
                }
            }
            return jobs
        }

        /// Copies one sample's channels of `group` into its slot of the planes, in one C call.
        /// Padding and slack are never written: the buffer is zeroed once and every sample fills
        /// the same places.
        func copy(_ g: ConvolutionGeometry, group: Int, sample x: UnsafePointer<Float>,
                  into buffer: UnsafeMutablePointer<Float>, slot: Int) {
            let planeIn = g.height * g.width
            jobs.withUnsafeBufferPointer { jobs in
                imprint_copy_planes(x + group * g.channelsPerGroup * planeIn, planeIn, buffer + slotOffset(slot), channelSize,
                                    g.channelsPerGroup, jobs.baseAddress, jobs.count)
            }
        }
    }
}

extension InferenceEngine {
    /// The plan's convolutions that can run directly: those with fixed products for every group.
    static func directConvolutions(_ plan: ExecutionPlan, network: Network,
                                   provider: (any FixedProductProvider)?) -> [DirectConvolution?] {
        var direct = [DirectConvolution?](repeating: nil, count: network.nodes.count)
        guard let provider else { return direct }
        for step in plan.steps {
            guard case .conv(let op, let matrix, _, _, _) = step.kernel else { continue }
            direct[step.node] = DirectConvolution(matrix: matrix, bias: op.bias?.data, node: step.node, provider: provider)
        }
        return direct
    }

    /// The plan's dense nodes whose products are fixed, with weights in the crossbar layout.
    static func fixedDenseProducts(_ plan: ExecutionPlan, network: Network,
                                   provider: (any FixedProductProvider)?) -> [FixedProducts?] {
        var fixed = [FixedProducts?](repeating: nil, count: network.nodes.count)
        guard let provider else { return fixed }
        for step in plan.steps {
            guard case .dense(_, let matrix) = step.kernel, matrix.groups == 1,
                  let f = provider.fixedProducts(node: step.node, group: 0), f.layout == .crossbar,
                  f.fits(rows: matrix.rows, columns: matrix.columns) else { continue }
            fixed[step.node] = f
        }
        return fixed
    }
}
