import DeviceSimulation
import Foundation

/// Measured distributions against the fitted model, per target bin and read time: a two-sample
/// Kolmogorov–Smirnov test of the devices' time-point means against draws from the fitted model at
/// the same targets, times and read counts. Model draws rather than a closed-form CDF because the
/// PCM model (clamped programming, folded drift exponent, state-dependent read noise) has none.
enum GoodnessOfFit {
    /// Devices compared per cell, the first by device order: enough to see a 5 % error in σ, few
    /// enough that the test does not reject every model for differences no accuracy would show.
    static let maxDevicesPerCell = 1000
    /// Model draws per measured device.
    static let drawsPerDevice = 4
    /// Counter word 3 of the model draws.
    static let purpose: UInt32 = 0x6F17 << 16
    /// Cells with fewer devices are not tested.
    static let minimumDevices = 20

    /// Read times closer than 0.05 decade (12 %) share a cell, so tester clock jitter does not make a
    /// cell per device.
    static func timeKey(_ t: Double) -> Int { t > 0 ? Int((log10(t) * 20).rounded()) : Int.min }

    /// `sample(target, time, reads, stream)` draws one time-point mean from the fitted model.
    static func cells(_ data: CharacterisationData, bins: TargetBins, stuck: (Int) -> Bool, seed: UInt64,
                      sample: (Double, Double, Int, inout RandomStream) -> Double) -> [GoodnessOfFitCell] {
        struct Key: Hashable { var bin: Int; var time: Int }
        var members = [Key: [(device: Int, point: TimePoint)]]()
        for d in 0..<data.deviceCount where bins.bin[d] >= 0 && !stuck(d) {
            for p in data.points(of: d) {
                let k = Key(bin: bins.bin[d], time: timeKey(p.time_s))
                if members[k, default: []].count < maxDevicesPerCell { members[k, default: []].append((d, p)) }
            }
        }
        let key = SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        var out = [GoodnessOfFitCell]()
        for (k, cell) in members where cell.count >= minimumDevices {
            var measured = [Double](), model = [Double]()
            var meanT = 0.0
            for (d, p) in cell {
                measured.append(p.mean_uS)
                meanT += log(max(p.time_s, 1e-300))
                for j in 0..<drawsPerDevice {
                    var s = RandomStream(counter: SIMD4(UInt32(truncatingIfNeeded: d), UInt32(truncatingIfNeeded: k.time),
                                                        UInt32(j), purpose), key: key)
                    model.append(sample(data.targets_uS[d], p.time_s, p.reads, &s))
                }
            }
            let (ks, p) = twoSample(measured, model)
            func moments(_ v: [Double]) -> (Double, Double) {
                let m = v.reduce(0, +) / Double(v.count)
                return (m, (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(v.count - 1, 1))).squareRoot())
            }
            let (mm, ms) = moments(measured), (fm, fs) = moments(model)
            out.append(GoodnessOfFitCell(target_uS: bins.center_uS[k.bin], time_s: exp(meanT / Double(cell.count)), devices: cell.count,
                                         measuredMean_uS: mm, modelMean_uS: fm, measuredSigma_uS: ms, modelSigma_uS: fs,
                                         ks: ks, pValue: p, failed: false))
        }
        out.sort { ($0.target_uS, $0.time_s) < ($1.target_uS, $1.time_s) }
        let threshold = 0.05 / Double(max(out.count, 1))
        for i in out.indices { out[i].failed = out[i].pValue < threshold }
        return out
    }

    /// Two-sample KS statistic D and its asymptotic p-value (Kolmogorov's distribution with Stephens'
    /// small-sample correction, Numerical Recipes §14.3).
    static func twoSample(_ a: [Double], _ b: [Double]) -> (Double, Double) {
        let x = a.sorted(), y = b.sorted()
        var i = 0, j = 0, d = 0.0
        while i < x.count && j < y.count {
            let v = min(x[i], y[j])
            while i < x.count && x[i] <= v { i += 1 }
            while j < y.count && y[j] <= v { j += 1 }
            d = max(d, abs(Double(i) / Double(x.count) - Double(j) / Double(y.count)))
        }
        let ne = Double(x.count * y.count) / Double(x.count + y.count)
        let lambda = (ne.squareRoot() + 0.12 + 0.11 / ne.squareRoot()) * d
        return (d, kolmogorovQ(lambda))
    }

    /// Q_KS(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}.
    static func kolmogorovQ(_ lambda: Double) -> Double {
        guard lambda > 0.2 else { return 1 }
        var sum = 0.0, sign = 1.0
        for k in 1...100 {
            let term = sign * exp(-2 * Double(k * k) * lambda * lambda)
            sum += term
            if abs(term) < 1e-12 { break }
            sign = -sign
        }
        return min(max(2 * sum, 0), 1)
    }
}
