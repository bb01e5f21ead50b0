import Devices

/// Devices that ignore programming (devices.md §2): stuck at the device g_min (stuck-OFF), g_max
/// (stuck-ON) or, if the rates say so, anywhere uniform in between. Drawn per trial from each
/// device's own stream, after programming, which they override. A stuck device does not drift
/// (ν = 0) or relax, but its reads are noisy like any other; it counts as a success only when its
/// stuck value happens to lie inside the target's window (a stuck-OFF device of a zero weight).
public struct StuckDevices: Sendable {
    public let rates: StuckRates
    public let rules: TargetRules

    public init(rates: StuckRates, rules: TargetRules) {
        self.rates = rates
        self.rules = rules
    }

    public var isActive: Bool { rates.total > 0 }

    public func apply(targets_uS: UnsafePointer<Float>, range: Range<Int>, key: TileKey, into out: ProgrammedTileBuffers) {
        guard isActive else { return }
        let pOff = rates.atGMin_probability, pOn = pOff + rates.atGMax_probability, pAny = pOn + rates.atRandom_probability
        for d in range {
            var s = key.stream(device: d, purpose: .stuck)
            let u = s.uniform()
            guard u < pAny else { continue }
            let state: StuckState, g: Double
            if u < pOff { state = .atGMin; g = rules.gMin_uS }
            else if u < pOn { state = .atGMax; g = rules.gMax_uS }
            else { state = .random; g = rules.gMin_uS + s.uniform() * (rules.gMax_uS - rules.gMin_uS) }
            out.stuck[d] = state
            out.programmed_uS[d] = Float(g)
            out.driftExponent[d] = 0
            out.pulses[d] = 0
            out.success[d] = rules.acceptanceBounds_uS(target_uS: Double(targets_uS[d])).contains(g)
        }
    }
}
