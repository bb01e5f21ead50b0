import Foundation
import Devices

/// One published spread: σ of devices programmed to `g_uS`.
public struct SpreadAnchor: Sendable, Hashable {
    public var g_uS: Double
    public var sigma_uS: Double
    public init(g_uS: Double, sigma_uS: Double) { self.g_uS = g_uS; self.sigma_uS = sigma_uS }
}

/// Fits the pulse model's fast-relaxation line so pulse-level program-verify reproduces published
/// spreads at two anchor targets. The pulse mechanics (steps, thresholds, read noise) fix the spread
/// the verify loop itself leaves; the spread the loop cannot see (relaxation within the first second)
/// is what the fit sets. Common random numbers (one seed for every iteration) keep it smooth.
public enum RRAMPulseFit {
    /// Mean, σ, success rate and mean pulses of `devices` devices programmed to `target_uS`.
    public struct Statistics: Sendable, Hashable {
        public var mean_uS: Double
        public var sigma_uS: Double
        public var successRate: Double
        public var meanPulses: Double
        public var maxPulses: Int
    }

    public static func simulate(spec: DeviceSpec, pulseModel: RRAMPulseModel? = nil, target_uS: Double,
                                devices: Int, seed: UInt64) -> Statistics {
        guard case .rram(var m) = spec.model else { preconditionFailure("not an RRAM spec") }
        if let p = pulseModel { m.pulse = p }
        let sim = RRAMPulseSimulation(model: m.pulse, schedule: spec.programVerify,
                                      rules: TargetRules(device: spec, devicesPerConductance: spec.devicesPerConductance))
        let key = TileKey(seed: seed, trial: 0, tile: 0)
        var sum = 0.0, sum2 = 0.0, ok = 0, pulses = 0, most = 0
        for d in 0..<devices {
            var s = key.stream(device: d, purpose: .pulses)
            let o = sim.programDevice(target_uS: target_uS, stream: &s)
            sum += o.g_uS; sum2 += o.g_uS * o.g_uS
            ok += o.success ? 1 : 0; pulses += o.pulses; most = max(most, o.pulses)
        }
        let n = Double(devices), mean = sum / n
        return Statistics(mean_uS: mean, sigma_uS: (max(sum2 / n - mean * mean, 0) * n / max(n - 1, 1)).squareRoot(),
                          successRate: Double(ok) / n, meanPulses: Double(pulses) / n, maxPulses: most)
    }

    /// Returns the spec's pulse model with `fastRelaxationIntercept_uS`/`fastRelaxationSlope` fitted
    /// through the two anchors and `fitted` set. Start: σ_fast² = σ_anchor² − σ_loop² (the loop's
    /// own spread without relaxation); then `iterations` multiplicative corrections σ_fast ·= σ_anchor / σ_simulated.
    public static func fitFastRelaxation(spec: DeviceSpec, anchors: (SpreadAnchor, SpreadAnchor), devices: Int,
                                         seed: UInt64, iterations: Int = 4) -> RRAMPulseModel {
        guard case .rram(let m) = spec.model else { preconditionFailure("not an RRAM spec") }
        var p = m.pulse
        p.fastRelaxationIntercept_uS = 0
        p.fastRelaxationSlope = 0
        let (a, b) = anchors
        func stats(_ q: RRAMPulseModel, _ anchor: SpreadAnchor) -> Double {
            simulate(spec: spec, pulseModel: q, target_uS: anchor.g_uS, devices: devices, seed: seed).sigma_uS
        }
        var need = [a, b].map { anchor in
            max(anchor.sigma_uS * anchor.sigma_uS - pow(stats(p, anchor), 2), 0).squareRoot()
        }
        func setLine() {
            p.fastRelaxationSlope = (need[1] - need[0]) / (b.g_uS - a.g_uS)
            p.fastRelaxationIntercept_uS = need[0] - p.fastRelaxationSlope * a.g_uS
        }
        setLine()
        for _ in 0..<iterations {
            let got = [stats(p, a), stats(p, b)]
            need[0] *= a.sigma_uS / max(got[0], 1e-9)
            need[1] *= b.sigma_uS / max(got[1], 1e-9)
            setLine()
        }
        p.fitted = true
        return p
    }
}
