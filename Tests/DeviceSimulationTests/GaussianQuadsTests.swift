import Foundation
import Testing
@testable import DeviceSimulation

/// The vectorised normals of per-read noise (`GaussianQuads`), against Double-precision references
/// and the standard normal distribution.
@Suite struct GaussianQuadsTests {
    /// Philox blocks with distinct counters, as the read-noise path draws them.
    static func draws(_ count: Int) -> [Double] {
        var z = [Double]()
        z.reserveCapacity(count)
        let key = SIMD2<UInt32>(0x1234_5678, 0x9ABC_DEF0)
        var pair: UInt32 = 0
        while z.count < count {
            let (w0, w1, w2, _) = Philox4x32.blocks(word0: SIMD4(0, 1, 2, 3) &+ pair, word1: 7, word2: 11, word3: 0, key: key)
            pair &+= 4
            let (a, b) = GaussianQuads.normals(w0, w1, w2)
            for i in 0..<4 { z.append(Double(a[i])); z.append(Double(b[i])) }
        }
        return z
    }

    /// Mean 0 ± 4 SE, variance 1 ± 4·√(2/n), kurtosis 3 ± 4·√(24/n), KS D < 1.36/√n (α = 0.05) against Φ.
    @Test func normalMomentsAndKolmogorovSmirnov() {
        let n = 200_000
        let z = Self.draws(n)
        let m = Moments(z)
        #expect(abs(m.mean) < 4 / Double(n).squareRoot())
        #expect(abs(m.variance - 1) < 4 * (2.0 / Double(n)).squareRoot())
        #expect(abs(m.kurtosis - 3) < 4 * (24.0 / Double(n)).squareRoot())
        #expect(ksStatistic(z, cdf: normalCDF) < 1.36 / Double(n).squareRoot())
    }

    /// The two normals of a block are uncorrelated (|r| < 4/√n), and so are neighbouring blocks'.
    @Test func pairsAreUncorrelated() {
        let z = Self.draws(200_000)
        let n = z.count / 2
        let firsts = stride(from: 0, to: z.count, by: 2).map { z[$0] }, seconds = stride(from: 1, to: z.count, by: 2).map { z[$0] }
        let r = zip(firsts, seconds).reduce(0.0) { $0 + $1.0 * $1.1 } / Double(n)
        #expect(abs(r) < 4 / Double(n).squareRoot())
        let lagged = zip(firsts.dropFirst(), firsts).reduce(0.0) { $0 + $1.0 * $1.1 } / Double(n - 1)
        #expect(abs(lagged) < 4 / Double(n - 1).squareRoot())
    }

    /// Box–Muller by hand in Double from the same words: u = (⌊w0/2⁹⌋ + ½)·2⁻²³, θ from word 2.
    @Test func matchesDoublePrecisionBoxMuller() {
        let words: [(UInt32, UInt32, UInt32)] = [(0xFFFF_FFFF, 0, 0x0000_0000), (0x8000_0000, 5, 0x4000_0000),
                                                 (0x1234_5678, 9, 0x8765_4321), (0x0000_0200, 1, 0xC000_0080),
                                                 (0xDEAD_BEEF, 3, 0x3FFF_FFFF), (0x0000_01FF, 0x0000_0400, 0xFFFF_FFFF)]
        for (w0, w1, w2) in words {
            let (a, b) = GaussianQuads.normals(SIMD4(repeating: w0), SIMD4(repeating: w1), SIMD4(repeating: w2))
            let coarse = Double(w0 >> 9)
            let u = coarse == 0 ? (Double(w1 >> 9) + 0.5) * 0x1p-46 : (coarse + 0.5) * 0x1p-23
            let theta = (Double(w2 >> 30) + (Double((w2 >> 7) & 0x7F_FFFF) + 0.5) * 0x1p-23) * Double.pi / 2
            let r = (-2 * Foundation.log(u)).squareRoot()
            let tolerance = 4e-7 * max(r, 1)
            #expect(abs(Double(a[0]) - r * cos(theta)) < tolerance, "words \(w0), \(w1), \(w2)")
            #expect(abs(Double(b[0]) - r * sin(theta)) < tolerance, "words \(w0), \(w1), \(w2)")
        }
    }

    /// The Float logarithm over (0, 1], including the smallest u the radius can take (2⁻⁴⁷):
    /// within 2 units of Float's precision of ln u, or 1.2·10⁻⁷ absolute near u = 1.
    @Test func logarithmIsAccurate() {
        var u: [Float] = [0x1p-47, 0x1p-23, 0.5, 0.707_106_7, 0.707_106_8, 0.999_999_9, 1, 1.414_213_5 / 2]
        var s: UInt64 = 7
        for _ in 0..<4000 {
            s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            u.append(Float((s >> 40) + 1) * 0x1p-24 * Float(sign: .plus, exponent: -Int((s >> 8) % 40), significand: 1))
        }
        for chunk in stride(from: 0, to: u.count - 3, by: 4) {
            let v = SIMD4(u[chunk], u[chunk + 1], u[chunk + 2], u[chunk + 3])
            let got = GaussianQuads.naturalLog(v)
            for i in 0..<4 {
                let exact = Foundation.log(Double(v[i]))
                #expect(abs(Double(got[i]) - exact) <= max(2 * Double(Float.ulpOfOne) * abs(exact), 1.2e-7), "u = \(v[i])")
            }
        }
    }
}
