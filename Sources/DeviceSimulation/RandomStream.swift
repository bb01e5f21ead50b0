import Foundation

/// What a run of random numbers is for. Each purpose of each device has its own counter range, so
/// adding a draw to one model (say, one more normal per pulse) never shifts the numbers another
/// model sees. Reads and relaxation steps are keyed by their time's value (`TileKey.at(time:)`), so it never depends on
/// which other times were evaluated.
public struct RandomPurpose: Sendable, Hashable {
    /// 12-bit code in the top of counter word 3; the low 20 bits count blocks within the purpose.
    public let code: UInt32

    public static let programming = RandomPurpose(code: 1)
    public static let drift = RandomPurpose(code: 2)
    public static let stuck = RandomPurpose(code: 3)
    /// Pulse-level program-verify: per-device factors, per-pulse steps, verify reads.
    public static let pulses = RandomPurpose(code: 4)
    /// The statistical RRAM mode's success/pulse estimate.
    public static let estimate = RandomPurpose(code: 5)
    /// The increment of log-time relaxation up to one time, drawn from the key `TileKey.at(time:)`.
    public static let relaxation = RandomPurpose(code: 0x400)
    /// The frozen read at one time, drawn from the key `TileKey.at(time:)` of that time.
    public static let read = RandomPurpose(code: 0x800)
}

/// The part of a device's random key shared by a tile: a trial is one programmed chip.
public struct TileKey: Sendable, Hashable {
    public var seed: UInt64
    public var trial: UInt32
    public var tile: UInt32

    public init(seed: UInt64, trial: Int, tile: Int) {
        self.seed = seed
        self.trial = UInt32(truncatingIfNeeded: trial)
        self.tile = UInt32(truncatingIfNeeded: tile)
    }

    /// The stream of one device (its index in the tile's packed target array) for one purpose.
    @inlinable
    public func stream(device: Int, purpose: RandomPurpose) -> RandomStream {
        RandomStream(counter: SIMD4(UInt32(truncatingIfNeeded: device), tile, trial, purpose.code << 20),
                     key: SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
    }

    /// The first Philox block of a device's stream for `purpose`: the four words `stream(device:purpose:)`
    /// would hand out first, without the stream's buffering, for hot loops that need one block per device.
    @inlinable
    public func firstBlock(device: Int, purpose: RandomPurpose) -> SIMD4<UInt32> {
        Philox4x32.block(counter: SIMD4(UInt32(truncatingIfNeeded: device), tile, trial, purpose.code << 20),
                         key: SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
    }
}

extension TileKey {
    /// The key of the draws tied to a time `t_s` seconds after programming (frozen reads, relaxation
    /// steps): the seed mixed (SplitMix64, Steele et al. 2014) with the time's bit pattern, so a draw
    /// is keyed by the time's value, never by its place in a list of times, and different times are
    /// independent streams.
    public func at(time t_s: Double) -> TileKey {
        var z = seed ^ ((t_s == 0 ? 0 : t_s).bitPattern &* 0x9E37_79B9_7F4A_7C15)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        var key = self
        key.seed = z ^ (z >> 31)
        return key
    }

    /// `firstBlock` of devices `device + i·stride`, i = 0…3, at once (`Philox4x32.blocks`): lane i
    /// of each returned word vector belongs to device `device + i·stride`.
    @inlinable
    public func firstBlocks(devices device: Int, stride: Int = 1, purpose: RandomPurpose)
        -> (SIMD4<UInt32>, SIMD4<UInt32>, SIMD4<UInt32>, SIMD4<UInt32>) {
        let d = UInt32(truncatingIfNeeded: device), s = UInt32(truncatingIfNeeded: stride)
        return Philox4x32.blocks(word0: SIMD4(d, d &+ s, d &+ 2 &* s, d &+ 3 &* s), word1: tile, word2: trial, word3: purpose.code << 20,
                                 key: SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
    }
}

/// Two independent standard normals from one Philox block (all four words), by Box–Muller.
///
/// Words 0–1 and 2–3 make two 53-bit uniforms, as in `RandomStream.uniform()`, then rounded to
/// Float for `logf`, which costs a fraction of `log`, and the angle's cosine and sine come from a
/// quadrant and a short series (`quarterTurnCosSin`). Float's
/// exponent range keeps the smallest uniform (2⁻⁵⁴) and its relative precision, so the tails still
/// reach |z| ≤ 8.6 as `RandomStream.normal()` does; rounding a uniform near 1 moves r² by at most
/// 6·10⁻⁸, i.e. z by under 10⁻⁴ even at |z| = 10⁻³. One block,
/// one logarithm and one angle give two normals: a PCM device's programming error and drift
/// exponent, or the frozen read noise of two neighbouring devices.
public enum GaussianPair {
    @inlinable
    public static func from(_ w: SIMD4<UInt32>) -> (Float, Float) {
        let bits = ((UInt64(w[0]) << 32) | UInt64(w[1])) >> 11
        let u1 = Float((Double(bits) + 0.5) * 0x1p-53)
        let r = (-2 * Foundation.log(u1)).squareRoot()
        let angleBits = ((UInt64(w[2]) << 32) | UInt64(w[3])) >> 11
        // θ = 2π·u₂ = (q + f)·π/2: the top two bits pick the quadrant, the other 51 the angle in it.
        let quadrant = angleBits >> 51
        let phi = (Double(angleBits & ((1 << 51) - 1)) + 0.5) * 0x1p-51 * (Double.pi / 2)
        let (c, s) = quarterTurnCosSin(phi)
        let rd = Double(r)
        switch quadrant {
        case 0: return (Float(rd * c), Float(rd * s))
        case 1: return (Float(-rd * s), Float(rd * c))
        case 2: return (Float(-rd * c), Float(-rd * s))
        default: return (Float(rd * s), Float(-rd * c))
        }
    }

    /// cos φ and sin φ for φ in [0, π/2] from their Taylor series through φ¹⁴ and φ¹³: the first
    /// omitted terms are below (π/2)¹⁵/15! ≈ 7·10⁻¹⁰, far under the Float the normals are stored
    /// in, and a few multiply-adds cost less than `sinf` plus `cosf`, which glibc does not fuse.
    @inlinable
    static func quarterTurnCosSin(_ phi: Double) -> (Double, Double) {
        let x2 = phi * phi
        var c = 1.0 / 87_178_291_200                  // 1/14!
        c = c * x2 - 1.0 / 479_001_600                 // 1/12!
        c = c * x2 + 1.0 / 3_628_800                   // 1/10!
        c = c * x2 - 1.0 / 40_320                      // 1/8!
        c = c * x2 + 1.0 / 720
        c = c * x2 - 1.0 / 24
        c = c * x2 + 1.0 / 2
        c = 1 - c * x2
        var s = 1.0 / 6_227_020_800                    // 1/13!
        s = s * x2 - 1.0 / 39_916_800                  // 1/11!
        s = s * x2 + 1.0 / 362_880                     // 1/9!
        s = s * x2 - 1.0 / 5_040
        s = s * x2 + 1.0 / 120
        s = s * x2 - 1.0 / 6
        s = phi + phi * x2 * s
        return (c, s)
    }
}

/// Uniform and standard-normal numbers from Philox blocks at consecutive counters.
///
/// Counter layout (words 0…3): device, tile, trial, purpose << 20 | block. The seed is the key.
/// A stream holds at most 2^20 blocks (4 M words) per device and purpose, far more than the longest
/// program-verify run needs.
public struct RandomStream: Sendable {
    @usableFromInline var counter: SIMD4<UInt32>
    @usableFromInline let key: SIMD2<UInt32>
    @usableFromInline var buffer: SIMD4<UInt32> = .zero
    @usableFromInline var used: Int = 4
    @usableFromInline var spareNormal: Double = 0
    @usableFromInline var hasSpare = false

    @inlinable
    public init(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) {
        self.counter = counter
        self.key = key
    }

    @inlinable
    public mutating func nextUInt32() -> UInt32 {
        if used == 4 {
            buffer = Philox4x32.block(counter: counter, key: key)
            counter[3] &+= 1
            used = 0
        }
        defer { used += 1 }
        return buffer[used]
    }

    /// Uniform on the open interval (0, 1) with 53 random bits: (k + ½)·2⁻⁵³, so ln u is always finite.
    @inlinable
    public mutating func uniform() -> Double {
        let hi = UInt64(nextUInt32()), lo = UInt64(nextUInt32())
        let bits = ((hi << 32) | lo) >> 11
        return (Double(bits) + 0.5) * 0x1p-53
    }

    /// Standard normal by the Box–Muller transform, which is exact (no tail truncation beyond the
    /// 2⁻⁵⁴ floor of the uniform, i.e. |z| ≤ 8.6). Normals come in pairs; the second is kept.
    @inlinable
    public mutating func normal() -> Double {
        if hasSpare { hasSpare = false; return spareNormal }
        let u1 = uniform(), u2 = uniform()
        let r = (-2 * Foundation.log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        spareNormal = r * Foundation.sin(theta)
        hasSpare = true
        return r * Foundation.cos(theta)
    }
}
