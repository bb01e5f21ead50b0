import Devices
import Plan

/// How long a tester needs to program a plan: pulses × pulse width + verify reads × read time, both
/// from the device spec's program-verify schedule (`pulse_width_s`, `read_time_s`).
/// Setup, addressing and data transfer are ignored; the point is the order of magnitude (minutes or
/// days?). Two sources of pulse counts share this one time model (`init(pulses:verifies:schedule:)`):
/// `init(plan:)` estimates them from the pulse schedule alone (what `imprint compile`
/// prints), `init(plan:simulatedPulsesPerDevice:)` takes them from `imprint verify`'s
/// pulse-level simulation. Both count verifies the same way: the loop reads once before every pulse it
/// gives and once after the last (ISPVA/IGVVA/PCM's opening RESET is not verified), every verify is
/// `readsDiscarded + readsAveraged` reads, and a second pass re-verifies every device once.
///
/// The schedule estimate, per device, with x = (G − g_min) / (g_max − g_min) the target's place in the
/// device range and a ramp assumed to cross the whole range in its steps to the ceiling:
/// - algorithms that start from a RESET (ISPVA, IGVVA, PCM iterative): one opening RESET, then
///   x × (SET steps) pulses (IGVVA: gate steps);
/// - bipolar incremental starts from unknown content, taken as uniform over the range (the simulator's
///   assumption, devices.md §2 **[check]**): on average x²/2 × (SET steps) up plus (1 − x)²/2 × (RESET
///   steps) down;
/// - a forced device (`TargetRules.isForced`): `full-reset` is one unverified pulse; `reset-until-below`
///   is the opening RESET (one verify), or for bipolar the way down from unknown content, (RESET steps)/2;
/// - at most `maxIterations` loop pulses;
/// - devices a defect map declares stuck (`Tile.stuckDevices`) are not programmed and cost nothing.
/// It ignores the pulse response of the device (pulses below the SET threshold, steps that grow along
/// the ramp), overshoot restarts and device spread, which the simulation has. On the bundled CNN the
/// simulated pulses are 1.6 × the estimate for `rram` (bipolar; tested within 2 ×) and 4 × for
/// `rram-hfox` (ISPVA: its ramp starts below the HRS-to-g_min climb and overshoots about one approach in 4).
public struct TesterTimeEstimate: Sendable, Equatable, Codable {
    /// Programming pulses over the whole plan.
    public var pulses: Double
    /// Verify reads over the whole plan.
    public var reads: Double
    public var seconds: Double

    public init(pulses: Double, reads: Double, seconds: Double) {
        self.pulses = pulses; self.reads = reads; self.seconds = seconds
    }

    /// The time model: `pulses` of the schedule's width and `verifies` of its reads each, every read
    /// taking the schedule's `readTime_s`.
    public init(pulses: Double, verifies: Double, schedule pv: ProgramVerify) {
        let reads = verifies * Double(max(pv.readsAveraged, 0) + max(pv.readsDiscarded, 0))
        self.init(pulses: pulses, reads: reads, seconds: pulses * pv.pulseWidth_s + reads * pv.readTime_s)
    }

    /// Whether the algorithm opens with a RESET of every device before its loop (unverified).
    static func opensWithReset(_ pv: ProgramVerify) -> Bool { pv.algorithm != .bipolarIncremental }

    /// The estimate from the pulse schedule alone (see the type's documentation).
    public init(plan: Plan) {
        let pv = plan.device.programVerify
        let rules = plan.targetRules
        let setSteps: Double
        if pv.algorithm == .igvva, let step = pv.gate.setStep_V, let stop = pv.gate.setStop_V, step > 0 {
            setSteps = max(((stop - pv.gate.set_V) / step).rounded(.up), 0)
        } else {
            setSteps = Double(pv.set.stepsToCeiling)
        }
        let resetSteps = Double(pv.reset.stepsToCeiling)
        let bipolar = !Self.opensWithReset(pv)
        let cap = Double(max(pv.maxIterations, 1))
        let span = max(rules.gMax_uS - rules.gMin_uS, .leastNonzeroMagnitude)
        let forceThreshold = Float(rules.gMin_uS + rules.forceTolerance_uS)
        let forcing = rules.belowGMin != .programToGMin
        // Forced devices: (pulses, verifies) each.
        let forced: (pulses: Double, verifies: Double)
        switch (rules.belowGMin, bipolar) {
        case (.fullReset, _): forced = (1, 0)
        case (_, false): forced = (1, 1)
        case (_, true): forced = (min(resetSteps / 2, cap), min(resetSteps / 2, cap) + 1)
        }

        var forcedCount = 0
        var loopPulses = 0.0  // Σ verified-loop pulses of the other devices
        var programmed = 0
        for tile in plan.tiles {
            // Reference devices are programmed too; known stuck devices (indices into targets_uS) are not.
            for (part, devices) in [tile.targets_uS, tile.referenceTargets_uS].enumerated() {
            let stuck = part == 0 ? tile.stuckDevices : []
            var nextStuck = 0
            devices.withUnsafeBufferPointer { targets in
                for (i, t) in targets.enumerated() {
                    if nextStuck < stuck.count, stuck[nextStuck] == i {
                        nextStuck += 1
                        continue
                    }
                    if forcing && t <= forceThreshold {
                        forcedCount &+= 1
                    } else {
                        let x = min(max((Double(t) - rules.gMin_uS) / span, 0), 1)
                        let loop = bipolar ? x * x / 2 * setSteps + (1 - x) * (1 - x) / 2 * resetSteps : x * setSteps
                        loopPulses += min(loop, cap)
                        programmed &+= 1
                    }
                }
            }
            }
        }
        let devices = Double(forcedCount + programmed)
        let opening = bipolar ? 0 : Double(programmed)
        let pulses = Double(forcedCount) * forced.pulses + opening + loopPulses
        let verifies = Double(forcedCount) * forced.verifies + loopPulses + Double(programmed) + (pv.secondPass ? devices : 0)
        self.init(pulses: pulses, verifies: verifies, schedule: pv)
    }
}
