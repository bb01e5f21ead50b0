import Foundation

/// Stuck devices: a device whose first read (PCM: the reference read) lies more than `cut` robust σ
/// from its target bin's distribution is stuck, low or high by the side it is on. A device stuck
/// at a rail close to its target cannot be told from a working one, so the rates are counted only
/// over the bins where a device at that rail would have been caught; the rate is then unbiased as
/// long as sticking does not depend on the target.
struct StuckDetection: Sendable {
    /// −1 stuck low, +1 stuck high, 0 not stuck, per device.
    var state: [Int8]
    var lowDetectable: [Bool]
    var highDetectable: [Bool]

    /// 6 robust σ: far outside the 5σ trimming of `RobustMoments`, so the two never disagree about
    /// a working device.
    static let cut = 6.0

    /// `first[d]`: the value judged; `rails`: where stuck devices sit when none was found to say so
    /// (the spec's g_min and g_max).
    init(first: [Double?], targets: [Double], bins: TargetBins, rails: (low: Double, high: Double)) {
        let n = targets.count
        state = [Int8](repeating: 0, count: n)
        lowDetectable = [Bool](repeating: false, count: n)
        highDetectable = [Bool](repeating: false, count: n)
        var centre = [(median: Double, mad: Double)?](repeating: nil, count: bins.count)
        for (b, members) in bins.members(Array(0..<n)).enumerated() {
            let d = members.compactMap { i in first[i].map { $0 - targets[i] } }
            // A bin piled up at the low rail (PCM's RESET targets: half the devices read 0) is not
            // a distribution whose tails say anything; nothing there is judged stuck.
            let atRail = members.filter { i in first[i].map { $0 <= rails.low } ?? false }.count
            guard d.count >= 10, Double(atRail) <= 0.01 * Double(d.count) else { continue }
            let sorted = d.sorted(), median = Quantiles.sortedQuantile(sorted, 0.5)
            let mad = 1.4826 * Quantiles.quantile(sorted.map { abs($0 - median) }, 0.5)
            guard mad > 0 else { continue }
            centre[b] = (median, mad)
            for i in members {
                guard let v = first[i] else { continue }
                let z = (v - targets[i] - median) / mad
                if abs(z) > Self.cut { state[i] = z < 0 ? -1 : 1 }
            }
        }
        func median(_ side: Int8) -> Double? {
            let v = (0..<n).compactMap { state[$0] == side ? first[$0] : nil }
            return v.isEmpty ? nil : Quantiles.quantile(v, 0.5)
        }
        let low = median(-1) ?? rails.low, high = median(1) ?? rails.high
        for i in 0..<n where bins.bin[i] >= 0 {
            guard let c = centre[bins.bin[i]] else { continue }
            lowDetectable[i] = (low - targets[i] - c.median) / c.mad < -Self.cut
            highDetectable[i] = (high - targets[i] - c.median) / c.mad > Self.cut
        }
    }

    /// Stuck-low and stuck-high fractions among `devices` (with repetitions), each over the devices
    /// of bins where that rail is detectable; 0 where no bin is.
    func rates(_ devices: [Int]) -> (low: Double, high: Double) {
        var low = 0, lowN = 0, high = 0, highN = 0
        for d in devices {
            if lowDetectable[d] { lowN += 1; if state[d] < 0 { low += 1 } }
            if highDetectable[d] { highN += 1; if state[d] > 0 { high += 1 } }
        }
        return (lowN > 0 ? Double(low) / Double(lowN) : 0, highN > 0 ? Double(high) / Double(highN) : 0)
    }
}
