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
}

/// im2col and its inverse scatter, so every convolution becomes crossbar matrix products.
enum Convolution {
    /// Writes the [pixels, rows] patch matrix of one sample and group, rows in (c_in, k_h, k_w) order,
    /// zeros where the window reaches into the padding.
    static func im2col(_ g: ConvolutionGeometry, group: Int, sample x: UnsafePointer<Float>,
                       into out: UnsafeMutablePointer<Float>) {
        let (h, w, kh, kw) = (g.height, g.width, g.kernelHeight, g.kernelWidth)
        let firstChannel = group * g.channelsPerGroup
        var dst = out
        for oh in 0..<g.outHeight {
            let top = oh * g.strideH - g.padTop
            for ow in 0..<g.outWidth {
                let left = ow * g.strideW - g.padLeft
                for c in firstChannel..<(firstChannel + g.channelsPerGroup) {
                    let plane = x + c * h * w
                    for i in 0..<kh {
                        let ih = top + i * g.dilationH
                        if ih < 0 || ih >= h {
                            dst.update(repeating: 0, count: kw)
                            dst += kw
                            continue
                        }
                        let row = plane + ih * w
                        for j in 0..<kw {
                            let iw = left + j * g.dilationW
                            dst.pointee = (iw >= 0 && iw < w) ? row[iw] : 0
                            dst += 1
                        }
                    }
                }
            }
        }
    }

    /// Moves one sample's [pixels, columns] product into its group's NCHW output channels, adding bias.
    static func scatter(_ g: ConvolutionGeometry, group: Int, product p: UnsafePointer<Float>,
                        bias: UnsafeBufferPointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        let columns = g.outChannelsPerGroup
        let pixels = g.pixels
        for col in 0..<columns {
            let channel = group * columns + col
            let b = bias.map { $0[channel] } ?? 0
            let dst = y + channel * pixels
            var src = p + col
            for i in 0..<pixels {
                dst[i] = src.pointee + b
                src += columns
            }
        }
    }
}
