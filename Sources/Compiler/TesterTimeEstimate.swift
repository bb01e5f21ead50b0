import Devices
import Plan

/// An *estimate* of how long a tester needs to program a plan, from the device's pulse schedule.
/// No device physics is simulated; the point is the order of magnitude (minutes or days?).
///
/// Model, per device:
/// - a forced device (target at g_min, see `TargetRules.isForced`): one RESET pulse; one verify when
///   the action is reset-until-below, none for a full RESET;
/// - any other device starts from the RESET state and climbs the SET ramp; a target at fraction
///   x = (G − g_min) / (g_max − g_min) of the device range is assumed to need x × (steps to the ramp
///   ceiling) + 1 pulses (IGVVA climbs the gate ramp instead), at most `maxIterations`;
/// - every pulse is followed by one verify of `readsDiscarded + readsAveraged` reads;
/// - a second pass, if the spec asks for one, re-verifies every device once.
/// Time = pulses × pulse width + reads × read time. Setup, addressing and data transfer are ignored.
public struct TesterTimeEstimate: Sendable, Equatable, Codable {
    /// Expected programming pulses over the whole plan.
    public var pulses: Double
    /// Expected verify reads over the whole plan.
    public var reads: Double
    public var seconds: Double

    /// Duration of one verify read. [check] devices.md gives no read time; 1 µs is the order of
    /// the read windows it does give (t_read 250 ns / 512 ns in §1, 1 µs in §2).
    public static let defaultReadTime_s = 1e-6

    public init(pulses: Double, reads: Double, seconds: Double) {
        self.pulses = pulses; self.reads = reads; self.seconds = seconds
    }

    public init(plan: Plan, readTime_s: Double = TesterTimeEstimate.defaultReadTime_s) {
        let pv = plan.device.programVerify
        let rules = plan.targetRules
        let readsPerVerify = Double(max(pv.readsAveraged, 0) + max(pv.readsDiscarded, 0))
        let steps: Double
        if pv.algorithm == .igvva, let step = pv.gate.setStep_V, let stop = pv.gate.setStop_V, step > 0 {
            steps = max(((stop - pv.gate.set_V) / step).rounded(.up), 0)
        } else {
            steps = Double(pv.set.stepsToCeiling)
        }
        let cap = Double(max(pv.maxIterations, 1))
        let span = max(rules.gMax_uS - rules.gMin_uS, .leastNonzeroMagnitude)
        let forceThreshold = Float(rules.gMin_uS + rules.forceTolerance_uS)
        let forcing = rules.belowGMin != .programToGMin
        let forcedVerifies = rules.belowGMin == .resetUntilBelow ? 1.0 : 0.0

        var forced = 0
        var climbing = 0.0  // Σ pulses of non-forced devices
        var programmed = 0
        for tile in plan.tiles {
            tile.targets_uS.withUnsafeBufferPointer { targets in
                for t in targets {
                    if forcing && t <= forceThreshold {
                        forced &+= 1
                    } else {
                        let x = min(max((Double(t) - rules.gMin_uS) / span, 0), 1)
                        climbing += min(x * steps + 1, cap)
                        programmed &+= 1
                    }
                }
            }
        }
        let devices = Double(forced + programmed)
        pulses = Double(forced) + climbing
        reads = (Double(forced) * forcedVerifies + climbing + (pv.secondPass ? devices : 0)) * readsPerVerify
        seconds = pulses * pv.pulseWidth_s + reads * readTime_s
    }
}
