import DeviceSimulation
import Foundation
import Parallel

/// Bootstrap over devices: each replicate draws as many devices as the data hold, with replacement,
/// and refits. Draw j of replicate r comes from the Philox block at counter (j / 4, r, 0, purpose),
/// keyed by the seed: what a draw means, so the replicates are the same for any thread count.
enum Bootstrap {
    /// Counter word 3 of the bootstrap draws (apart from the simulator's purposes, which use words
    /// 0–2 for device, tile and trial).
    static let purpose: UInt32 = 0xB007 << 16

    /// The devices of replicate `r`, as indices into `population`.
    static func resample(_ population: [Int], replicate r: Int, seed: UInt64) -> [Int] {
        let n = population.count
        var out = [Int]()
        out.reserveCapacity(n)
        let key = SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        var j = 0
        while j < n {
            let block = Philox4x32.block(counter: SIMD4(UInt32(truncatingIfNeeded: j / 4), UInt32(truncatingIfNeeded: r), 0, purpose), key: key)
            for w in 0..<4 where j < n {
                // Lemire's multiply-shift: bias below n / 2³² per index.
                out.append(population[Int((UInt64(block[w]) &* UInt64(n)) >> 32)])
                j += 1
            }
        }
        return out
    }

    /// Standard error of each component of `estimate` over `replicates` resamples (NaN components of
    /// a replicate are skipped; nil where fewer than 2 replicates gave a number).
    static func standardErrors(population: [Int], replicates: Int, seed: UInt64, threads: Int,
                               _ estimate: @Sendable ([Int]) -> [Double]) -> [Double?] {
        guard replicates > 1 else { return [] }
        var results = [[Double]](repeating: [], count: replicates)
        results.withUnsafeMutableBufferPointer { out in
            let buffer = UncheckedBuffer(out)
            Parallelism(threads: threads).forEach(replicates, workPerItem: Parallelism.grain) { range in
                for r in range { buffer.base[r] = estimate(resample(population, replicate: r, seed: seed)) }
            }
        }
        let k = results.map(\.count).max() ?? 0
        return (0..<k).map { i in
            let v = results.compactMap { i < $0.count && $0[i].isFinite ? $0[i] : nil }
            guard v.count > 1 else { return nil }
            let m = v.reduce(0, +) / Double(v.count)
            return (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot()
        }
    }
}

/// A buffer each replicate writes its own element of (disjoint writes across threads).
struct UncheckedBuffer<T>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<T>
    init(_ base: UnsafeMutableBufferPointer<T>) { self.base = base }
}

/// Groups of devices by target: one group per distinct target when the targets are a few levels,
/// else `quantileBins` groups of equal size in target order.
struct TargetBins: Sendable {
    /// Bin of each device, −1 for devices left out.
    var bin: [Int]
    var count: Int
    /// Mean target of each bin (µS).
    var center_uS: [Double]

    static let maxLevels = 40
    static let quantileBins = 20

    /// `quantiles` forces equal-size bins (for continuous values such as programmed conductances).
    init(targets: [Double], include: (Int) -> Bool, quantiles: Bool = false) {
        let devices = targets.indices.filter(include)
        let distinct = Array(Set(devices.map { targets[$0] })).sorted()
        bin = [Int](repeating: -1, count: targets.count)
        if distinct.count <= Self.maxLevels && !quantiles {
            let index = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
            for d in devices { bin[d] = index[targets[d]]! }
            count = distinct.count
        } else {
            let sorted = devices.sorted { (targets[$0], $0) < (targets[$1], $1) }
            count = min(Self.quantileBins, sorted.count)
            for (rank, d) in sorted.enumerated() { bin[d] = rank * count / sorted.count }
        }
        var sum = [Double](repeating: 0, count: count), n = [Double](repeating: 0, count: count)
        for d in devices { sum[bin[d]] += targets[d]; n[bin[d]] += 1 }
        center_uS = zip(sum, n).map { $1 > 0 ? $0 / $1 : .nan }
    }

    /// Bins of equal width in ln value (`width` = 0.05: values within 5 % share a bin), for a
    /// continuous quantity whose fit is nonlinear in it (Q_s ∝ x^−p): a narrow bin makes the bin's
    /// mean of Q_s² the value at its mean x (the Jensen gap of a 5 % bin is ~0.03 %).
    init(logOf values: [Double], width: Double, include: (Int) -> Bool) {
        let devices = values.indices.filter { include($0) && values[$0] > 0 }
        bin = [Int](repeating: -1, count: values.count)
        let keys = devices.map { Int((log(values[$0]) / width).rounded(.down)) }
        let distinct = Array(Set(keys)).sorted()
        let index = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
        for (d, k) in zip(devices, keys) { bin[d] = index[k]! }
        count = distinct.count
        var sum = [Double](repeating: 0, count: count), n = [Double](repeating: 0, count: count)
        for d in devices { sum[bin[d]] += values[d]; n[bin[d]] += 1 }
        center_uS = zip(sum, n).map { $1 > 0 ? $0 / $1 : .nan }
    }

    /// The devices of `devices` (with repetitions) in each bin.
    func members(_ devices: [Int]) -> [[Int]] {
        var out = [[Int]](repeating: [], count: count)
        for d in devices where bin[d] >= 0 { out[bin[d]].append(d) }
        return out
    }
}
