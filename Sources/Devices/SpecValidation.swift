import Foundation
import FileSupport

/// Rules that relate fields to each other, which the schema cannot express. They run on a decoded
/// spec (user files and presets alike), after the schema has passed.
extension DeviceSpec {
    /// Every semantic problem of this spec; empty when it is usable.
    public func semanticProblems() -> [SpecProblem] {
        var out = [SpecProblem]()
        func fail(_ path: String, _ message: String) { out.append(SpecProblem(path: path, message: message)) }
        let n = formatNumber

        if !(gMin_uS < gMax_uS) { fail("g_max_uS", "must be greater than g_min_uS (got \(n(gMax_uS)) <= \(n(gMin_uS)))") }
        if model.technology != technology {
            fail("model.kind", "a \(model.kind) model does not fit technology \(technology.rawValue)")
        }

        let pv = programVerify
        for (name, ramp) in [("set", pv.set), ("reset", pv.reset)] {
            if ramp.start_V > ramp.stop_V {
                fail("program_verify.\(name).stop_V", "must be >= start_V (got \(n(ramp.stop_V)) < \(n(ramp.start_V)))")
            } else if !((ramp.stop_V - ramp.start_V) / ramp.step_V <= Double(VoltageRamp.maxStepsToCeiling)) {
                // The step count becomes an Int (stepsToCeiling); a vanishing step would overflow it.
                fail("program_verify.\(name).step_V", "reaches stop_V in more than \(VoltageRamp.maxStepsToCeiling) steps (got \(n(ramp.step_V)) from \(n(ramp.start_V)) to \(n(ramp.stop_V)))")
            }
        }
        // Every simulated device runs up to this many program-verify iterations: a hostile spec must not
        // turn one verify run into hours of loops.
        for (name, value) in [("max_iterations", pv.maxIterations), ("max_pulses_at_ceiling", pv.maxPulsesAtCeiling)]
        where value > ProgramVerify.maxIterationLimit {
            fail("program_verify.\(name)", "must be at most \(ProgramVerify.maxIterationLimit.grouped) (got \(value.grouped))")
        }
        if !(pv.readTime_s > 0 && pv.readTime_s.isFinite) {
            // The schema refuses what JSON can spell; this catches specs built in code.
            fail("program_verify.read_time_s", "must be a finite number > 0 (got \(n(pv.readTime_s)))")
        }
        if pv.algorithm == .igvva {
            if pv.gate.setStep_V == nil { fail("program_verify.gate.set_step_V", "required when algorithm is igvva") }
            if pv.gate.setStop_V == nil { fail("program_verify.gate.set_stop_V", "required when algorithm is igvva") }
        }
        if let stop = pv.gate.setStop_V, stop < pv.gate.set_V {
            fail("program_verify.gate.set_stop_V", "must be >= set_V (got \(n(stop)) < \(n(pv.gate.set_V)))")
        }
        if pv.algorithm == .pcmIterative, technology != .pcm {
            fail("program_verify.algorithm", "pcm-iterative needs technology pcm")
        }
        if pv.belowGMin == .fullReset, technology != .pcm {
            fail("program_verify.below_g_min", "full-reset is a PCM operation; use reset-until-below for RRAM")
        }

        if let levels = levels_uS {
            for (i, (a, b)) in zip(levels, levels.dropFirst()).enumerated() where !(a < b) {
                fail("levels_uS[\(i + 1)]", "must be greater than the level before it (got \(n(b)) after \(n(a)))")
            }
            for (i, l) in levels.enumerated() where l < gMin_uS || l > gMax_uS {
                fail("levels_uS[\(i)]", "must lie within [g_min_uS, g_max_uS] = [\(n(gMin_uS)), \(n(gMax_uS))] (got \(n(l)))")
            }
        }

        if stuck.total > 1 {
            fail("stuck", "at_g_min_probability + at_g_max_probability must be <= 1 together with at_random_probability (got \(n(stuck.total)))")
        }

        switch model {
        case .pcm(let m), .pcmHermes(let m):
            for (name, f) in [("drift_nu_mean", m.driftMean), ("drift_nu_std", m.driftStd)] where f.min > f.max {
                fail("model.\(name).max", "must be >= min (got \(n(f.max)) < \(n(f.min)))")
            }
        case .rram(let m):
            if m.pulse.floor_uS >= m.pulse.saturation_uS {
                fail("model.pulse_model.saturation_uS", "must be greater than floor_uS (got \(n(m.pulse.saturation_uS)) <= \(n(m.pulse.floor_uS)))")
            }
            if case .table(let points) = m.programmingSpread {
                checkAscending(points.map(\.g_uS), "model.programming_spread.points", &out)
            }
            if case .spreadTable(let anchors, _, _) = m.relaxation {
                checkAscending(anchors.map(\.g_uS), "model.relaxation.anchors", &out)
                for (i, a) in anchors.enumerated() where !(a.t1_s < a.t2_s) {
                    fail("model.relaxation.anchors[\(i)].t2_s", "must be greater than t1_s (got \(n(a.t2_s)) <= \(n(a.t1_s)))")
                }
            }
        }
        return out
    }

    private func checkAscending(_ g: [Double], _ path: String, _ out: inout [SpecProblem]) {
        for (i, (a, b)) in zip(g, g.dropFirst()).enumerated() where !(a < b) {
            out.append(SpecProblem(path: "\(path)[\(i + 1)].g_uS",
                                   message: "must be greater than the g_uS before it (got \(formatNumber(b)) after \(formatNumber(a)))"))
        }
    }
}
