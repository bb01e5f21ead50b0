import Foundation
import Testing
import Devices
@testable import DeviceSimulation

@Suite struct RRAMSimulationTests {
    let n = 20_000
    let pulseSim = DeviceSimulator(spec: .rram, devicesPerConductance: 1, rramMode: .pulseLevel, stuckRates: StuckRates.none)
    let statSim = DeviceSimulator(spec: .rram, devicesPerConductance: 1, rramMode: .statistical, stuckRates: StuckRates.none)

    /// The fit: pulse-level σ at the NeuRRAM anchors (seed independent of the fit's) within 3 combined
    /// standard errors of a sample σ (σ·sqrt((κ−1)/4n), κ the sample kurtosis), fit and test both sampled.
    @Test(arguments: [(10.0, 2.3), (40.0, 1.1)])
    func pulseLevelSpreadMatchesTheFitAnchors(target_uS: Double, sigma_uS: Double) {
        let targets = [Float](repeating: Float(target_uS), count: n)
        let p = pulseSim.program(targets_uS: targets, key: TileKey(seed: 77, trial: 0, tile: 0))
        let m = Moments(p.programmed_uS.map(Double.init))
        let fitN = 50_000.0
        let tolerance = 3 * (m.sigmaError * m.sigmaError + sigma_uS * sigma_uS * (m.kurtosis - 1) / (4 * fitN)).squareRoot()
        #expect(abs(m.sigma - sigma_uS) < tolerance, "σ \(m.sigma) κ \(m.kurtosis)")
        #expect(abs(m.mean - target_uS) < 0.1)
        #expect(DeviceSpec.rram.model.rram!.pulse.fitted)
    }

    /// Every verifiable target succeeds and no device exceeds the schedule's limits.
    @Test(arguments: [2.0, 10, 25, 40])
    func pulseLevelSuccessAndLimits(target_uS: Double) {
        let targets = [Float](repeating: Float(target_uS), count: 5000)
        let p = pulseSim.program(targets_uS: targets, key: TileKey(seed: 5, trial: 1, tile: 0))
        let limit = RRAMPulseSimulation(model: DeviceSpec.rram.model.rram!.pulse, schedule: DeviceSpec.rram.programVerify,
                                        rules: pulseSim.rules).maxPulses
        #expect(Double(p.success.filter { $0 }.count) / 5000 > 0.99)
        #expect(p.pulses.allSatisfy { Int($0) <= limit })
        #expect(p.pulses.contains { $0 > 0 })
    }

    /// Forced targets (below g_min) are RESET until a verify read is ≤ g_min.
    @Test func forcedDevicesEndNearOrBelowGMin() {
        let targets = [Float](repeating: 1, count: 5000)
        let p = pulseSim.program(targets_uS: targets, key: TileKey(seed: 5, trial: 2, tile: 0))
        #expect(p.success.allSatisfy { $0 })
        #expect(Moments(p.programmed_uS.map(Double.init)).mean < 1.0)
        #expect(p.programmed_uS.allSatisfy { $0 >= 0.5 && $0 < 2.5 })
    }

    /// The statistical mode against the pulse-level reference: mean and σ within 4 combined standard
    /// errors, success rate within 2 %, mean pulses within one pulse (the estimate is rounded).
    @Test(arguments: [10.0, 25, 40])
    func statisticalAgreesWithPulseLevel(target_uS: Double) {
        let targets = [Float](repeating: Float(target_uS), count: n)
        let key = TileKey(seed: 31, trial: 0, tile: 4)
        let a = pulseSim.program(targets_uS: targets, key: key), b = statSim.program(targets_uS: targets, key: key)
        let ma = Moments(a.programmed_uS.map(Double.init)), mb = Moments(b.programmed_uS.map(Double.init))
        // The loop approaches most targets from below, which biases the pulse-level mean by up to
        // ~0.05 µS; the statistical mode is unbiased by construction. Allow 0.1 µS for that.
        #expect(abs(ma.mean - mb.mean) < 4 * (ma.meanError * ma.meanError + mb.meanError * mb.meanError).squareRoot() + 0.1)
        // The table interpolates σ linearly between anchors; the fitted line through the same anchors
        // is combined in quadrature with the loop's own spread, so allow 0.1 µS model difference.
        #expect(abs(ma.sigma - mb.sigma) < 4 * (ma.sigmaError * ma.sigmaError + mb.sigmaError * mb.sigmaError).squareRoot() + 0.1)
        let sa = Double(a.success.filter { $0 }.count) / Double(n), sb = Double(b.success.filter { $0 }.count) / Double(n)
        #expect(abs(sa - sb) < 0.02)
        let pa = Moments(a.pulses.map(Double.init)).mean, pb = Moments(b.pulses.map(Double.init)).mean
        #expect(abs(pa - pb) < 1, "pulses \(pa) vs \(pb)")
    }

    /// IGVVA (Milo et al. TED 2021): the same fit routine reproduces σ(G) = −0.009107 G + 4.782 at 50
    /// and 225 µS for an IGVVA-configured spec, here in reduced form (4,000 devices per anchor).
    @Test func igvvaFitReproducesMilo() {
        let spec = IGVVASpec.make()
        let anchors = (SpreadAnchor(g_uS: 50, sigma_uS: SpreadModel.miloIGVVA.sigma_uS(g_uS: 50)),
                       SpreadAnchor(g_uS: 225, sigma_uS: SpreadModel.miloIGVVA.sigma_uS(g_uS: 225)))
        let p = RRAMPulseFit.fitFastRelaxation(spec: spec, anchors: anchors, devices: 4000, seed: 3)
        print("IGVVA fit: intercept \(p.fastRelaxationIntercept_uS) µS, slope \(p.fastRelaxationSlope)")
        for anchor in [anchors.0, anchors.1, SpreadAnchor(g_uS: 125, sigma_uS: SpreadModel.miloIGVVA.sigma_uS(g_uS: 125))] {
            let s = RRAMPulseFit.simulate(spec: spec, pulseModel: p, target_uS: anchor.g_uS, devices: 4000, seed: 99)
            #expect(abs(s.sigma_uS - anchor.sigma_uS) < 6 * anchor.sigma_uS / (2 * 4000.0).squareRoot(), "\(anchor.g_uS): \(s)")
            #expect(s.successRate > 0.95, "\(anchor.g_uS): \(s)")
        }
    }
}

/// An IGVVA-configured device for the Milo fit: 10–250 µS, gate 0.6 → 2.8 V in 10 mV steps at a fixed
/// 2.0 V SET, ±2 µS window **[check]** (devices.md gives only the resulting spread).
enum IGVVASpec {
    static func make() -> DeviceSpec {
        var s = DeviceSpec.rramHfOx
        s.name = "rram-igvva"
        s.gMin_uS = 10
        s.gMax_uS = 250
        s.acceptance = .absolute(halfWidth_uS: 2)
        s.programVerify.algorithm = .igvva
        s.programVerify.set = VoltageRamp(start_V: 2.0, step_V: 0.1, stop_V: 2.0)
        s.programVerify.gate = GateVoltages(set_V: 0.6, setStep_V: 0.01, setStop_V: 2.8, reset_V: 3.0)
        s.programVerify.maxIterations = 500
        s.programVerify.maxPulsesAtCeiling = 30
        s.programVerify.readsAveraged = 4
        guard case .rram(var m) = s.model else { return s }
        // Its own [check] mechanics, independent of the rram-hfox preset's ISPVA fit.
        m.pulse = RRAMPulseModel(
            fitted: false,
            setThreshold_V: 0.8, setVoltageScale_V: 0.6, setRate_uS: 20, setStateExponent: 1.0,
            resetThreshold_V: 0.8, resetVoltageScale_V: 0.6, resetRate_uS: 3.0, resetStateExponent: 1.0,
            gateThreshold_V: 0.5, compliance_uS_per_V: 120, saturation_uS: 300, floor_uS: 4,
            cycleToCycleLogSigma: 0.5, stepSigma_uS: 0.1, deviceToDeviceLogSigma: 0.3,
            verifyReadSigma_uS: 0.5, fastRelaxationIntercept_uS: 0, fastRelaxationSlope: 0)
        m.programmingSpread = .miloIGVVA
        s.model = .rram(m)
        return s
    }
}

@Suite struct RelaxationAndStuckTests {
    /// HfOx: mean shift −0.089 ln t and extra spread 0.412 + 0.042 ln t on top of the programmed value.
    @Test(arguments: [10.0, 1e4, 3e7])
    func hfoxLogTimeRelaxation(t_s: Double) {
        let sim = DeviceSimulator(spec: .rramHfOx, devicesPerConductance: 1, rramMode: .statistical, stuckRates: StuckRates.none)
        let n = 20_000
        let targets = [Float](repeating: 50, count: n)
        let key = TileKey(seed: 4, trial: 0, tile: 0)
        let p = sim.program(targets_uS: targets, key: key)
        var g = [Float](), s = [Float]()
        sim.evaluate(p, targets_uS: targets, key: key, t_s: t_s, readNoise: .off, g_uS: &g, readSigma_uS: &s)
        let m = Moments(zip(g, p.programmed_uS).map { Double($0 - $1) })
        let sigma = 0.412 + 0.042 * log(t_s)
        #expect(abs(m.mean - (-0.089 * log(t_s))) < 4 * sigma / Double(n).squareRoot())
        #expect(abs(m.sigma - sigma) < 4 * sigma / (2 * Double(n)).squareRoot())
    }

    /// NeuRRAM: the total spread around the target grows from 1.1 µS at 1 s to 2.7 µS at 1 day (40 µS).
    @Test func neurramSpreadTableRelaxation() {
        let sim = DeviceSimulator(spec: .rram, devicesPerConductance: 1, rramMode: .statistical, stuckRates: StuckRates.none)
        let n = 20_000
        let targets = [Float](repeating: 40, count: n)
        let key = TileKey(seed: 8, trial: 0, tile: 0)
        let p = sim.program(targets_uS: targets, key: key)
        var g = [Float](), s = [Float]()
        for (k, expected) in [(0, 1.1), (1, 2.7)] {
            sim.evaluate(p, targets_uS: targets, key: key, t_s: [1, 86_400][k], readNoise: .off, g_uS: &g, readSigma_uS: &s)
            let m = Moments(g.map { Double($0) - 40 })
            #expect(abs(m.sigma - expected) < 4 * expected / (2 * Double(n)).squareRoot(), "t index \(k): \(m.sigma)")
        }
        // Read noise of this preset: 1.75 % of the device g_max.
        sim.evaluate(p, targets_uS: targets, key: key, t_s: 86_400, readNoise: .perRead, g_uS: &g, readSigma_uS: &s)
        #expect(s.allSatisfy { abs($0 - 0.7) < 1e-5 })
    }

    /// Stuck rates are binomial: counts within 4 σ of n·p; values at g_min, g_max, or inside the range.
    @Test func stuckRates() {
        let rates = StuckRates(atGMin_probability: 0.05, atGMax_probability: 0.1, atRandom_probability: 0.02)
        let sim = DeviceSimulator(spec: .pcm, devicesPerConductance: 1, stuckRates: rates)
        let n = 100_000
        let targets = [Float](repeating: 10, count: n)
        let p = sim.program(targets_uS: targets, key: TileKey(seed: 2, trial: 0, tile: 0))
        for (state, prob) in [(StuckState.atGMin, 0.05), (.atGMax, 0.1), (.random, 0.02)] {
            let count = Double(p.stuck.filter { $0 == state }.count)
            #expect(abs(count - Double(n) * prob) < 4 * (Double(n) * prob * (1 - prob)).squareRoot())
        }
        for d in 0..<n where p.stuck[d] != .none {
            #expect(p.driftExponent[d] == 0 && p.pulses[d] == 0)
            switch p.stuck[d] {
            case .atGMin: #expect(p.programmed_uS[d] == 0)
            case .atGMax: #expect(p.programmed_uS[d] == 25)
            default: #expect(p.programmed_uS[d] >= 0 && p.programmed_uS[d] <= 25)
            }
        }
    }
}
