import CKernels
import DeviceSimulation
import Testing
@testable import Verifier

/// CKernels' per-read noise (AVX2, AVX-512 and portable variants, chosen per CPU) against the
/// Swift 4-wide code it replaced (`addGaussianRow` below: Philox4x32 and GaussianQuads): the same
/// bits, or verify's results would depend on the CPU.
@Suite struct ReadNoiseKernelTests {
    static let variants = Int(imprint_read_noise_variants())

    /// One output row's noise (`AnalogMatrixProducts.addGaussian`) in Swift's 4-wide vectors
    /// (Philox4x32, GaussianQuads): the code the kernels replaced, and the reference they are held to.
    static func addGaussianRow(_ out: UnsafeMutablePointer<Float>, spread: UnsafePointer<Float>, plus: Float, columns: Int,
                               sample: UInt32, place: UInt32, key: SIMD2<UInt32>) {
        let lanes = SIMD4<UInt32>(0, 1, 2, 3)
        var j = 0, pair: UInt32 = 0
        while j < columns {
            let (w0, w1, w2, _) = Philox4x32.blocks(word0: lanes &+ pair, word1: sample, word2: place, word3: 0, key: key)
            pair &+= 4
            let (first, second) = GaussianQuads.normals(w0, w1, w2)
            // Columns j + 2i and j + 2i + 1 take block i's two normals.
            let z = SIMD8(first[0], second[0], first[1], second[1], first[2], second[2], first[3], second[3])
            if j &+ 8 <= columns {
                let s = UnsafeRawPointer(spread + j).loadUnaligned(as: SIMD8<Float>.self) + plus
                let current = UnsafeRawPointer(out + j).loadUnaligned(as: SIMD8<Float>.self)
                let noisy = current + s.squareRoot() * z
                UnsafeMutableRawPointer(out + j).storeBytes(of: current.replacing(with: noisy, where: s .> 0),
                                                            as: SIMD8<Float>.self)
            } else {
                for t in 0..<(columns &- j) {
                    let s = spread[j &+ t] + plus
                    if s > 0 { out[j &+ t] += s.squareRoot() * z[t] }
                }
            }
            j &+= 8
        }
    }


    /// Rows of every width a 16-column step can leave a tail of, spreads with zeros and negatives
    /// (no noise there), a constant added variance, and counters from many samples and places.
    static func rowsMatch(variant: Int32) {
        var state: UInt64 = 0x5EED
        func next() -> UInt32 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt32(truncatingIfNeeded: state >> 32)
        }
        for columns in [1, 2, 7, 8, 15, 16, 17, 31, 32, 33, 64, 100, 257] {
            for trial in 0..<40 {
                let spread = (0..<columns).map { j -> Float in
                    j % 7 == 3 ? 0 : (j % 11 == 5 ? -0.25 : Float(next() % 1000) / 997)
                }
                let start = (0..<columns).map { _ in Float(Int(next() % 2001) - 1000) / 100 }
                let plus: Float = trial % 3 == 0 ? 0 : 0.01 * Float(trial)
                let (sample, place, key) = (next(), next(), SIMD2(next(), next()))
                var swift = start, wide = start
                spread.withUnsafeBufferPointer { s in
                    swift.withUnsafeMutableBufferPointer { out in
                        Self.addGaussianRow(out.baseAddress!, spread: s.baseAddress!, plus: plus,
                                                            columns: columns, sample: sample, place: place, key: key)
                    }
                    wide.withUnsafeMutableBufferPointer { out in
                        #expect(imprint_add_read_noise_row_variant(variant, out.baseAddress!, s.baseAddress!, plus, columns,
                                                                   sample, place, key[0], key[1]) == 1)
                    }
                }
                #expect(wide.map(\.bitPattern) == swift.map(\.bitPattern), "\(columns) columns, trial \(trial)")
                #expect(zip(wide, start).contains { $0 != $1 })
            }
        }
    }

    /// Words that reach every branch: ⌊w0 / 2⁹⌋ = 0 (word 1 refines the radius, tails to 8.1σ),
    /// the largest w0, and each quadrant of word 2 at its edges.
    static func normalsMatch(variant: Int32) {
        let w0: [UInt32] = [0, 0x1FF, 0x200, 0xFFFF_FFFF, 0x8000_0000, 0x0000_0001, 0x1234_5678, 0xDEAD_BEEF]
        let w1: [UInt32] = [0, 0xFFFF_FFFF, 0x400, 7, 0x8000_0000, 0x200, 0xFFFF_FE00, 3]
        let w2: [UInt32] = [0, 0x3FFF_FFFF, 0x4000_0000, 0x7FFF_FF80, 0x8000_0000, 0xBFFF_FFFF, 0xC000_0000, 0xFFFF_FFFF]
        var normals = [Float](repeating: .nan, count: 16)
        #expect(imprint_read_noise_normals_variant(variant, w0, w1, w2, &normals) == 1)
        for start in stride(from: 0, to: 8, by: 4) {
            let lanes = start..<(start + 4)
            let (first, second) = GaussianQuads.normals(SIMD4(w0[lanes]), SIMD4(w1[lanes]), SIMD4(w2[lanes]))
            for i in 0..<4 {
                #expect(normals[2 * (start + i)].bitPattern == first[i].bitPattern, "block \(start + i)")
                #expect(normals[2 * (start + i) + 1].bitPattern == second[i].bitPattern, "block \(start + i)")
            }
        }
        #expect(normals.contains { abs($0) > 7 })   // the refined radius reaches the tails
    }

    @Test func portableRowsGiveTheSwiftBits() { Self.rowsMatch(variant: 0) }

    @Test func portableNormalsGiveTheSwiftBits() { Self.normalsMatch(variant: 0) }

    @Test(.enabled(if: variants & 1 != 0, "this CPU has no AVX2"))
    func avx2RowsGiveTheSwiftBits() { Self.rowsMatch(variant: 1) }

    @Test(.enabled(if: variants & 2 != 0, "this CPU has no AVX-512F"))
    func avx512RowsGiveTheSwiftBits() { Self.rowsMatch(variant: 2) }

    @Test(.enabled(if: variants & 1 != 0, "this CPU has no AVX2"))
    func avx2NormalsGiveTheSwiftBits() { Self.normalsMatch(variant: 1) }

    @Test(.enabled(if: variants & 2 != 0, "this CPU has no AVX-512F"))
    func avx512NormalsGiveTheSwiftBits() { Self.normalsMatch(variant: 2) }

    /// `imprint_direct_read_noise` against the row kernel it must agree with: output (channel
    /// first + c, pixel p) gets column first + c's noise of the product row at place
    /// place + p · step (built here as a row whose other columns have no variance), then the
    /// epilogue as the test computes it. Tails of every length, odd first channels, 1…8 rows,
    /// zero and negative variances, places that wrap past 2³².
    static func directNoiseMatchesRows(variant: Int32) {
        var state: UInt64 = 0xD1CE
        func next() -> UInt32 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt32(truncatingIfNeeded: state >> 32)
        }
        for (trial, count) in [1, 5, 15, 16, 17, 33, 48, 49, 100].enumerated() {
            for channels in [1, 2, 3, 8] {
                let first = [0, 1, 8, 13][(trial + channels) % 4]
                let (yStride, varStride) = (count + 3, count + 7)
                let y0 = (0..<(channels * yStride)).map { _ in Float(Int(next() % 2001) - 1000) / 100 }
                let variance = (0..<(channels * varStride)).map { i -> Float in
                    i % 9 == 4 ? 0 : (i % 13 == 6 ? -0.5 : Float(next() % 1000) / 333)
                }
                let (sample, place, step) = (next(), trial == 2 ? UInt32.max - 20 : next() % 1000, UInt32(1 + trial % 3))
                let key = SIMD2(next(), next())
                let gain = (0..<8).map { _ in Float(next() % 100) / 50 }
                let scale = (0..<8).map { _ in Float(next() % 100) / 40 - 1 }
                let shift = (0..<8).map { _ in Float(next() % 100) / 30 - 1 }
                let bias = (0..<8).map { _ in Float(next() % 100) / 20 - 2 }
                let relu = trial % 2 == 0
                // Every other shape adds a residual operand, laid out as y.
                let residual: [Float]? = (trial + channels) % 2 == 0
                    ? (0..<(channels * yStride)).map { _ in Float(Int(next() % 2001) - 1000) / 300 } : nil
                var direct = y0
                gain.withUnsafeBufferPointer { g in scale.withUnsafeBufferPointer { sc in
                    shift.withUnsafeBufferPointer { sh in bias.withUnsafeBufferPointer { b in
                        (residual ?? []).withUnsafeBufferPointer { r in
                            var e = imprint_direct_epilogue(gain: g.baseAddress, scale: sc.baseAddress, shift: sh.baseAddress,
                                                            bias: b.baseAddress, relu: relu ? 1 : 0,
                                                            residual: residual == nil ? nil : r.baseAddress)
                            #expect(imprint_direct_read_noise_variant(variant, &direct, yStride, variance, varStride, first,
                                                                      Int32(channels), count, sample, place, step,
                                                                      key[0], key[1], &e) == 1)
                        }
                    }}
                }}
                for c in 0..<channels {
                    for p in 0..<count {
                        var spread = [Float](repeating: 0, count: first + channels)
                        spread[first + c] = variance[c * varStride + p]
                        var row = [Float](repeating: 0, count: first + channels)
                        spread.withUnsafeBufferPointer { sp in
                            row.withUnsafeMutableBufferPointer { out in
                                Self.addGaussianRow(out.baseAddress!, spread: sp.baseAddress!, plus: 0, columns: first + channels,
                                                    sample: sample, place: place &+ UInt32(p) &* step, key: key)
                            }
                        }
                        var v = y0[c * yStride + p]
                        if spread[first + c] > 0 { v = v + row[first + c] }
                        v = v * gain[c]
                        v = scale[c] * v + shift[c]
                        v = v + bias[c]
                        if let residual { v = v + residual[c * yStride + p] }
                        if relu { v = v > 0 ? v : 0 }
                        #expect(direct[c * yStride + p].bitPattern == v.bitPattern, "count \(count), channel \(c), position \(p)")
                    }
                    // Nothing past the row's `count` positions is written.
                    #expect(direct[(c * yStride + count)..<(c * yStride + yStride)] == y0[(c * yStride + count)..<(c * yStride + yStride)])
                }
            }
        }
    }

    @Test func portableDirectNoiseMatchesRows() { Self.directNoiseMatchesRows(variant: 0) }

    @Test(.enabled(if: variants & 1 != 0, "this CPU has no AVX2"))
    func avx2DirectNoiseMatchesRows() { Self.directNoiseMatchesRows(variant: 1) }

    @Test(.enabled(if: variants & 2 != 0, "this CPU has no AVX-512F"))
    func avx512DirectNoiseMatchesRows() { Self.directNoiseMatchesRows(variant: 2) }

    /// A variant the CPU lacks is refused, leaving the row as it was.
    @Test func unknownVariantIsRefused() {
        var out: [Float] = [1, 2, 3]
        let spread: [Float] = [1, 1, 1]
        #expect(imprint_add_read_noise_row_variant(4, &out, spread, 0, 3, 0, 0, 1, 2) == 0)
        #expect(out == [1, 2, 3])
    }
}
