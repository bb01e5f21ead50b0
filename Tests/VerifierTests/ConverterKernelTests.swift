import CKernels
import Testing
import TestSupport

/// CKernels' tile converters (`imprint_dac_row`, `imprint_adc_row`, used by `PeripheralTiles`)
/// against the arithmetic the test does itself with Swift's `rounded()` (ties away from zero, as C's
/// roundf): every variant, every tail length, halves, −0, NaN and infinities.
@Suite struct ConverterKernelTests {
    static let variants: [Int32] = [0, 1, 2].filter { $0 == 0 || imprint_direct_variants() & $0 != 0 }

    /// Inputs that put q · steps on and next to halves (ties), both signs, −0, +0 and a NaN the
    /// abs-max must skip; `steps` 2²⁰, so q · steps is exact and `rounded()` decides.
    static func row(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        let steps = Float(1 << 20)
        return (0..<n).map { i -> Float in
            switch i % 7 {
            case 0: return (Float(Int(rng.next() % 2000)) - 1000 + 0.5) / steps  // a tie
            case 1: return -(Float(Int(rng.next() % 2000)) + 0.5) / steps          // a negative tie
            case 2: return -0.0
            case 3: return (Float(Int(rng.next() % 2000)) + 0.5).nextDown / steps  // just below a tie
            case 4: return -0.3 / steps                                               // rounds to −0
            default: return rng.uniform() * 2 - 1
            }
        }
    }

    @Test func dacRoundsAsSwiftDoesInEveryVariant() throws {
        for n in [1, 2, 7, 15, 16, 17, 25, 31, 32, 33, 100, 256] {
            var x = Self.row(n, seed: UInt64(n))
            if n > 3 { x[n / 2] = .nan }
            for steps in [Float(1 << 20), 63, 0] {
                var m: Float = 0
                for v in x where !v.isNaN { m = max(m, abs(v)) }
                let inv = 1 / m
                let expected = x.map { v -> Float in
                    let q = v * inv
                    return steps > 0 ? (q * steps).rounded() / steps : q
                }
                for variant in Self.variants {
                    var out = [Float](repeating: 7, count: n + 1)
                    var got: Float = -1
                    let ok = x.withUnsafeBufferPointer { x in
                        out.withUnsafeMutableBufferPointer { imprint_dac_row_variant(variant, x.baseAddress, n, steps, $0.baseAddress, &got) }
                    }
                    #expect(ok == 1)
                    #expect(got.bitPattern == m.bitPattern, "n \(n), variant \(variant)")
                    #expect(out[..<n].map(\.bitPattern) == expected.map(\.bitPattern), "n \(n), steps \(steps), variant \(variant)")
                    #expect(out[n] == 7, "n \(n), variant \(variant): wrote past the row")
                }
            }
        }
        // Rows of zeros (and −0) give m = 0 and zeros.
        let zeros: [Float] = [0, -0.0, 0]
        for variant in Self.variants {
            var out = [Float](repeating: 7, count: 3)
            var got: Float = -1
            _ = zeros.withUnsafeBufferPointer { z in
                out.withUnsafeMutableBufferPointer { imprint_dac_row_variant(variant, z.baseAddress, 3, 63, $0.baseAddress, &got) }
            }
            #expect(got == 0 && out == [0, 0, 0])
        }
    }

    @Test func adcClampsRoundsAndSumsAsSwiftDoesInEveryVariant() throws {
        let bound: Float = 12, steps: Float = 255
        let lsb = bound / steps
        for n in [1, 7, 8, 9, 15, 16, 17, 40, 64] {
            var rng = SplitMix64(seed: 100 + UInt64(n))
            let yt = (0..<n).map { i -> Float in
                switch i % 6 {
                case 0: return (Float(Int(rng.next() % 200)) - 100 + 0.5) * lsb   // near a tie after o / lsb
                case 1: return rng.uniform() * 40 - 20                                // some beyond ±bound
                case 2: return i % 12 == 2 ? .infinity : -.infinity
                case 3: return -0.0
                default: return rng.uniform() * 2 - 1
                }
            }
            let scale = (0..<n).map { _ in rng.uniform() + 0.5 }
            let start = (0..<n).map { _ in rng.uniform() - 0.5 }
            let s: Float = 0.37
            for quantise in [true, false] {
                let expected = (0..<n).map { j -> Float in
                    var o = yt[j]
                    if o > bound { o = bound } else if o < -bound { o = -bound }
                    if quantise { o = (o / lsb).rounded() * lsb }
                    return start[j] + o * s * scale[j]
                }
                for variant in Self.variants {
                    var y = start + [7]
                    let ok = yt.withUnsafeBufferPointer { yt in
                        scale.withUnsafeBufferPointer { sc in
                            y.withUnsafeMutableBufferPointer {
                                imprint_adc_row_variant(variant, yt.baseAddress, n, bound, quantise ? lsb : 0, s, sc.baseAddress,
                                                        $0.baseAddress)
                            }
                        }
                    }
                    #expect(ok == 1)
                    #expect(y[..<n].map(\.bitPattern) == expected.map(\.bitPattern), "n \(n), variant \(variant)")
                    #expect(y[n] == 7, "n \(n), variant \(variant): wrote past the row")
                }
            }
        }
    }

    /// A NaN output stays NaN through the clamp and the rounding.
    @Test func adcKeepsNaN() {
        for variant in Self.variants {
            var y: [Float] = [0]
            let yt: [Float] = [.nan], scale: [Float] = [1]
            _ = imprint_adc_row_variant(variant, yt, 1, 12, 12 / 255, 1, scale, &y)
            #expect(y[0].isNaN, "variant \(variant)")
        }
    }
}
