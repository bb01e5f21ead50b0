import DeviceFit
import DeviceSimulation
import Foundation

/// Characterisation data sampled from known device parameters (none of them a preset's), written
/// from the formulas of devices.md §1–2 here rather than through DeviceSimulation, so a fit is never
/// checked against the code that would also simulate it. Only the raw Philox blocks are shared.
///
/// Every draw is keyed by what it means, (seed, device, time index, read, purpose), so a data set
/// is the same however it is produced.
struct CharacterisationGenerator {
    struct PCMTruth {
        var gMax_uS = 30.0
        /// σ_prog(x) = 0.35 + 1.6 x − 0.9 x² µS (at g_max 30 µS).
        var sigma = [0.35, 1.6, -0.9]
        /// μ_ν = clamp(−0.02 ln x + 0.03, 0.05, 0.10).
        var mu = (slope: -0.02, intercept: 0.03, min: 0.05, max: 0.10)
        /// σ_ν = clamp(−0.01 ln x + 0.002, 0.01, 0.04).
        var sd = (slope: -0.01, intercept: 0.002, min: 0.01, max: 0.04)
        /// Q_s = min(0.012 / x^0.55, 0.06).
        var q = (c: 0.012, p: 0.55, max: 0.06)
        var t0_s = 30.0
        var tRead_s = 250e-9
        var xLevels = [0.01, 0.02, 0.035, 0.05, 0.08, 0.12, 0.18, 0.27, 0.4, 0.55, 0.75]
        var times_s = [30.0, 60, 300, 1e3, 1e4, 1e5, 1e6]
    }

    struct RRAMTruth {
        /// σ_prog = 0.3 + 0.015 g µS.
        var sigma = (intercept: 0.3, slope: 0.015)
        /// Mean shift −0.12 ln t µS, spread 0.3 + 0.06 ln t µS.
        var shift = -0.12
        var spread = (at1s: 0.3, perLn: 0.06)
        /// Read noise 0.035 · log10(g) · sqrt(ln((t + t_read)/(2 t_read))) µS.
        var readCoefficient = 0.035
        var tRead_s = 1e-6
        var gMin_uS = 8.0
        var gMax_uS = 90.0
        var levels = [20.0, 28, 36, 44, 52, 60, 68, 76]
        var times_s = [1.0, 10, 100, 1e3, 1e4, 1e5]
    }

    var seed: UInt64 = 7
    var devicesPerLevel = 1500
    var readsPerTime = 6
    /// Fraction of devices stuck low and high (each).
    var stuckEach = 0.0
    /// Reads rounded to this step (µS), as a tester's ADC would; nil for exact reads.
    var step_uS: Double?

    /// A standard normal for (device, time index, read, purpose), Box–Muller on one Philox block.
    func normal(_ device: Int, _ time: Int, _ read: Int, _ purpose: UInt32) -> Double {
        let w = Philox4x32.block(counter: SIMD4(UInt32(device), UInt32(time), UInt32(read), 0xC4A0_0000 | purpose),
                                 key: SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
        let u1 = (Double(UInt64(w[0]) << 21 ^ UInt64(w[1] >> 11)) + 0.5) / 0x1p53
        let u2 = (Double(UInt64(w[2]) << 21 ^ UInt64(w[3] >> 11)) + 0.5) / 0x1p53
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    func uniform(_ device: Int, _ purpose: UInt32) -> Double {
        let w = Philox4x32.block(counter: SIMD4(UInt32(device), 0, 0, 0xC4A1_0000 | purpose),
                                 key: SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
        return (Double(UInt64(w[0]) << 21 ^ UInt64(w[1] >> 11)) + 0.5) / 0x1p53
    }

    func quantised(_ g: Double) -> Double {
        let v = max(g, 0)
        guard let step = step_uS else { return v }
        return (v / step).rounded() * step
    }

    /// Stuck state of a device: −1 low, +1 high, 0 none.
    func stuck(_ device: Int) -> Int {
        let u = uniform(device, 1)
        return u < stuckEach ? -1 : u < 2 * stuckEach ? 1 : 0
    }

    /// Reads in time order of all devices at each time (the order a tester reading a whole array
    /// at each time writes), calling `emit(device, target, time, measured)`.
    func pcm(_ t: PCMTruth, _ emit: (Int, Double, Double, Double) throws -> Void) rethrows {
        let n = t.xLevels.count * devicesPerLevel
        var programmed = [Double](repeating: 0, count: n), nu = [Double](repeating: 0, count: n)
        for d in 0..<n {
            let x = t.xLevels[d % t.xLevels.count]
            let sigma = max(t.sigma.enumerated().reduce(0) { $0 + $1.element * pow(x, Double($1.offset)) }, 0)
            let mu = min(max(t.mu.slope * log(x) + t.mu.intercept, t.mu.min), t.mu.max)
            let sd = min(max(t.sd.slope * log(x) + t.sd.intercept, t.sd.min), t.sd.max)
            switch stuck(d) {
            case -1: programmed[d] = 0; nu[d] = 0
            case 1: programmed[d] = t.gMax_uS; nu[d] = 0
            default:
                programmed[d] = max(x * t.gMax_uS + sigma * normal(d, 0, 0, 1), 0)
                nu[d] = abs(mu + sd * normal(d, 0, 0, 2))
            }
        }
        for (k, time) in t.times_s.enumerated() {
            let f = log((time + t.tRead_s) / (2 * t.tRead_s)).squareRoot()
            for d in 0..<n {
                let target = t.xLevels[d % t.xLevels.count] * t.gMax_uS
                let g = programmed[d] * pow(time / t.t0_s, -nu[d])
                let q = min(t.q.c / max(pow(programmed[d] / t.gMax_uS, t.q.p), 1e-3), t.q.max)
                for r in 0..<readsPerTime {
                    try emit(d, target, time, quantised(g + g * q * f * normal(d, k + 1, r, 3)))
                }
            }
        }
    }

    func rram(_ t: RRAMTruth, _ emit: (Int, Double, Double, Double) throws -> Void) rethrows {
        let n = t.levels.count * devicesPerLevel
        var programmed = [Double](repeating: 0, count: n), walk = [Double](repeating: 0, count: n)
        var stuckState = [Int](repeating: 0, count: n)
        for d in 0..<n {
            let target = t.levels[d % t.levels.count]
            stuckState[d] = stuck(d)
            programmed[d] = stuckState[d] < 0 ? t.gMin_uS : stuckState[d] > 0 ? t.gMax_uS
                : target + (t.sigma.intercept + t.sigma.slope * target) * normal(d, 0, 0, 1)
        }
        var previousVariance = 0.0
        for (k, time) in t.times_s.enumerated() {
            let lnT = log(max(time, 1))
            let s = t.spread.at1s + t.spread.perLn * lnT
            // Relaxation as a random walk through the read times: each step adds the variance the
            // published spread gains since the last read, so every time has exactly that spread.
            let increment = max(s * s - previousVariance, 0).squareRoot()
            previousVariance = max(previousVariance, s * s)
            let h = max(log((time + t.tRead_s) / (2 * t.tRead_s)), 0).squareRoot()
            for d in 0..<n {
                let target = t.levels[d % t.levels.count]
                var g = programmed[d]
                if stuckState[d] == 0 {
                    walk[d] += increment * normal(d, k + 1, 0, 4)
                    g += t.shift * lnT + walk[d]
                }
                let sigmaRead = t.readCoefficient * log10(max(g, 1)) * h
                for r in 0..<readsPerTime {
                    try emit(d, target, time, quantised(g + sigmaRead * normal(d, k + 1, r + 1, 5)))
                }
            }
        }
    }

    /// The data as the fit sees it after reading a file.
    static func data(file: String = "generated.csv", _ produce: ((Int, Double, Double, Double) throws -> Void) throws -> Void) throws -> CharacterisationData {
        var acc = CharacterisationAccumulator(file: file)
        var line = 1
        try produce { d, target, time, g in
            line += 1
            try acc.add(device: DeviceKey(index: d), target_uS: target, time_s: time, measured_uS: g, line: line)
        }
        return try acc.finish(sha256: String(repeating: "0", count: 64))
    }
}
