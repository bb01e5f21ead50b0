import Devices
import Foundation

/// One PCM device reduced to what the fit needs, computed once from its time points.
struct PCMDevice: Sendable {
    var target_uS: Double
    /// Mean of the reads at T = t0 (the reference read) and how many; nil without a read at t0.
    var reference_uS: Double?
    var referenceReads: Int
    /// The device's conductance at t0 from its drift regression (all its reads, so far less noisy
    /// than the reference read alone); the reference read where there is no regression.
    var programmed_uS: Double?
    /// −slope of the weighted log-log regression of the reads against T / t0: the drift exponent ν̂.
    var nu: Double = .nan
    /// 1 / Σ w (u − ū)²: var(ν̂) per unit of relative read-noise variance (Q²).
    var nuVariancePerQ2: Double = .nan
    /// Weighted residual variance of that regression (used when there are no repeated reads).
    var residualVariance: Double = .nan
    /// Σ (n − 1) s² / (ḡ² f²) and Σ (n − 1) over time points with repeated reads: the pooled Q_s².
    var q2Sum = 0.0
    var q2Dof = 0.0
    /// Σ (n − 1) · 3 s²/(n ḡ²): the ratio bias of q2Sum, divided out per bin.
    var q2Correction = 0.0
    /// −1 stuck low, +1 stuck high, 0 not stuck.
    var stuck: Int8 = 0
}

/// The PCM fit (devices.md §1): σ_prog(x), the clamped-log drift statistics, 1/f read noise, g_max
/// and stuck rates from characterisation reads, each with a bootstrap standard error over devices.
struct PCMFit {
    let data: CharacterisationData
    let options: FitOptions
    let base: PCMModel
    let t0_s: Double
    let tRead_s: Double

    /// Targets below this fraction of g_max are left out of the drift and read-noise fits: their
    /// reads sit at a few tenths of a µS where the clamp at 0 and read quantisation dominate.
    static let minimumX = 0.01
    /// Quantile of the reference reads at the top target that defines g_max (the default).
    static let gMaxQuantile = 0.995

    /// sqrt(ln((T + t_read) / (2 t_read))) at read time T = t + t0 (devices.md §1).
    func timeFactor(_ T: Double) -> Double { max(log((T + tRead_s) / (2 * tRead_s)), 0).squareRoot() }

    func summarise() -> [PCMDevice] {
        let quantisation = data.readStep_uS.map { $0 * $0 / 12 } ?? 0
        return (0..<data.deviceCount).map { d in
            let points = data.points(of: d)
            var dev = PCMDevice(target_uS: data.targets_uS[d], reference_uS: nil, referenceReads: 0)
            if let first = points.first, abs(first.time_s - t0_s) <= 1e-9 * t0_s {
                dev.reference_uS = first.mean_uS
                dev.referenceReads = first.reads
            }
            var sw = 0.0, su = 0.0, sy = 0.0, suu = 0.0, suy = 0.0, syy = 0.0, k = 0
            for p in points {
                let f = timeFactor(p.time_s)
                if p.reads > 1, p.mean_uS > 0, f > 0 {
                    // s²/ḡ² overestimates σ²/g² by the factor E[g²/ḡ²] ≈ 1 + 3σ²/(n g²) (s² and ḡ are
                    // independent for normal reads); quantised reads gain step²/12 of variance (Sheppard).
                    // Pooled per bin and divided out there, from the pooled value (a per-point plug-in
                    // would over-correct: R/(1 + 3R/n) is concave in the noisy R).
                    let relative = max(p.variance_uS2 - quantisation, 0) / (p.mean_uS * p.mean_uS)
                    dev.q2Sum += Double(p.reads - 1) * relative / (f * f)
                    dev.q2Correction += Double(p.reads - 1) * 3 * relative / Double(p.reads)
                    dev.q2Dof += Double(p.reads - 1)
                }
                guard p.mean_uS > 0, f > 0 else { continue }
                // Relative read noise of a mean of n reads is Q f / √n: weight n / f².
                let w = Double(p.reads) / (f * f), u = log(p.time_s / t0_s), y = log(p.mean_uS)
                sw += w; su += w * u; sy += w * y; suu += w * u * u; suy += w * u * y; syy += w * y * y
                k += 1
            }
            let allPositive = points.allSatisfy { $0.mean_uS > 0 }
            let sxx = suu - su * su / max(sw, .leastNonzeroMagnitude)
            if allPositive, k >= 2, sxx > 0 {
                let slope = (suy - su * sy / sw) / sxx
                dev.nu = -slope
                dev.programmed_uS = exp((sy - slope * su) / sw)
                dev.nuVariancePerQ2 = 1 / sxx
                if k >= 3 {
                    let syyc = syy - sy * sy / sw
                    dev.residualVariance = max(syyc - slope * slope * sxx, 0) / Double(k - 2)
                }
            }
            if dev.programmed_uS == nil { dev.programmed_uS = dev.reference_uS }
            return dev
        }
    }

    /// g_max: `options.gMax_uS`, else the 99.5th percentile of the trimmed reference reads at the top target.
    static func gMax(_ devices: [PCMDevice], members: [Int], top: Double) -> Double {
        let refs = members.compactMap { devices[$0].target_uS == top ? devices[$0].reference_uS : nil }
        guard !refs.isEmpty else { return .nan }
        let sorted = refs.sorted()
        let median = Quantiles.sortedQuantile(sorted, 0.5)
        let mad = 1.4826 * Quantiles.quantile(sorted.map { abs($0 - median) }, 0.5)
        let kept = sorted.filter { mad == 0 || abs($0 - median) <= StuckDetection.cut * mad }
        return Quantiles.sortedQuantile(kept, gMaxQuantile)
    }
}

/// The fitted PCM constants of one set of devices (the data or a bootstrap replicate).
struct PCMEstimate {
    var readNoise: PCMReadNoise
    var readNoiseFitted: Bool
    var qFit: ClampedLineFit?
    var driftMean: ClampedLineFit?
    var driftStd: ClampedLineFit?
    var sigmaCoefficients: [Double]
    var stuckLow: Double
    var stuckHigh: Double
    var evidence: FitEvidence

    /// Fixed across replicates: bins, g_max, degree, and the context of the fit.
    struct Context: Sendable {
        var devices: [PCMDevice]
        var bins: TargetBins
        var gMax_uS: Double
        var degree: Int
        var base: PCMModel
        var t0_s: Double
        var referenceTimeFactor: Double
        var stuck: StuckDetection
        /// Bins of programmed conductance for the read noise: working devices with repeated reads
        /// whose target is at least `PCMFit.minimumX` of g_max.
        var readNoiseBins: TargetBins
    }

    init(_ c: Context, members devices: [Int]) {
        let byBin = c.bins.members(devices)
        let dev = c.devices
        var evidence = FitEvidence()

        // 1. Read noise: pooled Q_s² per bin of programmed conductance (bins of the programmed value,
        // not the target, so Q_s's curvature is not averaged over each target's σ_prog spread).
        var qPoints = [WeightedPoint]()
        for (b, m) in c.readNoiseBins.members(devices).enumerated() {
            var sum = 0.0, dof = 0.0, correction = 0.0
            for i in m { sum += dev[i].q2Sum; dof += dev[i].q2Dof; correction += dev[i].q2Correction }
            let x = c.readNoiseBins.center_uS[b] / c.gMax_uS
            guard dof >= 10, sum > 0, x > 0 else { continue }
            let q = (sum / dof / (1 + correction / dof)).squareRoot()
            qPoints.append(WeightedPoint(x: log(x), y: log(q), weight: 2 * dof))
            evidence.readNoise.append(BinnedValue(x: x * c.gMax_uS, value: q, standardError: q / (2 * dof).squareRoot(), devices: m.count))
        }
        var readNoise = c.base.readNoise
        qFit = ClampedLineFit.fit(qPoints, allowLeft: true, allowRight: false)
        if let f = qFit {
            readNoise.qCoefficient = exp(f.intercept)
            readNoise.qExponent = -f.slope
            let lowestU = qPoints.map(\.x).min()!
            readNoise.qMax = f.leftIdentified ? exp(f.left) : max(c.base.readNoise.qMax, exp(f.slope * lowestU + f.intercept))
            readNoiseFitted = true
        } else {
            readNoiseFitted = false
        }
        self.readNoise = readNoise
        let q = readNoise
        func qAt(_ reference: Double) -> Double { q.q(x: reference / c.gMax_uS) }

        // 2. Drift: folded-normal moments of ν̂ per bin, corrected for the regression's own noise.
        var muPoints = [WeightedPoint](), sdPoints = [WeightedPoint]()
        for (b, m) in byBin.enumerated() where c.bins.center_uS[b] / c.gMax_uS >= PCMFit.minimumX {
            var nus = [Double](), v = [Double]()
            for i in m where dev[i].stuck == 0 && dev[i].nu.isFinite {
                let perQ2 = dev[i].nuVariancePerQ2
                let noise = readNoiseFitted ? qAt(dev[i].programmed_uS ?? dev[i].target_uS) * qAt(dev[i].programmed_uS ?? dev[i].target_uS) * perQ2
                                            : dev[i].residualVariance * perQ2
                guard noise.isFinite else { continue }
                nus.append(dev[i].nu); v.append(noise)
            }
            guard nus.count >= 10 else { continue }
            let r = RobustMoments(nus)
            let n = Double(r.kept), meanNoise = v.reduce(0, +) / Double(v.count)
            let m2 = r.variance * (n - 1) / n + r.mean * r.mean - meanNoise
            let (mu, sd) = FoldedNormal.parameters(m1: r.mean, m2: m2)
            let x = max(c.bins.center_uS[b] / c.gMax_uS, c.base.driftXFloor)
            let total = max(sd * sd + meanNoise, 1e-12)
            muPoints.append(WeightedPoint(x: log(x), y: mu, weight: n / total))
            sdPoints.append(WeightedPoint(x: log(x), y: sd, weight: 2 * n * max(sd * sd, 1e-8) / (total * total)))
            evidence.driftMean.append(BinnedValue(x: c.bins.center_uS[b], value: mu, standardError: (total / n).squareRoot(), devices: nus.count))
            evidence.driftStd.append(BinnedValue(x: c.bins.center_uS[b], value: sd,
                                                 standardError: total / max(2 * n * max(sd * sd, 1e-8), 1e-300).squareRoot(), devices: nus.count))
        }
        driftMean = ClampedLineFit.fit(muPoints)
        driftStd = ClampedLineFit.fit(sdPoints)

        // 3. σ_prog: trimmed spread of the reference reads per bin, less the reads' own noise.
        var sigmaPoints = [WeightedPoint]()
        for (b, m) in byBin.enumerated() {
            guard let s = PCMEstimate.binSigma(c, m, qAt) else { continue }
            let x = c.bins.center_uS[b] / c.gMax_uS
            sigmaPoints.append(WeightedPoint(x: x, y: s.sigma, weight: 2 * s.n / max(s.sigma * s.sigma, 1e-6)))
            evidence.programSigma.append(BinnedValue(x: c.bins.center_uS[b], value: s.sigma, standardError: s.sigma / (2 * s.n).squareRoot(), devices: Int(s.n)))
        }
        sigmaCoefficients = Regression.polynomial(sigmaPoints, degree: c.degree) ?? []

        (stuckLow, stuckHigh) = c.stuck.rates(devices)
        self.evidence = evidence
    }

    /// σ_prog of one bin from its devices' reference reads: trimmed variance less the mean read-noise
    /// variance of a reference read; nil for bins too small or clamped at 0 (over 0.1 % of reads ≤ 0).
    static func binSigma(_ c: Context, _ members: [Int], _ qAt: (Double) -> Double) -> (sigma: Double, n: Double, mean: Double)? {
        var d = [Double](), e = 0.0, zeros = 0
        for i in members where c.devices[i].stuck == 0 {
            guard let r = c.devices[i].reference_uS else { continue }
            if r <= 0 { zeros += 1 }
            d.append(r - c.devices[i].target_uS)
            let s = r * qAt(c.devices[i].programmed_uS ?? r) * c.referenceTimeFactor
            e += s * s / Double(c.devices[i].referenceReads)
        }
        guard d.count >= 10, Double(zeros) <= 0.001 * Double(d.count) else { return nil }
        let r = RobustMoments(d)
        let v = r.variance - e / Double(d.count)
        guard v > 0 else { return nil }
        return (v.squareRoot(), Double(r.kept), r.mean)
    }

    /// The constants as one vector, in `PCMEstimate.names` order (NaN where not fitted).
    func vector(degree: Int) -> [Double] {
        var v = (0...degree).map { $0 < sigmaCoefficients.count ? sigmaCoefficients[$0] : .nan }
        for f in [driftMean, driftStd] {
            if let f { v += [f.slope, f.intercept, Swift.min(f.left, f.right), Swift.max(f.left, f.right)] }
            else { v += [.nan, .nan, .nan, .nan] }
        }
        v += readNoiseFitted ? [readNoise.qCoefficient, readNoise.qExponent, readNoise.qMax] : [.nan, .nan, .nan]
        v += [stuckLow, stuckHigh]
        return v
    }
}
