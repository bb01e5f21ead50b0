import CKernels
import DeviceSimulation
import Testing
@testable import Verifier

/// CKernels' per-read noise (AVX2 and AVX-512 variants, chosen per CPU) against the Swift 4-wide
/// code it replaces (`AnalogMatrixProducts.addGaussianRow`, Philox4x32 and GaussianQuads): the
/// same bits, or verify's results would depend on the CPU.
@Suite struct ReadNoiseKernelTests {
    static let variants = Int(imprint_read_noise_variants())

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
                        AnalogMatrixProducts.addGaussianRow(out.baseAddress!, spread: s.baseAddress!, plus: plus,
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

    @Test(.enabled(if: variants & 1 != 0, "this CPU has no AVX2"))
    func avx2RowsGiveTheSwiftBits() { Self.rowsMatch(variant: 1) }

    @Test(.enabled(if: variants & 2 != 0, "this CPU has no AVX-512F"))
    func avx512RowsGiveTheSwiftBits() { Self.rowsMatch(variant: 2) }

    @Test(.enabled(if: variants & 1 != 0, "this CPU has no AVX2"))
    func avx2NormalsGiveTheSwiftBits() { Self.normalsMatch(variant: 1) }

    @Test(.enabled(if: variants & 2 != 0, "this CPU has no AVX-512F"))
    func avx512NormalsGiveTheSwiftBits() { Self.normalsMatch(variant: 2) }

    /// A variant the CPU lacks is refused, leaving the row as it was.
    @Test func unknownVariantIsRefused() {
        var out: [Float] = [1, 2, 3]
        let spread: [Float] = [1, 1, 1]
        #expect(imprint_add_read_noise_row_variant(4, &out, spread, 0, 3, 0, 0, 1, 2) == 0)
        #expect(out == [1, 2, 3])
    }
}
