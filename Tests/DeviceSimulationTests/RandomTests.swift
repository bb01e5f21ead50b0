import Foundation
import Testing
@testable import DeviceSimulation

@Suite struct PhiloxTests {
    /// Known-answer vectors of Philox4x32-10 from Random123's `kat_vectors`, as reproduced in
    /// DEShawResearch/fs123, `core123/ut/ut_philox.cpp` (test_kat_philox4x32): counter words, key
    /// words, expected output.
    @Test(arguments: [
        ([0, 0, 0, 0] as [UInt32], [0, 0] as [UInt32], [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8] as [UInt32]),
        ([0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff], [0xffff_ffff, 0xffff_ffff],
         [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]),
        ([0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344], [0xa409_3822, 0x299f_31d0],
         [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]),
    ])
    func knownAnswers(counter: [UInt32], key: [UInt32], expected: [UInt32]) {
        let out = Philox4x32.block(counter: SIMD4(counter[0], counter[1], counter[2], counter[3]), key: SIMD2(key[0], key[1]))
        #expect([out[0], out[1], out[2], out[3]] == expected)
    }
}

@Suite struct RandomStreamTests {
    let key = TileKey(seed: 12345, trial: 3, tile: 7)

    @Test func sameKeySameNumbersWhateverTheOrder() {
        let forward = (0..<1000).map { d -> Double in var s = key.stream(device: d, purpose: .programming); return s.normal() }
        var backward = [Double](repeating: 0, count: 1000)
        for d in (0..<1000).reversed() { var s = key.stream(device: d, purpose: .programming); backward[d] = s.normal() }
        #expect(forward == backward)
    }

    /// Streams that differ in one key field are uncorrelated: |r| < 4/√n for n pairs.
    @Test(arguments: ["seed", "trial", "tile", "device", "purpose", "time"])
    func differentKeysAreUncorrelated(field: String) {
        let n = 20_000
        var a = [Double](), b = [Double]()
        for d in 0..<n {
            let first = key.at(time: 3600)
            var s1 = first.stream(device: d, purpose: .read)
            var other = first, device = d, purpose = RandomPurpose.read
            switch field {
            case "seed": other.seed += 1
            case "trial": other.trial += 1
            case "tile": other.tile += 1
            case "device": device = d + n
            case "purpose": purpose = .drift
            default: other = key.at(time: 86_400)
            }
            var s2 = other.stream(device: device, purpose: purpose)
            a.append(s1.normal()); b.append(s2.normal())
        }
        let ma = Moments(a), mb = Moments(b)
        let r = zip(a, b).reduce(0.0) { $0 + ($1.0 - ma.mean) * ($1.1 - mb.mean) } / (Double(n - 1) * ma.sigma * mb.sigma)
        #expect(abs(r) < 4 / Double(n).squareRoot())
    }

    @Test func uniformIsOpenAndUnbiased() {
        var s = key.stream(device: 0, purpose: .stuck)
        let u = (0..<200_000).map { _ in s.uniform() }
        #expect(u.allSatisfy { $0 > 0 && $0 < 1 })
        let m = Moments(u)
        #expect(abs(m.mean - 0.5) < 4 * m.meanError)
        #expect(abs(m.variance - 1.0 / 12) < 4 * (1.0 / 12) * (0.8 / 200_000).squareRoot() * 2)
        #expect(ksStatistic(Array(u.prefix(20_000)), cdf: { $0 }) < 1.36 / 20_000.0.squareRoot())
    }

    /// Mean 0 ± 4 SE, variance 1 ± 4·√(2/n), and KS D < 1.36/√n (α = 0.05) against Φ.
    @Test func normalMomentsAndKolmogorovSmirnov() {
        let n = 100_000
        var s = key.stream(device: 42, purpose: .drift)
        let z = (0..<n).map { _ in s.normal() }
        let m = Moments(z)
        #expect(abs(m.mean) < 4 / Double(n).squareRoot())
        #expect(abs(m.variance - 1) < 4 * (2.0 / Double(n)).squareRoot())
        #expect(abs(m.kurtosis - 3) < 4 * (24.0 / Double(n)).squareRoot())
        #expect(ksStatistic(z, cdf: normalCDF) < 1.36 / Double(n).squareRoot())
    }
}
