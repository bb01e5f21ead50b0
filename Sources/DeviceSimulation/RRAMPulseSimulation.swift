import Foundation
import Devices

/// Pulse-by-pulse replay of a plan's RRAM program-verify algorithm (devices.md §2), the reference the
/// fast statistical mode is tested against.
///
/// Per iteration: one verify value (the mean of `readsAveraged` reads, drawn exactly as one normal of
/// σ_read/√n; discarded reads only cost time), compare with the window, then one pulse:
/// - ISPVA: SET amplitude ramps at a fixed gate; a read above the window costs one full RESET to the
///   HRS floor and restarts the ramp (Milo et al., TED 2021).
/// - IGVVA: fixed SET amplitude (`set.start_V`); the gate ramps `gate.set_V` → `set_stop_V`, raising
///   the compliance ceiling; overshoot handled as ISPVA.
/// - Bipolar incremental (NeuRRAM): SET and RESET ramps, each restarting from its start voltage when
///   the direction changes (Wan et al., Nature 2022 test code).
/// ISPVA/IGVVA begin with a full RESET ("RESET to HRS before each level"); a bipolar device starts
/// from unknown previous content, uniform in [floor, g_max] **[check]**.
/// The run fails after `maxIterations` pulses or `maxPulsesAtCeiling` pulses at the ramp ceiling.
/// A verified device then relaxes once (`fastRelaxationSigma_uS`); forced (RESET) devices do not:
/// a deep RESET is the stable state **[check]**. With `secondPass`, a device read outside its
/// window after relaxing is programmed again.
public struct RRAMPulseSimulation: Sendable {
    public let model: RRAMPulseModel
    public let schedule: ProgramVerify
    public let rules: TargetRules
    @usableFromInline let verifySigma_uS: Double

    public init(model: RRAMPulseModel, schedule: ProgramVerify, rules: TargetRules) {
        self.model = model
        self.schedule = schedule
        self.rules = rules
        verifySigma_uS = model.verifyReadSigma_uS / Double(max(schedule.readsAveraged, 1)).squareRoot()
    }

    /// Most pulses one device can receive: the opening RESET, then one or two passes of the limit.
    public var maxPulses: Int {
        let opening = schedule.algorithm == .ispva || schedule.algorithm == .igvva ? 1 : 0
        return opening + schedule.maxIterations * (schedule.secondPass ? 2 : 1)
    }

    public struct Outcome: Sendable, Hashable {
        public var g_uS: Double
        public var pulses: Int
        public var success: Bool
    }

    public func program(targets_uS: UnsafePointer<Float>, range: Range<Int>, key: TileKey, into out: ProgrammedTileBuffers) {
        for d in range {
            var stream = key.stream(device: d, purpose: .pulses)
            let o = programDevice(target_uS: Double(targets_uS[d]), stream: &stream)
            out.programmed_uS[d] = Float(o.g_uS)
            out.driftExponent[d] = 0
            out.pulses[d] = UInt16(clamping: o.pulses)
            out.success[d] = o.success
            out.stuck[d] = .none
        }
    }

    /// One device from its own stream: the whole algorithm, fast relaxation and optional second pass.
    public func programDevice(target_uS: Double, stream s: inout RandomStream) -> Outcome {
        let rateFactor = exp(model.deviceToDeviceLogSigma * s.normal())
        let initial = s.uniform()
        var pulses = 0
        var g: Double
        switch schedule.algorithm {
        case .ispva, .igvva:
            g = model.floor_uS
            pulses = 1
        case .bipolarIncremental, .pcmIterative:
            g = model.floor_uS + initial * max(rules.gMax_uS - model.floor_uS, 0)
        }
        let bounds = rules.acceptanceBounds_uS(target_uS: target_uS)
        if rules.isForced(target_uS: target_uS) {
            if rules.belowGMin == .fullReset { return Outcome(g_uS: model.floor_uS, pulses: pulses + 1, success: true) }
            let ok = verifyLoop(&g, bounds: bounds, rateFactor: rateFactor, pulses: &pulses, stream: &s)
            return Outcome(g_uS: g, pulses: pulses, success: ok)
        }
        var ok = verifyLoop(&g, bounds: bounds, rateFactor: rateFactor, pulses: &pulses, stream: &s)
        relax(&g, stream: &s)
        if schedule.secondPass {
            let read = g + verifySigma_uS * s.normal()
            if !bounds.contains(read) {
                ok = verifyLoop(&g, bounds: bounds, rateFactor: rateFactor, pulses: &pulses, stream: &s)
                relax(&g, stream: &s)
            }
        }
        return Outcome(g_uS: g, pulses: pulses, success: ok)
    }

    @inlinable
    func relax(_ g: inout Double, stream s: inout RandomStream) {
        g = clampPhysical(g + model.fastRelaxationSigma_uS(g_uS: g) * s.normal())
    }

    @inlinable
    func clampPhysical(_ g: Double) -> Double { min(max(g, model.floor_uS), model.saturation_uS) }

    /// Read, compare, pulse; true when a verify value lands in `bounds`.
    func verifyLoop(_ g: inout Double, bounds: ClosedRange<Double>, rateFactor: Double, pulses: inout Int,
                    stream s: inout RandomStream) -> Bool {
        let pv = schedule
        var setIndex = 0, resetIndex = 0, atCeiling = 0
        var lastDirection = 0
        for iteration in 0...pv.maxIterations {
            let read = g + verifySigma_uS * s.normal()
            if bounds.contains(read) { return true }
            if iteration == pv.maxIterations || atCeiling >= pv.maxPulsesAtCeiling { return false }
            let z1 = s.normal(), z2 = s.normal()
            let c2c = exp(model.cycleToCycleLogSigma * z1)
            if read < bounds.lowerBound {
                if lastDirection != 1 { setIndex = 0 }
                lastDirection = 1
                let amplitude: Double, gate: Double, ceilingReached: Bool
                if pv.algorithm == .igvva {
                    let stop = pv.gate.setStop_V ?? pv.gate.set_V
                    gate = min(pv.gate.set_V + Double(setIndex) * (pv.gate.setStep_V ?? 0), stop)
                    amplitude = pv.set.start_V
                    ceilingReached = gate >= stop - 1e-12
                } else {
                    gate = pv.gate.set_V
                    amplitude = pv.set.amplitude_V(pulse: setIndex)
                    ceilingReached = setIndex >= pv.set.stepsToCeiling
                }
                let step = model.meanSetStep_uS(amplitude_V: amplitude, gate_V: gate, g_uS: g) * rateFactor * c2c
                if step > 0 {
                    // The compliance current caps filament growth at the gate's ceiling.
                    let capped = min(g + step, max(model.ceiling_uS(gate_V: gate), g))
                    g = clampPhysical(capped + model.stepSigma_uS * z2)
                }
                setIndex += 1
                if ceilingReached { atCeiling += 1 }
            } else if pv.algorithm == .bipolarIncremental {
                if lastDirection != -1 { resetIndex = 0 }
                lastDirection = -1
                let amplitude = pv.reset.amplitude_V(pulse: resetIndex)
                let step = model.meanResetStep_uS(amplitude_V: amplitude, g_uS: g) * rateFactor * c2c
                if step > 0 { g = clampPhysical(g - step + model.stepSigma_uS * z2) }
                if resetIndex >= pv.reset.stepsToCeiling { atCeiling += 1 }
                resetIndex += 1
            } else {
                // ISPVA / IGVVA overshoot: full RESET to the HRS, restart the ramp.
                g = model.floor_uS
                setIndex = 0
                lastDirection = 0
            }
            pulses += 1
        }
        return false
    }
}
