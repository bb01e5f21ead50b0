/// Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror & Shaw, "Parallel random
/// numbers: as easy as 1, 2, 3" (SC'11), with the Random123 constants.
///
/// A counter-based generator is a keyed bijection of a 128-bit counter: the numbers a device gets
/// depend only on the counter and key we give it, never on how many numbers other devices drew
/// before, so a hardware instance is the same whatever the thread count or evaluation order.
public enum Philox4x32 {
    /// Round multipliers (Random123 `PHILOX_M4x32_0`, `PHILOX_M4x32_1`).
    @usableFromInline static let m0: UInt32 = 0xD251_1F53
    @usableFromInline static let m1: UInt32 = 0xCD9E_8D57
    /// Weyl key increments: the golden ratio and √3 − 1 in 32-bit fixed point (Random123 `PHILOX_W32_0/1`).
    @usableFromInline static let w0: UInt32 = 0x9E37_79B9
    @usableFromInline static let w1: UInt32 = 0xBB67_AE85
    /// SC'11 Table 2: ten rounds is the Crush-resistant choice with a safety margin.
    public static let rounds = 10

    /// One block: four 32-bit outputs for a 128-bit counter and 64-bit key.
    @inlinable
    public static func block(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
        var c = counter
        var k = key
        for r in 0..<rounds {
            if r > 0 { k &+= SIMD2(w0, w1) }
            let p0 = UInt64(m0) &* UInt64(c[0])
            let p1 = UInt64(m1) &* UInt64(c[2])
            c = SIMD4(UInt32(truncatingIfNeeded: p1 >> 32) ^ c[1] ^ k[0],
                      UInt32(truncatingIfNeeded: p1),
                      UInt32(truncatingIfNeeded: p0 >> 32) ^ c[3] ^ k[1],
                      UInt32(truncatingIfNeeded: p0))
        }
        return c
    }
}
