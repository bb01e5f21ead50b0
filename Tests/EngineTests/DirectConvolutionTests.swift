import CKernels
@testable import Engine
import Foundation
import NetworkModel
import Parallel
import Testing
import TestSupport

/// CKernels' direct products and epilogue: every variant gives the portable C's bits, and the
/// portable C gives the bits of the contract (one fused multiply-add per tap, in tap order).
@Suite struct DirectKernelTests {
    /// Random products problems: input planes with slack, tap displacements, weights in both
    /// layouts and 1…8 channels, positions that leave every kind of tail after 48- and 24-wide steps.
    struct Problem {
        var x: [Float], offsets: [Int32], weights: [Float]
        var taps: Int, channels: Int, positions: Int
        var channelStride: Int, tapStride: Int
        /// The epilogue's arrays (gain, scale, shift, bias; eight values each) and ReLU, or none.
        var maps: (gain: [Float]?, scale: [Float]?, shift: [Float]?, bias: [Float], relu: Bool)?
        /// A residual operand laid out as y (8 rows of `rounded`), with the maps of seeds 1 and 3 mod 8.
        var residual: [Float]?
        /// Shared planes' edge masks (two per 16 positions, random bits), or none.
        var edges: [UInt16]?
        var rounded: Int { (positions + 15) / 16 * 16 }

        init(taps: Int, channels: Int, positions: Int, outputMajor: Bool, seed: UInt64, edges: Bool = false) {
            var rng = SplitMix64(seed: seed)
            // Every other problem with the epilogue: all maps and a ReLU, or a bias alone.
            let eight = { (scale: Float) in (0..<8).map { _ in rng.uniform() * scale - scale / 2 } }
            switch seed % 4 {
            case 1: maps = (eight(2), eight(2), eight(1), eight(1), true)
            case 3: maps = (nil, nil, nil, eight(1), false)
            default: maps = nil
            }
            self.taps = taps; self.channels = channels; self.positions = positions
            offsets = (0..<taps).map { _ in Int32(rng.next() % 200) }
            x = (0..<((positions + 15) / 16 * 16 + 200)).map { _ in rng.uniform() * 2 - 1 }
            weights = (0..<(taps * channels)).map { _ in rng.uniform() * 2 - 1 }
            (channelStride, tapStride) = outputMajor ? (taps, 1) : (1, channels)
            if seed % 8 == 1 || seed % 8 == 3 {
                residual = (0..<(8 * ((positions + 15) / 16 * 16))).map { _ in rng.uniform() * 2 - 1 }
            }
            if edges { self.edges = (0..<(2 * rounded / 16)).map { _ in UInt16(truncatingIfNeeded: rng.next()) } }
        }

        /// The value tap t reads at position p: +0 where the edge masks say it falls off the image.
        func read(_ p: Int, _ t: Int) -> Float {
            if let edges, t % 3 != 1, edges[2 * (p / 16) + t % 3 / 2] >> (p % 16) & 1 == 0 { return 0 }
            return x[p + Int(offsets[t])]
        }

        func run(variant: Int32) -> [Float]? {
            var y = [Float](repeating: .nan, count: 8 * rounded)
            let ok = x.withUnsafeBufferPointer { x in
                offsets.withUnsafeBufferPointer { o in
                    weights.withUnsafeBufferPointer { w in
                        y.withUnsafeMutableBufferPointer { y in
                            edges.withUnsafeBufferPointerIfPresent { edges in
                                withEpilogue { e in
                                    imprint_direct_products_variant(variant, x.baseAddress, o.baseAddress, taps, w.baseAddress,
                                                                    channelStride, tapStride, Int32(channels), positions,
                                                                    y.baseAddress, rounded, e, edges?.baseAddress)
                                }
                            }
                        }
                    }
                }
            }
            return ok == 1 ? y : nil
        }

        func withEpilogue(_ body: (UnsafePointer<imprint_direct_epilogue>?) -> Int32) -> Int32 {
            guard let maps else { return body(nil) }
            let g = maps.gain ?? [], sc = maps.scale ?? [], sh = maps.shift ?? []
            return g.withUnsafeBufferPointer { g in
                sc.withUnsafeBufferPointer { sc in
                    sh.withUnsafeBufferPointer { sh in
                        maps.bias.withUnsafeBufferPointer { b in
                            residual.withUnsafeBufferPointerIfPresent { r in
                                var e = imprint_direct_epilogue(gain: maps.gain == nil ? nil : g.baseAddress,
                                                                scale: maps.scale == nil ? nil : sc.baseAddress,
                                                                shift: maps.shift == nil ? nil : sh.baseAddress,
                                                                bias: b.baseAddress, relu: maps.relu ? 1 : 0,
                                                                residual: r?.baseAddress)
                                return withUnsafePointer(to: &e) { body($0) }
                            }
                        }
                    }
                }
            }
        }

        /// The contract, computed here: acc = fma(x, w, acc) from +0 in tap order; rows past the
        /// last channel untouched.
        func expected() -> [Float] {
            var y = [Float](repeating: .nan, count: 8 * rounded)
            for c in 0..<channels {
                let channel = c
                for p in 0..<rounded {
                    var acc: Float = 0
                    for t in 0..<taps {
                        acc = acc.addingProduct(read(p, t), weights[channel * channelStride + t * tapStride])
                    }
                    if let maps {
                        if let gain = maps.gain { acc = acc * gain[c] }
                        if let scale = maps.scale, let shift = maps.shift { acc = scale[c] * acc + shift[c] }
                        acc = acc + maps.bias[c]
                        if let residual { acc = acc + residual[c * rounded + p] }
                        if maps.relu { acc = acc > 0 ? acc : 0 }
                    }
                    y[c * rounded + p] = acc
                }
            }
            return y
        }
    }

    static let shapes: [(taps: Int, channels: Int, positions: Int)] = [
        (1, 8, 16), (9, 8, 848), (9, 3, 47), (144, 8, 176), (37, 1, 1), (5, 7, 49), (40, 8, 64), (3, 5, 100),
        (9, 1, 300), (25, 1, 128),
    ]

    @Test func portableFollowsTheContract() throws {
        for (i, s) in Self.shapes.enumerated() {
            for outputMajor in [false, true] {
                let p = Problem(taps: s.taps, channels: s.channels, positions: s.positions, outputMajor: outputMajor,
                                seed: UInt64(i) * 2 + (outputMajor ? 1 : 0))
                let y = try #require(p.run(variant: 0))
                #expect(y.map(\.bitPattern) == p.expected().map(\.bitPattern), "\(s), output-major \(outputMajor)")
            }
        }
    }

    /// With edge masks (shared planes): the shapes whose taps come in threes, every channel count
    /// and tail among them (one channel: the depthwise step).
    @Test func portableFollowsTheContractWithEdges() throws {
        for (i, s) in Self.shapes.enumerated() where s.taps % 3 == 0 {
            for outputMajor in [false, true] {
                let p = Problem(taps: s.taps, channels: s.channels, positions: s.positions, outputMajor: outputMajor,
                                seed: 50 + UInt64(i) * 2 + (outputMajor ? 1 : 0), edges: true)
                let y = try #require(p.run(variant: 0))
                #expect(y.map(\.bitPattern) == p.expected().map(\.bitPattern), "\(s), output-major \(outputMajor)")
                // The masks matter: without them the outputs differ.
                var plain = p
                plain.edges = nil
                #expect(try #require(plain.run(variant: 0)).map(\.bitPattern) != y.map(\.bitPattern))
            }
        }
    }

    static func variantMatchesPortable(_ variant: Int32) throws {
        for (i, s) in shapes.enumerated() {
            for outputMajor in [false, true] {
                for edges in [false, true] where !edges || s.taps % 3 == 0 {
                    let p = Problem(taps: s.taps, channels: s.channels, positions: s.positions, outputMajor: outputMajor,
                                    seed: 100 + UInt64(i) * 2 + (outputMajor ? 1 : 0), edges: edges)
                    let wide = try #require(p.run(variant: variant)), portable = try #require(p.run(variant: 0))
                    #expect(wide.map(\.bitPattern) == portable.map(\.bitPattern),
                            "\(s), output-major \(outputMajor), edges \(edges)")
                }
            }
        }
    }

    @Test(.enabled(if: imprint_direct_variants() & 1 != 0)) func avx2MatchesPortable() throws {
        try Self.variantMatchesPortable(1)
    }

    @Test(.enabled(if: imprint_direct_variants() & 2 != 0)) func avx512MatchesPortable() throws {
        try Self.variantMatchesPortable(2)
    }

    /// A variant this CPU lacks is refused, not run; so are channel counts outside 1…8.
    @Test func missingVariantsAndBadChannelCountsAreRefused() {
        let p = Problem(taps: 3, channels: 2, positions: 16, outputMajor: false, seed: 9)
        for v: Int32 in [1, 2] where imprint_direct_variants() & v == 0 { #expect(p.run(variant: v) == nil) }
        var bad = p
        bad.channels = 9
        #expect(bad.run(variant: 0) == nil)
        // Edge masks need taps in threes.
        var uneven = Problem(taps: 4, channels: 2, positions: 16, outputMajor: false, seed: 9, edges: true)
        #expect(uneven.run(variant: 0) == nil)
        uneven.edges = nil
        #expect(uneven.run(variant: 0) != nil)
    }

    /// Dense products: the portable C follows the contract (computed here), every variant gives its
    /// bits, and nothing outside the output's rows and columns is written (row and column tails of
    /// every kind for 6 × 64 and 4 × 24 blocks).
    @Test(arguments: [(rows: 1, taps: 1, columns: 1), (rows: 13, taps: 37, columns: 70), (rows: 6, taps: 784, columns: 256),
                      (rows: 5, taps: 9, columns: 17), (rows: 25, taps: 3, columns: 129)])
    func denseVariantsFollowTheContract(_ c: (rows: Int, taps: Int, columns: Int)) throws {
        var rng = SplitMix64(seed: UInt64(c.rows * 1000 + c.columns))
        let xStride = c.taps + 3, wStride = c.columns + 5, yStride = c.columns + 2
        let x = (0..<(c.rows * xStride)).map { _ in rng.uniform() * 2 - 1 }
        let w = (0..<(c.taps * wStride)).map { _ in rng.uniform() * 2 - 1 }
        var expected = [Float](repeating: 7, count: c.rows * yStride)
        for m in 0..<c.rows {
            for n in 0..<c.columns {
                var acc: Float = 0
                for t in 0..<c.taps { acc = acc.addingProduct(x[m * xStride + t], w[t * wStride + n]) }
                expected[m * yStride + n] = acc
            }
        }
        for variant: Int32 in [0, 1, 2] where variant == 0 || imprint_direct_variants() & variant != 0 {
            var y = [Float](repeating: 7, count: c.rows * yStride)
            let ok = x.withUnsafeBufferPointer { x in
                w.withUnsafeBufferPointer { w in
                    y.withUnsafeMutableBufferPointer { y in
                        imprint_dense_products_variant(variant, x.baseAddress, xStride, c.rows, w.baseAddress, wStride,
                                                       c.taps, c.columns, y.baseAddress, yStride)
                    }
                }
            }
            #expect(ok == 1)
            #expect(y.map(\.bitPattern) == expected.map(\.bitPattern), "variant \(variant)")
        }
    }

    /// Row copies of every step and length (full 16-value blocks, tails, strides 1, 2 and 3) move
    /// exactly the values asked for and write nothing else.
    @Test func rowCopiesMoveExactlyTheirValues() {
        let source = (0..<4000).map { Float($0) }
        for step in 1...3 {
            for count in [1, 7, 15, 16, 17, 28, 31, 32, 33] {
                let (rows, srcStride, dstStride) = (3, step * count + 5, count + 3)
                var dst = [Float](repeating: -1, count: rows * dstStride)
                source.withUnsafeBufferPointer { s in
                    dst.withUnsafeMutableBufferPointer { d in
                        imprint_copy_rows(s.baseAddress! + 2, srcStride, step, d.baseAddress, dstStride, rows, count)
                    }
                }
                var expected = [Float](repeating: -1, count: rows * dstStride)
                for r in 0..<rows { for k in 0..<count { expected[r * dstStride + k] = source[2 + r * srcStride + k * step] } }
                #expect(dst == expected, "step \(step), count \(count)")
            }
        }
    }

    /// Placing rows (copied, or 2×2 max-pooled in floor mode with NaN and −0 among the values)
    /// against the test's own computation, for every variant, writing nothing past the output.
    @Test(arguments: [(pool: true, height: 12, width: 12), (pool: true, height: 7, width: 37), (pool: true, height: 5, width: 3),
                      (pool: false, height: 6, width: 9), (pool: false, height: 1, width: 33)])
    func placeMatchesItsDefinition(_ c: (pool: Bool, height: Int, width: Int)) throws {
        let rowWidth = c.width + 2
        let positions = ((c.height - 1) * rowWidth + c.width + 15) / 16 * 16
        var rng = SplitMix64(seed: 77)
        var row = (0..<positions).map { _ in rng.uniform() * 4 - 2 }
        row[3] = .nan
        row[5] = -0.0
        row[4] = 0.0
        var expected = [Float]()
        if c.pool {
            for py in 0..<(c.height / 2) {
                for q in 0..<(c.width / 2) {
                    var m = -Float.infinity
                    for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                        let v = row[(2 * py + dy) * rowWidth + 2 * q + dx]
                        if v >= m { m = v }
                    }
                    expected.append(m)
                }
            }
        } else {
            for y in 0..<c.height { expected += row[(y * rowWidth)..<(y * rowWidth + c.width)] }
        }
        for variant: Int32 in [0, 1, 2] where variant == 0 || imprint_direct_variants() & variant != 0 {
            var out = [Float](repeating: 42, count: expected.count + 1)
            let ok = row.withUnsafeBufferPointer { r in
                out.withUnsafeMutableBufferPointer { o in
                    imprint_direct_place_variant(variant, r.baseAddress, c.pool ? 1 : 0, c.height, c.width, rowWidth,
                                                 o.baseAddress)
                }
            }
            #expect(ok == 1)
            #expect(out.dropLast().map(\.bitPattern) == expected.map(\.bitPattern), "variant \(variant)")
            #expect(out.last == 42, "variant \(variant) wrote past its output")
        }
    }

    /// The channel-block entry points give each channel what a call of its own gives it, and
    /// write nothing between or after the channels' outputs.
    @Test(arguments: [(pool: true, sum: false), (pool: false, sum: false), (pool: false, sum: true)])
    func placingChannelsIsPlacingEach(_ c: (pool: Bool, sum: Bool)) {
        let (height, width, rowWidth, channels) = (7, 7, 21, 5)
        let rowStride = height * rowWidth + 3, outSize = c.pool ? 9 : 49, outStride = outSize + 2
        var rng = SplitMix64(seed: 79)
        let rows = (0..<(channels * rowStride)).map { _ in rng.uniform() * 4 - 2 }
        let residual = (0..<(channels * outStride)).map { _ in rng.uniform() * 4 - 2 }
        var each = [Float](repeating: 42, count: channels * outStride), block = each
        rows.withUnsafeBufferPointer { r in
            residual.withUnsafeBufferPointer { s in
                each.withUnsafeMutableBufferPointer { o in
                    for ch in 0..<channels {
                        if c.sum {
                            imprint_direct_place_sum(r.baseAddress! + ch * rowStride, height, width, rowWidth,
                                                     s.baseAddress! + ch * outStride, 1, o.baseAddress! + ch * outStride)
                        } else {
                            imprint_direct_place(r.baseAddress! + ch * rowStride, c.pool ? 1 : 0, height, width, rowWidth,
                                                 o.baseAddress! + ch * outStride)
                        }
                    }
                }
                block.withUnsafeMutableBufferPointer { o in
                    if c.sum {
                        imprint_direct_place_sum_channels(r.baseAddress, rowStride, channels, height, width, rowWidth, s.baseAddress,
                                                          1, o.baseAddress, outStride)
                    } else {
                        imprint_direct_place_channels(r.baseAddress, rowStride, channels, c.pool ? 1 : 0, height, width,
                                                      rowWidth, o.baseAddress, outStride)
                    }
                }
            }
        }
        #expect(block.map(\.bitPattern) == each.map(\.bitPattern))
        #expect((0..<channels).allSatisfy { ch in block[(ch * outStride + outSize)..<((ch + 1) * outStride)].allSatisfy { $0 == 42 } })
    }

    /// `imprint_direct_place_sum`: each placed value plus its residual, then the ReLU (NaN and −0
    /// become +0), in every variant; nothing written past the output.
    @Test(arguments: [(relu: true, height: 14, width: 14), (relu: false, height: 7, width: 7), (relu: true, height: 3, width: 37)])
    func placeSumMatchesItsDefinition(_ c: (relu: Bool, height: Int, width: Int)) throws {
        let rowWidth = c.width * 3
        var rng = SplitMix64(seed: 78)
        var row = (0..<(c.height * rowWidth)).map { _ in rng.uniform() * 4 - 2 }
        var residual = (0..<(c.height * c.width)).map { _ in rng.uniform() * 4 - 2 }
        row[2] = .nan
        (row[1], residual[1]) = (-0.0, -0.0)
        var expected = [Float]()
        for y in 0..<c.height {
            for x in 0..<c.width {
                let v = row[y * rowWidth + x] + residual[y * c.width + x]
                expected.append(c.relu ? (v > 0 ? v : 0) : v)
            }
        }
        #expect(expected.contains { $0.isNaN } != c.relu && expected.contains { $0 == 0 && $0.sign == .minus } != c.relu)
        for variant: Int32 in [0, 1, 2] where variant == 0 || imprint_direct_variants() & variant != 0 {
            var out = [Float](repeating: 42, count: expected.count + 1)
            let ok = row.withUnsafeBufferPointer { r in
                residual.withUnsafeBufferPointer { s in
                    out.withUnsafeMutableBufferPointer { o in
                        imprint_direct_place_sum_variant(variant, r.baseAddress, c.height, c.width, rowWidth, s.baseAddress,
                                                         c.relu ? 1 : 0, o.baseAddress)
                    }
                }
            }
            #expect(ok == 1)
            #expect(out.dropLast().map(\.bitPattern) == expected.map(\.bitPattern), "variant \(variant)")
            #expect(out.last == 42, "variant \(variant) wrote past its output")
        }
    }
}

/// A fixed-products provider that inspects some samples: records what `inspect` was given.
final class InspectingProvider: FixedProductProvider, @unchecked Sendable {
    let exact: ExactMatrixProducts
    let inspected: Range<Int>
    private let lock = NSLock()
    private var seen = [(context: MatrixProductContext, input: [Float])]()
    init(network: Network, inspected: Range<Int>) { exact = ExactMatrixProducts(network: network); self.inspected = inspected }

    var inspections: [(context: MatrixProductContext, input: [Float])] { lock.withLock { seen } }

    func multiply(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
                  context: MatrixProductContext) throws(EngineError) {
        try exact.multiply(input, into: output, context: context)
    }
    func fixedProducts(node: Int, group: Int) -> FixedProducts? { exact.fixedProducts(node: node, group: group) }
    func inspectedSamples(node: Int) -> Range<Int> { inspected }
    func inspect(_ input: UnsafeBufferPointer<Float>, context: MatrixProductContext) throws(EngineError) {
        lock.withLock { seen.append((context, Array(input))) }
    }
}

/// Records every `multiply` input, per (group, sample), without offering fixed products.
final class RecordingProvider: MatrixProductProvider, @unchecked Sendable {
    let exact: ExactMatrixProducts
    private let lock = NSLock()
    private var inputs = [[Int]: [Float]]()
    init(network: Network) { exact = ExactMatrixProducts(network: network) }

    func input(group: Int, sample: Int) -> [Float]? { lock.withLock { inputs[[group, sample]] } }

    func multiply(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
                  context: MatrixProductContext) throws(EngineError) {
        let per = context.vectorsPerSample * context.matrix.rows
        lock.withLock {
            for (k, s) in context.samples.enumerated() {
                inputs[[context.group, s]] = Array(input[(k * per)..<((k + 1) * per)])
            }
        }
        try exact.multiply(input, into: output, context: context)
    }
}

@Suite struct DirectConvolutionEngineTests {
    /// A provider inspecting samples 7..<10 of a batch starting at dataset sample 5 gets exactly the
    /// patch matrices `multiply` gets on the GEMM path, for those samples and every group, with
    /// their dataset indices; the outputs are those of the run without inspection.
    @Test func inspectedSamplesGetTheGEMMPathsInputs() throws {
        let op = Conv2DOp(weight: try randomTensor([6, 2, 3, 3], seed: 51), bias: try randomTensor([6], seed: 52),
                          strides: [2, 1], padding: .sameUpper, group: 2)
        let network = try singleNodeNetwork(.conv2d(op), input: [4, 7, 9])
        let x = try randomTensor([6, 4, 7, 9], seed: 53)
        let inspecting = InspectingProvider(network: network, inspected: 7..<10)
        let recording = RecordingProvider(network: network)
        let y = try InferenceEngine(network: network, provider: inspecting, options: .init(threads: 2, scratchBytes: 4000))
            .run(x, firstSample: 5)
        _ = try InferenceEngine(network: network, provider: recording, options: .init(threads: 2)).run(x, firstSample: 5)
        let plain = try InferenceEngine(network: network, options: .init(threads: 1)).run(x, firstSample: 5)
        #expect(y.data.map(\.bitPattern) == plain.data.map(\.bitPattern))

        var covered = Set<[Int]>()
        for (context, input) in inspecting.inspections {
            let per = context.vectorsPerSample * context.matrix.rows
            #expect(input.count == context.samples.count * per)
            for (k, s) in context.samples.enumerated() {
                #expect((7..<10).contains(s))
                #expect(covered.insert([context.group, s]).inserted, "sample \(s), group \(context.group) inspected twice")
                let expected = try #require(recording.input(group: context.group, sample: s))
                #expect(Array(input[(k * per)..<((k + 1) * per)]) == expected)
            }
        }
        #expect(covered == Set((7..<10).flatMap { s in [[0, s], [1, s]] }))
    }

    /// 7 × 7 maps fill 49 of a 64-position step, so samples are stacked in one plane (with a
    /// 1 × 1 convolution too, and a stride 2); each sample's outputs are the bits it gets alone, in
    /// any batch and at any thread count.
    @Test(arguments: [(kernel: 3, stride: 1, pad: 1, size: 7), (kernel: 1, stride: 1, pad: 0, size: 7),
                      (kernel: 3, stride: 2, pad: 1, size: 13)])
    func stackedSamplesKeepTheirOwnBits(_ c: (kernel: Int, stride: Int, pad: Int, size: Int)) throws {
        let op = Conv2DOp(weight: try randomTensor([9, 5, c.kernel, c.kernel], seed: 71), bias: try randomTensor([9], seed: 72),
                          strides: [c.stride, c.stride], padding: .explicit(top: c.pad, left: c.pad, bottom: c.pad, right: c.pad))
        let network = try singleNodeNetwork(.conv2d(op), input: [5, c.size, c.size])
        let x = try randomTensor([11, 5, c.size, c.size], seed: 73)
        let out = (c.size + 2 * c.pad - c.kernel) / c.stride + 1
        let g = ConvolutionGeometry(op, input: [11, 5, c.size, c.size], output: [11, 9, out, out])
        #expect(DirectConvolution.Layout.samplesStacked(g, batch: 11) > 1)
        #expect(DirectConvolution.Layout.samplesStacked(g, batch: 1) == 1)
        let all = try InferenceEngine(network: network, options: .init(threads: 2)).run(x)
        let per = 5 * c.size * c.size, outPer = 9 * out * out
        for sample in [0, 4, 10] {
            let one = try Tensor(shape: [1, 5, c.size, c.size], data: Array(x.data[(sample * per)..<((sample + 1) * per)]))
            let alone = try InferenceEngine(network: network, options: .init(threads: 1)).run(one, firstSample: sample)
            #expect(alone.data.map(\.bitPattern) == all.data[(sample * outPer)..<((sample + 1) * outPer)].map(\.bitPattern))
        }
    }

    /// 3-wide kernels whose columns read displaced columns of fewer planes (`Layout.Columns.shared`:
    /// stride 1 with one column of padding each side, one plane; stride 2, an even and an odd
    /// plane), the reads off a row's ends masked: the same bits as a plane per column, for a map
    /// in whole steps (16 × 16, written straight), stacked samples (7 × 7; 5 × 9 with a row stride
    /// of 2), a depthwise group, a fused pool, a dilated-rows kernel, stride 2 on even and odd
    /// widths and a right padding of 2; both layouts run here.
    @Test(arguments: [(inC: 3, outC: 9, h: 16, w: 16, groups: 1, strideH: 1, strideW: 1, dilationH: 1, right: 1, pool: false),
                      (5, 9, 7, 7, 1, 1, 1, 1, 1, false), (4, 6, 9, 5, 1, 2, 1, 1, 1, false), (6, 6, 7, 7, 6, 1, 1, 1, 1, false),
                      (3, 4, 12, 10, 1, 1, 1, 1, 1, true), (2, 8, 8, 11, 1, 1, 1, 2, 1, false),
                      (4, 8, 14, 14, 1, 2, 2, 1, 1, false), (3, 5, 13, 13, 1, 2, 2, 1, 1, false), (3, 5, 6, 9, 1, 1, 1, 1, 2, false)])
    func sharedPlanesGiveTheSameBits(_ c: (inC: Int, outC: Int, h: Int, w: Int, groups: Int, strideH: Int, strideW: Int,
                                           dilationH: Int, right: Int, pool: Bool)) throws {
        let op = Conv2DOp(weight: try randomTensor([c.outC, c.inC / c.groups, 3, 3], seed: 91),
                          bias: c.pool ? nil : try randomTensor([c.outC], seed: 92), strides: [c.strideH, c.strideW],
                          dilations: [c.dilationH, 1],
                          padding: .explicit(top: c.dilationH, left: 1, bottom: c.dilationH, right: c.right), group: c.groups)
        let network = try singleNodeNetwork(.conv2d(op), input: [c.inC, c.h, c.w])
        let batch = 6
        let x = try randomTensor([batch, c.inC, c.h, c.w], seed: 93)
        let (outH, outW) = ((c.h - 1) / c.strideH + 1, (c.w + c.right - 2) / c.strideW + 1)
        let g = ConvolutionGeometry(op, input: [batch, c.inC, c.h, c.w], output: [batch, c.outC, outH, outW])
        let layout = DirectConvolution.Layout(g)
        #expect(layout.shared)
        #expect(layout.jobs.count == c.strideH * c.strideW)
        #expect(!DirectConvolution.Layout(g, share: false).shared)
        let engine = try InferenceEngine(network: network, options: .init(threads: 1))
        var direct = try #require(engine.direct[0])
        let outCount = batch * (c.pool ? g.pooledSampleSize : g.outputSampleSize)
        func run(_ d: DirectConvolution, threads: Int) -> [UInt32] {
            var y = [Float](repeating: .nan, count: outCount)
            x.data.withUnsafeBufferPointer { x in
                y.withUnsafeMutableBufferPointer { y in
                    d.run(g, batch: batch, firstSample: 0, relu: true, pool: c.pool, input: x.baseAddress!,
                          output: y.baseAddress!, parallel: Parallelism(threads: threads))
                }
            }
            return y.map(\.bitPattern)
        }
        let shared = run(direct, threads: 2)
        direct.sharesColumns = false
        let separate = run(direct, threads: 1)
        let differing = zip(shared, separate).filter { $0 != $1 }.count
        #expect(shared.count == separate.count && differing == 0, "\(differing) outputs differ")
        #expect(separate.contains { Float(bitPattern: $0) > 0 } && separate.contains { $0 == 0 })
    }

    /// Random 3-wide geometries (sizes 1–17, strides 1–3, dilations 1–2, paddings 0–3 on each side,
    /// groups, batches that stack or not): wherever the columns share planes, the outputs are the
    /// bits of a plane per column; and enough of them share (≈ one in nine) to matter.
    @Test func randomGeometriesShareWithTheSameBits() throws {
        var rng = SplitMix64(seed: 2026)
        var shared = 0
        for trial in 0..<240 {
            let groups = [1, 1, 2][Int(rng.next() % 3)]
            let inC = groups * Int(1 + rng.next() % 3), outC = groups * Int(1 + rng.next() % 5)
            let (h, w) = (Int(1 + rng.next() % 17), Int(1 + rng.next() % 17))
            let (sh, sw) = (Int(1 + rng.next() % 3), Int(1 + rng.next() % 3))
            let (dh, dw) = (Int(1 + rng.next() % 2), Int(1 + rng.next() % 2))
            let kh = Int(1 + rng.next() % 3)
            let (top, left, bottom, right) = (Int(rng.next() % 4), Int(rng.next() % 4), Int(rng.next() % 4), Int(rng.next() % 4))
            let outH = (h + top + bottom - (kh - 1) * dh - 1) / sh + 1, outW = (w + left + right - 2 * dw - 1) / sw + 1
            guard h + top + bottom > (kh - 1) * dh, w + left + right > 2 * dw, outH > 0, outW > 0 else { continue }
            let op = Conv2DOp(weight: try randomTensor([outC, inC / groups, kh, 3], seed: UInt64(trial)),
                              bias: try randomTensor([outC], seed: UInt64(trial) + 1000), strides: [sh, sw], dilations: [dh, dw],
                              padding: .explicit(top: top, left: left, bottom: bottom, right: right), group: groups)
            let batch = Int(1 + rng.next() % 9)
            let g = ConvolutionGeometry(op, input: [batch, inC, h, w], output: [batch, outC, outH, outW])
            guard DirectConvolution.applies(to: g), DirectConvolution.Layout(g).shared else { continue }
            shared += 1
            let network = try singleNodeNetwork(.conv2d(op), input: [inC, h, w])
            let x = try randomTensor([batch, inC, h, w], seed: UInt64(trial) + 2000)
            var direct = try #require(try InferenceEngine(network: network, options: .init(threads: 1)).direct[0])
            func run(_ d: DirectConvolution) -> [UInt32] {
                var y = [Float](repeating: .nan, count: batch * g.outputSampleSize)
                x.data.withUnsafeBufferPointer { x in
                    y.withUnsafeMutableBufferPointer { y in
                        d.run(g, batch: batch, firstSample: 0, relu: false, pool: false, input: x.baseAddress!,
                              output: y.baseAddress!, parallel: Parallelism(threads: 2))
                    }
                }
                return y.map(\.bitPattern)
            }
            let a = run(direct)
            direct.sharesColumns = false
            let b = run(direct)
            #expect(a == b, "trial \(trial): \(h)×\(w), stride \(sh)×\(sw), dilation \(dh)×\(dw), pads \(top) \(left) \(bottom) \(right)")
        }
        #expect(shared >= 20, "only \(shared) of the random geometries share columns")
    }

    /// Kernels whose columns cannot share planes keep one per column: a value in the image would
    /// be read from outside its row (no padding, or one-sided), the columns' phases all differ
    /// (stride 3), or the kernel is not 3 wide.
    @Test func columnsShareOnlyWhereEveryReadStaysInItsRow() throws {
        func layout(width: Int, kernel: Int, stride: Int, left: Int, right: Int) throws -> DirectConvolution.Layout {
            let op = Conv2DOp(weight: try randomTensor([2, 2, 3, kernel], seed: 1), bias: nil, strides: [1, stride],
                              padding: .explicit(top: 1, left: left, bottom: 1, right: right))
            let outW = (width + left + right - kernel) / stride + 1
            return DirectConvolution.Layout(ConvolutionGeometry(op, input: [1, 2, 6, width], output: [1, 2, 6, outW]))
        }
        #expect(try layout(width: 9, kernel: 3, stride: 1, left: 1, right: 1).columns.count == 1)
        #expect(try layout(width: 9, kernel: 3, stride: 2, left: 1, right: 1).columns.count == 2)
        #expect(try !layout(width: 9, kernel: 3, stride: 1, left: 0, right: 0).shared)
        #expect(try !layout(width: 9, kernel: 3, stride: 1, left: 1, right: 0).shared)
        #expect(try !layout(width: 9, kernel: 3, stride: 3, left: 1, right: 1).shared)
        #expect(try !layout(width: 9, kernel: 5, stride: 1, left: 2, right: 2).shared)
    }

    /// 1 × 1 convolutions of stride 1 without padding whose pixels fill whole steps read their
    /// input in place; with a stride, a partial last step or samples side by side they copy.
    @Test func oneByOneReadsItsInputInPlaceOnlyInWholeSteps() throws {
        func layout(size: Int, stride: Int, batch: Int = 1) throws -> DirectConvolution.Layout {
            let op = Conv2DOp(weight: try randomTensor([2, 3, 1, 1], seed: 1), bias: nil, strides: [stride, stride])
            let out = (size - 1) / stride + 1
            let g = ConvolutionGeometry(op, input: [batch, 3, size, size], output: [batch, 2, out, out])
            return DirectConvolution.Layout(g, samples: DirectConvolution.Layout.samplesStacked(g, batch: batch))
        }
        #expect(try layout(size: 8, stride: 1).readsInput)
        #expect(try layout(size: 8, stride: 1, batch: 20).readsInput)
        #expect(try !layout(size: 8, stride: 2).readsInput)
        #expect(try !layout(size: 7, stride: 1).readsInput)
        #expect(try !layout(size: 7, stride: 1, batch: 20).readsInput)
    }

    /// A network whose products the engine computes itself runs a batch a few samples at a time
    /// (here 8 × 64 × 64 floats a sample: micro-batches of 8, 8 and 4 of 20); every sample gets the
    /// bits it gets alone. Through `multiply` there are no micro-batches.
    @Test func microBatchesKeepEachSamplesBits() throws {
        let op = Conv2DOp(weight: try randomTensor([8, 3, 3, 3], seed: 81), bias: try randomTensor([8], seed: 82),
                          padding: .sameUpper)
        let network = try singleNodeNetwork(.conv2d(op), input: [3, 64, 64])
        let engine = try InferenceEngine(network: network, options: .init(threads: 1))
        #expect(engine.microBatch == InferenceEngine.microBatchFloats / (8 * 64 * 64))
        #expect(try InferenceEngine(network: network, provider: ProductsOnly(network: network)).microBatch == nil)
        let x = try randomTensor([20, 3, 64, 64], seed: 83)
        let all = try engine.run(x, firstSample: 3)
        let per = 3 * 64 * 64, outPer = 8 * 64 * 64
        for sample in [0, 7, 8, 19] {
            let one = try Tensor(shape: [1, 3, 64, 64], data: Array(x.data[(sample * per)..<((sample + 1) * per)]))
            let alone = try engine.run(one, firstSample: 3 + sample)
            #expect(alone.data.map(\.bitPattern) == all.data[(sample * outPer)..<((sample + 1) * outPer)].map(\.bitPattern))
        }
    }

    /// Weights read in place in either layout give the same bits: the exact provider's (the model's
    /// [C_out, rows] per group) and an analog-style provider's crossbar [rows, C_out] copy.
    @Test func bothWeightLayoutsGiveTheSameBits() throws {
        struct Crossbar: FixedProductProvider {
            let exact: ExactMatrixProducts
            func multiply(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
                          context: MatrixProductContext) throws(EngineError) {
                try exact.multiply(input, into: output, context: context)
            }
            func fixedProducts(node: Int, group: Int) -> FixedProducts? {
                exact.weights(node: node, group: group).map { FixedProducts(weights: $0, layout: .crossbar) }
            }
        }
        let op = Conv2DOp(weight: try randomTensor([11, 3, 5, 5], seed: 61), bias: try randomTensor([11], seed: 62),
                          padding: .sameUpper)
        let network = try singleNodeNetwork(.conv2d(op), input: [3, 13, 10])
        let x = try randomTensor([3, 3, 13, 10], seed: 63)
        let exact = ExactMatrixProducts(network: network)
        #expect(exact.fixedProducts(node: 0, group: 0)?.layout == .outputMajor)
        let a = try InferenceEngine(network: network, provider: exact).run(x)
        let b = try InferenceEngine(network: network, provider: Crossbar(exact: exact)).run(x)
        #expect(a.data.map(\.bitPattern) == b.data.map(\.bitPattern))
    }
}
