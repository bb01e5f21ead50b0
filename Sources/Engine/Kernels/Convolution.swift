import NetworkModel

/// The shape of one convolution for a given input size.
struct ConvolutionGeometry: Sendable {
    var channels: Int, height: Int, width: Int
    var outChannels: Int, outHeight: Int, outWidth: Int
    var kernelHeight: Int, kernelWidth: Int
    var strideH: Int, strideW: Int, dilationH: Int, dilationW: Int
    var padTop: Int, padLeft: Int
    var groups: Int

    init(_ c: Conv2DOp, input: [Int], output: [Int]) {
        channels = input[1]; height = input[2]; width = input[3]
        outChannels = output[1]; outHeight = output[2]; outWidth = output[3]
        kernelHeight = c.kernel[0]; kernelWidth = c.kernel[1]
        strideH = c.strides[0]; strideW = c.strides[1]
        dilationH = c.dilations[0]; dilationW = c.dilations[1]
        let p = c.padding.resolve(inputHW: (height, width), kernel: (kernelHeight, kernelWidth),
                                  stride: (strideH, strideW), dilation: (dilationH, dilationW))
        padTop = p.top; padLeft = p.left
        groups = c.group
    }

    var channelsPerGroup: Int { channels / groups }
    var outChannelsPerGroup: Int { outChannels / groups }
    /// Crossbar rows: one per (c_in, k_h, k_w) of a group.
    var rows: Int { channelsPerGroup * kernelHeight * kernelWidth }
    /// Output pixels per sample: the input vectors one sample contributes.
    var pixels: Int { outHeight * outWidth }
    var inputSampleSize: Int { channels * height * width }
    var outputSampleSize: Int { outChannels * pixels }
    /// One sample's output after a fused 2×2, stride-2 max pool (floor mode).
    var pooledSampleSize: Int { outChannels * (outHeight / 2) * (outWidth / 2) }

    /// The same convolution of one group's channels after `Convolution.pad` has copied them into a
    /// zero border wide enough that every window lies inside, or nil when every window already does
    /// (or a padding is negative). im2col then never takes its per-tap bounds tests, which cost most
    /// of its time on small images (half the pixels of a 7×7 map with 3×3 windows are border pixels).
    var padded: ConvolutionGeometry? {
        let needH = (outHeight - 1) * strideH + (kernelHeight - 1) * dilationH + 1
        let needW = (outWidth - 1) * strideW + (kernelWidth - 1) * dilationW + 1
        guard padTop >= 0, padLeft >= 0, outHeight > 0, outWidth > 0,
              padTop > 0 || padLeft > 0 || needH > height || needW > width else { return nil }
        var p = self
        p.channels = channelsPerGroup
        p.outChannels = outChannelsPerGroup
        p.groups = 1
        p.height = max(height + padTop, needH)
        p.width = max(width + padLeft, needW)
        p.padTop = 0
        p.padLeft = 0
        return p
    }
}

/// im2col and its inverse scatter, so every convolution becomes crossbar matrix products.
enum Convolution {
    /// Writes the [pixels, rows] patch matrix of one sample and group, rows in (c_in, k_h, k_w) order,
    /// zeros where the window reaches into the padding. Interior windows skip the bounds tests.
    ///
    /// Kernel rows of 3 or 5 taps go four at a time into 3 or 5 vector stores (`copyWindowPacked`)
    /// when a window has a multiple of 4 of them; otherwise a kernel row of up to 8 contiguous taps
    /// is copied as one 4- or 8-wide vector whose tail the next copy overwrites. The last
    /// output pixel is copied tap by tap, so nothing is written past this sample's patch matrix
    /// (the next sample's may belong to another thread), and vector loads are used only where the
    /// whole vector lies in the window's image row, so nothing is read past the input either.
    static func im2col(_ g: ConvolutionGeometry, group: Int, sample x: UnsafePointer<Float>,
                       into out: UnsafeMutablePointer<Float>) {
        let (h, w, kh, kw) = (g.height, g.width, g.kernelHeight, g.kernelWidth)
        let (dh, dw) = (g.dilationH, g.dilationW)
        let planeSize = h &* w
        let first = x + group &* g.channelsPerGroup &* planeSize
        let channels = g.channelsPerGroup
        if kh == 1 && kw == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0
            && g.outHeight == h && g.outWidth == w {
            transpose(first, channels: channels, pixels: planeSize, into: out)
            return
        }
        let spanH = (kh - 1) &* dh, spanW = (kw - 1) &* dw
        // Kernel rows copied as one vector: contiguous taps (no column dilation), at most 8 of them.
        let vectorWidth = dw == 1 && kw <= 4 ? 4 : (dw == 1 && kw <= 8 ? 8 : 0)
        // Kernel rows of 3 or 5 contiguous taps, a multiple of 4 of them per window, go packed
        // (`copyWindowPacked`) from a table of their offsets from the window's corner.
        let packedWidth = dw == 1 && (kw == 3 || kw == 5) && (channels &* kh) & 3 == 0 ? kw : 0
        let packedRows = packedWidth == 0 ? 0 : channels &* kh
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(packedRows, 1)) { offsets in
            let offsets = offsets.baseAddress!
            if packedWidth != 0 {
                for c in 0..<channels { for i in 0..<kh { offsets[c &* kh &+ i] = c &* planeSize &+ i &* dh &* w } }
            }
            var dst = out
            for oh in 0..<g.outHeight {
                let top = oh &* g.strideH &- g.padTop
                let rowsInside = top >= 0 && top &+ spanH < h
                let lastRow = oh == g.outHeight - 1
                for ow in 0..<g.outWidth {
                    let left = ow &* g.strideW &- g.padLeft
                    if rowsInside && left >= 0 && left &+ spanW < w {
                        var plane = first + (top &* w &+ left)
                        let rowStep = dh &* w
                        let spillAllowed = !(lastRow && ow == g.outWidth - 1)
                        if packedWidth != 0 && left &+ (packedWidth == 3 ? 4 : 5) <= w {
                            dst = copyWindowPacked(width: packedWidth, from: plane, offsets: offsets, rows: packedRows, into: dst)
                        } else if vectorWidth == 4 && left &+ 4 <= w && spillAllowed {
                            dst = copyWindow(SIMD4<Float>.self, from: plane, channels: channels, rows: kh, rowStep: rowStep,
                                             planeSize: planeSize, width: kw, into: dst)
                        } else if vectorWidth == 8 && left &+ 8 <= w && spillAllowed {
                            dst = copyWindow(SIMD8<Float>.self, from: plane, channels: channels, rows: kh, rowStep: rowStep,
                                             planeSize: planeSize, width: kw, into: dst)
                        } else {
                            for _ in 0..<channels {
                                var row = plane
                                for _ in 0..<kh {
                                    for j in 0..<kw { dst[j] = row[j &* dw] }
                                    dst += kw
                                    row += rowStep
                                }
                                plane += planeSize
                            }
                        }
                        continue
                    }
                    var plane = first
                    for _ in 0..<channels {
                        for i in 0..<kh {
                            let ih = top &+ i &* dh
                            if ih < 0 || ih >= h {
                                dst.update(repeating: 0, count: kw)
                            } else {
                                let row = plane + ih &* w
                                for j in 0..<kw {
                                    let iw = left &+ j &* dw
                                    dst[j] = (iw >= 0 && iw < w) ? row[iw] : 0
                                }
                            }
                            dst += kw
                        }
                        plane += planeSize
                    }
                }
            }
        }
    }

    /// The patch matrix of a 1×1, stride-1, unpadded convolution: the [channels, pixels] planes
    /// transposed to [pixels, channels] (`transpose`). Measured on the ResNet-50-sized network: the
    /// element-by-element gather took 17 % of inference.
    static func transpose(_ x: UnsafePointer<Float>, channels: Int, pixels: Int, into out: UnsafeMutablePointer<Float>) {
        transpose(x, rows: channels, columns: pixels, sourceStride: pixels, into: out, destinationStride: channels)
    }

    /// out[c · destinationStride + r] = x[r · sourceStride + c] for r < rows, c < columns. Tiles of
    /// 16 columns (one cache line of each source row) × 64 rows keep the source lines in L1 until all
    /// 16 columns are read (ResNet-50's 1×1 convolutions read up to 2,048 planes, whose lines one
    /// column at a time would not stay); each 4 × 4 block is transposed in registers.
    static func transpose(_ x: UnsafePointer<Float>, rows: Int, columns: Int, sourceStride: Int,
                          into out: UnsafeMutablePointer<Float>, destinationStride: Int) {
        let columns4 = columns & ~3, rows4 = rows & ~3
        var c0 = 0
        while c0 < columns4 {
            let c1 = min(c0 &+ 16, columns4)
            var r0 = 0
            while r0 < rows4 {
                let r1 = min(r0 &+ 64, rows4)
                var c = c0
                while c < c1 {
                    var r = r0
                    while r < r1 {
                        let src = x + (r &* sourceStride &+ c)
                        let a0 = UnsafeRawPointer(src).loadUnaligned(as: SIMD4<Float>.self)
                        let a1 = UnsafeRawPointer(src + sourceStride).loadUnaligned(as: SIMD4<Float>.self)
                        let a2 = UnsafeRawPointer(src + 2 &* sourceStride).loadUnaligned(as: SIMD4<Float>.self)
                        let a3 = UnsafeRawPointer(src + 3 &* sourceStride).loadUnaligned(as: SIMD4<Float>.self)
                        let dst = UnsafeMutableRawPointer(out + (c &* destinationStride &+ r))
                        let step = destinationStride &* 4
                        dst.storeBytes(of: SIMD4(a0[0], a1[0], a2[0], a3[0]), as: SIMD4<Float>.self)
                        dst.storeBytes(of: SIMD4(a0[1], a1[1], a2[1], a3[1]), toByteOffset: step, as: SIMD4<Float>.self)
                        dst.storeBytes(of: SIMD4(a0[2], a1[2], a2[2], a3[2]), toByteOffset: 2 &* step, as: SIMD4<Float>.self)
                        dst.storeBytes(of: SIMD4(a0[3], a1[3], a2[3], a3[3]), toByteOffset: 3 &* step, as: SIMD4<Float>.self)
                        r &+= 4
                    }
                    c &+= 4
                }
                r0 = r1
            }
            for c in c0..<c1 {
                for r in rows4..<rows { out[c &* destinationStride &+ r] = x[r &* sourceStride &+ c] }
            }
            c0 = c1
        }
        for c in columns4..<columns {
            for r in 0..<rows { out[c &* destinationStride &+ r] = x[r &* sourceStride &+ c] }
        }
    }

    /// One interior window whose kernel rows (3 or 5 taps, `offsets` from the window's corner,
    /// a multiple of 4 of them) are packed four at a time into 3 or 5 four-wide stores that
    /// neither overlap nor reach past the window's patch row, where overlapping copies took 4 or 8:
    /// the stores bound im2col's speed (3×3 on the small ResNet: 4.2 → 3.5 s for 10,000 images).
    /// Width 3 loads a 4th value, so the caller checks that it lies in the image row.
    @inline(__always)
    private static func copyWindowPacked(width: Int, from corner: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
                                         rows: Int, into start: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        var dst = UnsafeMutableRawPointer(start)
        var t = 0
        @inline(__always) func load(_ k: Int) -> SIMD4<Float> {
            UnsafeRawPointer(corner + offsets[t &+ k]).loadUnaligned(as: SIMD4<Float>.self)
        }
        if width == 3 {
            while t < rows {
                let a = load(0), b = load(1), c = load(2), d = load(3)
                dst.storeBytes(of: SIMD4(a[0], a[1], a[2], b[0]), as: SIMD4<Float>.self)
                dst.storeBytes(of: SIMD4(b[1], b[2], c[0], c[1]), toByteOffset: 16, as: SIMD4<Float>.self)
                dst.storeBytes(of: SIMD4(c[2], d[0], d[1], d[2]), toByteOffset: 32, as: SIMD4<Float>.self)
                dst += 48
                t &+= 4
            }
        } else {
            while t < rows {
                let a = load(0), b = load(1), c = load(2), d = load(3)
                let ae = corner[offsets[t] &+ 4], be = corner[offsets[t &+ 1] &+ 4]
                let ce = corner[offsets[t &+ 2] &+ 4], de = corner[offsets[t &+ 3] &+ 4]
                dst.storeBytes(of: a, as: SIMD4<Float>.self)
                dst.storeBytes(of: SIMD4(ae, b[0], b[1], b[2]), toByteOffset: 16, as: SIMD4<Float>.self)
                dst.storeBytes(of: SIMD4(b[3], be, c[0], c[1]), toByteOffset: 32, as: SIMD4<Float>.self)
                dst.storeBytes(of: SIMD4(c[2], c[3], ce, d[0]), toByteOffset: 48, as: SIMD4<Float>.self)
                dst.storeBytes(of: SIMD4(d[1], d[2], d[3], de), toByteOffset: 64, as: SIMD4<Float>.self)
                dst += 80
                t &+= 4
            }
        }
        return dst.assumingMemoryBound(to: Float.self)
    }

    /// One interior window, each kernel row copied as one vector `V` whose lanes past `width` the
    /// next copy overwrites; returns where the window's patch row ends.
    @inline(__always)
    private static func copyWindow<V: SIMD>(_: V.Type, from plane: UnsafePointer<Float>, channels: Int, rows: Int,
                                            rowStep: Int, planeSize: Int, width: Int,
                                            into start: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float>
    where V.Scalar == Float {
        var (dst, plane) = (start, plane)
        for _ in 0..<channels {
            var row = plane
            for _ in 0..<rows {
                UnsafeMutableRawPointer(dst).storeBytes(of: UnsafeRawPointer(row).loadUnaligned(as: V.self), as: V.self)
                dst += width
                row += rowStep
            }
            plane += planeSize
        }
        return dst
    }

    /// Copies one sample's channels of `group` into `buffer`, laid out as `padded` (from `g.padded`)
    /// with the padding offsets applied. The border is never written: `buffer` is zeroed once and
    /// every sample fills the same interior, so the border stays the zeros the padding stands for.
    static func pad(_ g: ConvolutionGeometry, group: Int, sample x: UnsafePointer<Float>, padded p: ConvolutionGeometry,
                    into buffer: UnsafeMutablePointer<Float>) {
        let planeIn = g.height &* g.width, planeOut = p.height &* p.width
        let first = x + group &* g.channelsPerGroup &* planeIn
        for c in 0..<g.channelsPerGroup {
            for r in 0..<g.height {
                (buffer + (c &* planeOut &+ (r &+ g.padTop) &* p.width &+ g.padLeft))
                    .update(from: first + (c &* planeIn &+ r &* g.width), count: g.width)
            }
        }
    }

    /// Moves one sample's [pixels, columns] product into its group's NCHW output channels, adding
    /// bias (+0 without one, so the sums are those of a bias of zeros) and, with `relu`, applying
    /// max(x, 0) as `Elementwise.apply(.relu)` does (NaN and −0 become +0). Blocks of 4 pixels × 4
    /// channels are transposed in registers (four vector loads, shuffles, four vector stores, where
    /// element by element took 16 loads and 16 stores); the edges go element by element. Tiles of
    /// 32 pixels keep the strided reads in L1.
    static func scatter(_ g: ConvolutionGeometry, group: Int, product p: UnsafePointer<Float>,
                        bias: UnsafeBufferPointer<Float>?, relu: Bool, into y: UnsafeMutablePointer<Float>) {
        withActivation(relu: relu) { scatter(g, group: group, product: p, bias: bias, into: y, $0, $1) }
    }

    /// Calls `body` with the scalar and 4-wide forms of the output's activation: max(x, 0) as
    /// `Elementwise.apply(.relu)` computes it (NaN and −0 become +0), or the identity. Inlined, so
    /// each kernel is compiled once per form.
    @inline(__always)
    private static func withActivation(relu: Bool,
                                       _ body: (_ f: (Float) -> Float, _ f4: (SIMD4<Float>) -> SIMD4<Float>) -> Void) {
        if relu {
            body({ v in v > 0 ? v : 0 }, { v in v.replacing(with: 0, where: .!(v .> 0)) })
        } else {
            body({ $0 }, { $0 })
        }
    }

    @inline(__always)
    private static func scatter(_ g: ConvolutionGeometry, group: Int, product p: UnsafePointer<Float>,
                                bias: UnsafeBufferPointer<Float>?, into y: UnsafeMutablePointer<Float>,
                                _ f: (Float) -> Float, _ f4: (SIMD4<Float>) -> SIMD4<Float>) {
        let columns = g.outChannelsPerGroup
        let pixels = g.pixels
        let tile = 32
        let out = y + group &* columns &* pixels
        @inline(__always) func biasOf(_ col: Int) -> Float { bias.map { $0[group &* columns &+ col] } ?? 0 }
        let columns4 = columns & ~3
        var start = 0
        while start < pixels {
            let end = min(start &+ tile, pixels)
            let end4 = start &+ (end &- start) & ~3
            var col = 0
            while col < columns4 {
                let b = SIMD4<Float>(biasOf(col), biasOf(col &+ 1), biasOf(col &+ 2), biasOf(col &+ 3))
                let d0 = out + col &* pixels, d1 = d0 + pixels, d2 = d1 + pixels, d3 = d2 + pixels
                var i = start
                while i < end4 {
                    let src = UnsafeRawPointer(p + (i &* columns &+ col))
                    let stride = columns &* 4
                    let r0 = src.loadUnaligned(as: SIMD4<Float>.self)
                    let r1 = src.loadUnaligned(fromByteOffset: stride, as: SIMD4<Float>.self)
                    let r2 = src.loadUnaligned(fromByteOffset: 2 &* stride, as: SIMD4<Float>.self)
                    let r3 = src.loadUnaligned(fromByteOffset: 3 &* stride, as: SIMD4<Float>.self)
                    UnsafeMutableRawPointer(d0 + i).storeBytes(of: f4(SIMD4(r0[0], r1[0], r2[0], r3[0]) + b[0]), as: SIMD4<Float>.self)
                    UnsafeMutableRawPointer(d1 + i).storeBytes(of: f4(SIMD4(r0[1], r1[1], r2[1], r3[1]) + b[1]), as: SIMD4<Float>.self)
                    UnsafeMutableRawPointer(d2 + i).storeBytes(of: f4(SIMD4(r0[2], r1[2], r2[2], r3[2]) + b[2]), as: SIMD4<Float>.self)
                    UnsafeMutableRawPointer(d3 + i).storeBytes(of: f4(SIMD4(r0[3], r1[3], r2[3], r3[3]) + b[3]), as: SIMD4<Float>.self)
                    i &+= 4
                }
                for c in col..<(col &+ 4) {
                    let dst = out + c &* pixels, bc = b[c &- col]
                    for i in end4..<end { dst[i] = f(p[i &* columns &+ c] + bc) }
                }
                col &+= 4
            }
            while col < columns {
                let b = biasOf(col)
                let dst = out + col &* pixels
                var src = p + (start &* columns &+ col)
                for i in start..<end {
                    dst[i] = f(src.pointee + b)
                    src += columns
                }
                col &+= 1
            }
            start = end
        }
    }

    /// `scatter` followed by a 2×2, stride-2 max pool (floor mode), one pooled row at a time: the
    /// row's pooled values are computed channels-contiguous from the product rows (four channels per
    /// vector) into a small buffer, then transposed into the planes. Each pooled value is the
    /// maximum, from −∞ in the pool's order (top row, then bottom; left, then right), of the four
    /// products plus bias (and ReLU), with `Pooling`'s comparison, so the output is bitwise that of
    /// the two steps, and the full-size activations are never written nor read again.
    static func scatterPooled(_ g: ConvolutionGeometry, group: Int, product p: UnsafePointer<Float>,
                              bias: UnsafeBufferPointer<Float>?, relu: Bool, into y: UnsafeMutablePointer<Float>) {
        withActivation(relu: relu) { scatterPooled(g, group: group, product: p, bias: bias, into: y, $0, $1) }
    }

    @inline(__always)
    private static func scatterPooled(_ g: ConvolutionGeometry, group: Int, product p: UnsafePointer<Float>,
                                      bias: UnsafeBufferPointer<Float>?, into y: UnsafeMutablePointer<Float>,
                                      _ f: (Float) -> Float, _ f4: (SIMD4<Float>) -> SIMD4<Float>) {
        let columns = g.outChannelsPerGroup, width = g.outWidth
        let (ho, wo) = (g.outHeight / 2, g.outWidth / 2)
        guard ho > 0, wo > 0, columns > 0 else { return }
        let plane = ho &* wo
        let out = y + group &* columns &* plane
        let biasBase = bias.map { $0.baseAddress! + group &* columns }
        let columns4 = columns & ~3
        let below = width &* columns
        withUnsafeTemporaryAllocation(of: Float.self, capacity: wo &* columns) { pooled in
            let pooled = pooled.baseAddress!
            for po in 0..<ho {
                for q in 0..<wo {
                    let a = p + (2 &* po &* width &+ 2 &* q) &* columns
                    let dst = pooled + q &* columns
                    var col = 0
                    while col < columns4 {
                        let b = biasBase.map { UnsafeRawPointer($0 + col).loadUnaligned(as: SIMD4<Float>.self) } ?? SIMD4()
                        @inline(__always) func value(_ offset: Int) -> SIMD4<Float> {
                            f4(UnsafeRawPointer(a + (offset &+ col)).loadUnaligned(as: SIMD4<Float>.self) + b)
                        }
                        let v0 = value(0), v1 = value(columns), v2 = value(below), v3 = value(below &+ columns)
                        var m = SIMD4<Float>(repeating: -.infinity)
                        m = m.replacing(with: v0, where: v0 .>= m)
                        m = m.replacing(with: v1, where: v1 .>= m)
                        m = m.replacing(with: v2, where: v2 .>= m)
                        m = m.replacing(with: v3, where: v3 .>= m)
                        UnsafeMutableRawPointer(dst + col).storeBytes(of: m, as: SIMD4<Float>.self)
                        col &+= 4
                    }
                    while col < columns {
                        let b = biasBase.map { $0[col] } ?? 0
                        var m = -Float.infinity
                        m = Swift.max(m, f(a[col] + b)); m = Swift.max(m, f(a[columns &+ col] + b))
                        m = Swift.max(m, f(a[below &+ col] + b)); m = Swift.max(m, f(a[below &+ columns &+ col] + b))
                        dst[col] = m
                        col &+= 1
                    }
                }
                transpose(pooled, rows: wo, columns: columns, sourceStride: columns, into: out + po &* wo,
                          destinationStride: plane)
            }
        }
    }
}
