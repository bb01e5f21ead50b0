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
    static func im2col(_ g: ConvolutionGeometry, group: Int, sample x: UnsafePointer<Float>,
                       into out: UnsafeMutablePointer<Float>) {
        let (h, w, kh, kw) = (g.height, g.width, g.kernelHeight, g.kernelWidth)
        let (dh, dw) = (g.dilationH, g.dilationW)
        let planeSize = h &* w
        let first = x + group &* g.channelsPerGroup &* planeSize
        let channels = g.channelsPerGroup
        let spanH = (kh - 1) &* dh, spanW = (kw - 1) &* dw
        var dst = out
        for oh in 0..<g.outHeight {
            let top = oh &* g.strideH &- g.padTop
            let rowsInside = top >= 0 && top &+ spanH < h
            for ow in 0..<g.outWidth {
                let left = ow &* g.strideW &- g.padLeft
                if rowsInside && left >= 0 && left &+ spanW < w {
                    var plane = first + (top &* w &+ left)
                    let rowStep = dh &* w
                    if kw == 3 && dw == 1 {
                        // The common 3×3 case, unrolled: a generic 3-trip loop costs more than its copies.
                        for _ in 0..<channels {
                            var row = plane
                            for _ in 0..<kh {
                                dst[0] = row[0]; dst[1] = row[1]; dst[2] = row[2]
                                dst += 3
                                row += rowStep
                            }
                            plane += planeSize
                        }
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
    /// bias. Works in tiles of pixels so the strided reads stay in L1.
    static func scatter(_ g: ConvolutionGeometry, group: Int, product p: UnsafePointer<Float>,
                        bias: UnsafeBufferPointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        let columns = g.outChannelsPerGroup
        let pixels = g.pixels
        let tile = 32
        let out = y + group &* columns &* pixels
        var start = 0
        while start < pixels {
            let end = min(start &+ tile, pixels)
            for col in 0..<columns {
                let b = bias.map { $0[group &* columns &+ col] } ?? 0
                let dst = out + col &* pixels
                var src = p + (start &* columns &+ col)
                for i in start..<end {
                    dst[i] = src.pointee + b
                    src += columns
                }
            }
            start = end
        }
    }
}
