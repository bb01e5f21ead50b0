import Foundation
import Devices

/// The fast RRAM mode for large models: G = target + σ(target)·N from the spec's
/// `programmingSpread` (the same spread the pulse model is fitted to), with pulse counts and success
/// estimated from a small pulse-level calibration run on a grid of targets, so reports keep their
/// programming statistics. Forced (RESET) devices take the mean and σ the calibration found for them.
public struct RRAMStatistical: Sendable {
    public let spread: SpreadModel
    public let pulse: RRAMPulseSimulation
    public let calibration: Calibration

    /// Mean pulses and success rate of the pulse-level mode over a grid of targets.
    public struct Calibration: Sendable, Hashable {
        public var targets_uS: [Double]
        public var meanPulses: [Double]
        public var successRate: [Double]
        public var forcedMean_uS: Double
        public var forcedSigma_uS: Double
        public var forcedMeanPulses: Double
        public var forcedSuccessRate: Double
    }

    /// Builds the calibration: `devicesPerPoint` pulse-level devices at each of `gridPoints` targets
    /// across [g_min, g_max] with a fixed key, so the estimate is the same in every run.
    public init(spread: SpreadModel, pulse: RRAMPulseSimulation, gridPoints: Int = 16, devicesPerPoint: Int = 256) {
        self.spread = spread
        self.pulse = pulse
        let rules = pulse.rules
        let key = TileKey(seed: 0x5EED_CA11_B7A7_E000, trial: 0, tile: 0)
        func run(_ target: Double, _ point: Int) -> (mean: Double, sigma: Double, pulses: Double, success: Double) {
            var sum = 0.0, sum2 = 0.0, p = 0.0, ok = 0.0
            for i in 0..<devicesPerPoint {
                var s = key.stream(device: point * devicesPerPoint + i, purpose: .pulses)
                let o = pulse.programDevice(target_uS: target, stream: &s)
                sum += o.g_uS; sum2 += o.g_uS * o.g_uS; p += Double(o.pulses); ok += o.success ? 1 : 0
            }
            let n = Double(devicesPerPoint), mean = sum / n
            return (mean, max(sum2 / n - mean * mean, 0).squareRoot(), p / n, ok / n)
        }
        var grid = [Double](), pulses = [Double](), success = [Double]()
        let lo = rules.isForced(target_uS: rules.gMin_uS) ? rules.gMin_uS + 2 * rules.forceTolerance_uS : rules.gMin_uS
        for k in 0..<max(gridPoints, 2) {
            let t = lo + (rules.gMax_uS - lo) * Double(k) / Double(max(gridPoints, 2) - 1)
            let r = run(t, k + 1)
            grid.append(t); pulses.append(r.pulses); success.append(r.success)
        }
        let forced = rules.isForced(target_uS: rules.gMin_uS) ? run(rules.gMin_uS, 0) : (rules.gMin_uS, 0, 0, 1)
        calibration = Calibration(targets_uS: grid, meanPulses: pulses, successRate: success,
                                  forcedMean_uS: forced.0, forcedSigma_uS: forced.1,
                                  forcedMeanPulses: forced.2, forcedSuccessRate: forced.3)
    }

    public func program(targets_uS: UnsafePointer<Float>, range: Range<Int>, key: TileKey, into out: ProgrammedTileBuffers) {
        let rules = pulse.rules, model = pulse.model, cal = calibration
        let points = Array(zip(cal.targets_uS, cal.meanPulses)), rates = Array(zip(cal.targets_uS, cal.successRate))
        for d in range {
            let target = Double(targets_uS[d])
            var ps = key.stream(device: d, purpose: .programming)
            var es = key.stream(device: d, purpose: .estimate)
            let g: Double, pulses: Double, rate: Double
            if rules.isForced(target_uS: target) {
                g = min(max(cal.forcedMean_uS + cal.forcedSigma_uS * ps.normal(), model.floor_uS), max(rules.gMin_uS, model.floor_uS))
                pulses = cal.forcedMeanPulses
                rate = cal.forcedSuccessRate
            } else {
                g = min(max(target + spread.sigma_uS(g_uS: target) * ps.normal(), model.floor_uS), model.saturation_uS)
                pulses = linearInterpolation(points, at: target)
                rate = linearInterpolation(rates, at: target)
            }
            out.programmed_uS[d] = Float(g)
            out.driftExponent[d] = 0
            out.pulses[d] = UInt16(clamping: Int(pulses.rounded()))
            out.success[d] = es.uniform() < rate
            out.stuck[d] = .none
        }
    }
}

/// Piecewise-linear through points sorted by x, constant beyond the ends.
@usableFromInline
func linearInterpolation(_ points: [(Double, Double)], at x: Double) -> Double {
    guard let first = points.first, let last = points.last else { return 0 }
    if x <= first.0 { return first.1 }
    if x >= last.0 { return last.1 }
    var lo = 0, hi = points.count - 1
    while hi - lo > 1 {
        let mid = (lo + hi) / 2
        if points[mid].0 <= x { lo = mid } else { hi = mid }
    }
    let (a, b) = (points[lo], points[hi])
    return a.1 + (x - a.0) / (b.0 - a.0) * (b.1 - a.1)
}
