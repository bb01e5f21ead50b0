/// Eight standard normals from four Philox blocks at once, by Box–Muller in 4-wide Float vectors:
/// the per-read noise path, which draws one normal per matrix-product output (≈ 17,000 per image
/// for the bundled CNN) and spent two thirds of a verify evaluation in `GaussianPair`'s scalar
/// logarithm, series and Double arithmetic (perf, CNN, `--read-noise per-read`). CKernels'
/// `read_noise.c` repeats this arithmetic operation for operation in 8-wide vectors for AVX2 and
/// AVX-512 CPUs; a change here must be made there too (ReadNoiseKernelTests compare the bits).
///
/// Block i (lane i of the word vectors, as `Philox4x32.blocks` returns them) gives the normals
/// (first[i], second[i]), like `GaussianPair.from` but not bit for bit its values:
/// - radius from word 0: u = (⌊w0 / 2⁹⌋ + ½)·2⁻²³, exact in Float and inside (0, 1); when
///   ⌊w0 / 2⁹⌋ = 0 (probability 2⁻²³) word 1 refines it to (⌊w1 / 2⁹⌋ + ½)·2⁻⁴⁶, so the smallest u
///   is 2⁻⁴⁷ and |z| reaches √(94 ln 2) ≈ 8.1 (one draw in 10¹⁵ would lie beyond);
/// - angle from word 2: its top two bits pick the quadrant, the next 23 the angle within it.
/// Word 3 is not used. The logarithm and the quarter-turn cosine and sine are series evaluated
/// in Float (no library calls), accurate to a few units in the last place (tested against Double).
public enum GaussianQuads {
    @inlinable
    public static func normals(_ w0: SIMD4<UInt32>, _ w1: SIMD4<UInt32>,
                               _ w2: SIMD4<UInt32>) -> (first: SIMD4<Float>, second: SIMD4<Float>) {
        // 23-bit integers convert exactly through Int32 (a signed conversion, one instruction).
        let coarse = SIMD4<Float>(SIMD4<Int32>(truncatingIfNeeded: w0 &>> 9))
        let fine = SIMD4<Float>(SIMD4<Int32>(truncatingIfNeeded: w1 &>> 9))
        let u = ((coarse + 0.5) * 0x1p-23).replacing(with: (fine + 0.5) * 0x1p-46, where: coarse .== 0)
        let r = (-2 * naturalLog(u)).squareRoot()
        let quadrant = w2 &>> 30
        let steps = SIMD4<Float>(SIMD4<Int32>(truncatingIfNeeded: (w2 &>> 7) & 0x7F_FFFF))
        let (c, s) = quarterTurnCosSin((steps + 0.5) * (0x1p-23 * Float.pi / 2))
        // θ = (quadrant + φ/(π/2))·π/2: (cos θ, sin θ) is (c, s), (−s, c), (−c, −s) or (s, −c).
        let odd = (quadrant & 1) .!= 0
        let a = c.replacing(with: s, where: odd), b = s.replacing(with: c, where: odd)
        let first = r * a.replacing(with: -a, where: (quadrant .== 1) .| (quadrant .== 2))
        let second = r * b.replacing(with: -b, where: quadrant .>= 2)
        return (first, second)
    }

    /// ln u for 0 < u ≤ 1 (normal Floats): u = 2ᵉ·m with m in [√½, √2), ln m = 2·atanh(t) with
    /// t = (m − 1)/(m + 1), |t| ≤ 0.172, through t⁹ (the next term is below 4·10⁻¹⁰).
    @inlinable
    static func naturalLog(_ u: SIMD4<Float>) -> SIMD4<Float> {
        let bits = unsafeBitCast(u, to: SIMD4<UInt32>.self)
        var exponent = SIMD4<Int32>(truncatingIfNeeded: bits &>> 23) &- 127
        var m = unsafeBitCast((bits & 0x7F_FFFF) | 0x3F80_0000, to: SIMD4<Float>.self)
        let high = m .> 1.414_213_5
        m = m.replacing(with: m * 0.5, where: high)
        exponent = exponent.replacing(with: exponent &+ 1, where: high)
        let t = (m - 1) / (m + 1), t2 = t * t
        var p: SIMD4<Float> = SIMD4(repeating: 1.0 / 9)
        p = p * t2 + 1.0 / 7
        p = p * t2 + 1.0 / 5
        p = p * t2 + 1.0 / 3
        p = p * t2 + 1
        return SIMD4<Float>(exponent) * 0.693_147_18 + 2 * t * p
    }

    /// cos φ and sin φ for φ in [0, π/2]: Taylor series through φ¹² and φ¹³ (first omitted terms
    /// below 7·10⁻¹⁰).
    @inlinable
    static func quarterTurnCosSin(_ phi: SIMD4<Float>) -> (SIMD4<Float>, SIMD4<Float>) {
        let x2 = phi * phi
        var c: SIMD4<Float> = SIMD4(repeating: 1.0 / 479_001_600)
        c = c * x2 - 1.0 / 3_628_800
        c = c * x2 + 1.0 / 40_320
        c = c * x2 - 1.0 / 720
        c = c * x2 + 1.0 / 24
        c = c * x2 - 1.0 / 2
        c = c * x2 + 1
        var s: SIMD4<Float> = SIMD4(repeating: 1.0 / 6_227_020_800)
        s = s * x2 - 1.0 / 39_916_800
        s = s * x2 + 1.0 / 362_880
        s = s * x2 - 1.0 / 5_040
        s = s * x2 + 1.0 / 120
        s = s * x2 - 1.0 / 6
        s = phi + phi * x2 * s
        return (c, s)
    }
}
