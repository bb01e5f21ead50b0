import Foundation
import Testing
import Devices
@testable import DeviceSimulation

/// Devices continuing from a measurement (verify --measured): exact at the measurement time, the
/// model's change after it, and untouched devices without a measurement.
@Suite struct MeasuredEvolutionTests {
    let n = 20_000

    /// A tile with every other device measured at `T` (measured value: the programmed one × 0.9 + 0.3,
    /// so it differs from what programming gave), the rest not.
    func measuredTile(_ sim: DeviceSimulator, target: Float, T: Double, seed: UInt64 = 3)
        -> (targets: [Float], plain: ProgrammedTile, state: ProgrammedTile, at: [Double], key: TileKey) {
        let targets = [Float](repeating: target, count: n)
        let key = TileKey(seed: seed, trial: 1, tile: 2)
        let plain = sim.program(targets_uS: targets, key: key)
        var state = plain
        var at = [Double](repeating: .nan, count: n)
        for d in stride(from: 0, to: n, by: 2) {
            state.programmed_uS[d] = plain.programmed_uS[d] * 0.9 + 0.3
            state.stuck[d] = .none
            at[d] = T
        }
        return (targets, plain, state, at, key)
    }

    static let specs: [(String, DeviceSpec)] = [("pcm", .pcm), ("rram-hfox", .rramHfOx), ("rram", .rram)]

    /// With no read noise, a read at the measurement time returns the measured conductances bit for
    /// bit, and devices without a measurement read exactly as in a plain evaluation, noise or not.
    @Test(arguments: [0.0, 60.0, 86_400.0], [0, 1, 2])
    func exactAtTheMeasurementAndPlainElsewhere(T: Double, spec: Int) {
        let sim = DeviceSimulator(spec: Self.specs[spec].1, devicesPerConductance: 1, rramMode: .statistical)
        let t = measuredTile(sim, target: Float(sim.rules.gMax_uS / 2), T: T)
        var g = [Float](), s = [Float](), plainG = [Float](), plainS = [Float]()
        sim.evaluate(t.state, targets_uS: t.targets, measuredAt_s: t.at, key: t.key, t_s: T, readNoise: .off, threads: 3, g_uS: &g, readSigma_uS: &s)
        for d in stride(from: 0, to: n, by: 2) where g[d] != t.state.programmed_uS[d] {
            Issue.record("device \(d): \(g[d]) read at its measurement time, measured \(t.state.programmed_uS[d])")
            break
        }
        for mode in [ReadNoiseMode.off, .frozen] {
            sim.evaluate(t.state, targets_uS: t.targets, measuredAt_s: t.at, key: t.key, t_s: T + 3600, readNoise: mode, threads: 2, g_uS: &g, readSigma_uS: &s)
            sim.evaluate(t.plain, targets_uS: t.targets, key: t.key, t_s: T + 3600, readNoise: mode, threads: 1, g_uS: &plainG, readSigma_uS: &plainS)
            #expect(stride(from: 1, to: n, by: 2).allSatisfy { g[$0] == plainG[$0] && s[$0] == plainS[$0] }, "\(mode)")
        }
    }

    /// PCM: g(t) = g_m·((t + t0)/(T + t0))^−ν with the device's own ν, computed here in Double.
    @Test func pcmDriftsOnFromTheMeasuredValue() {
        let sim = DeviceSimulator(spec: .pcm, devicesPerConductance: 1)
        let t0 = DeviceSpec.pcm.model.pcm!.t0_s
        let (T, time) = (3600.0, 365.25 * 86_400)
        let m = measuredTile(sim, target: 12, T: T)
        var g = [Float](), s = [Float]()
        sim.evaluate(m.state, targets_uS: m.targets, measuredAt_s: m.at, key: m.key, t_s: time, readNoise: .off, g_uS: &g, readSigma_uS: &s)
        var worst = 0.0
        for d in stride(from: 0, to: n, by: 2) {
            let want = Double(m.state.programmed_uS[d]) * pow((time + t0) / (T + t0), -Double(m.state.driftExponent[d]))
            worst = max(worst, abs(Double(g[d]) - want) / want)
        }
        #expect(worst < 2e-6, "largest relative difference \(worst)")
    }

    /// RRAM (HfOx): from T on, the mean change is the model's mean shift μ(t) − μ(T) = −0.089 ln(t/T),
    /// and the spread of the change is below the total relaxation spread at t.
    @Test func rramRelaxesOnFromTheMeasurement() {
        let sim = DeviceSimulator(spec: .rramHfOx, devicesPerConductance: 1, rramMode: .statistical, stuckRates: StuckRates.none)
        let (T, time) = (100.0, 1e6)
        let m = measuredTile(sim, target: 50, T: T)
        var g = [Float](), s = [Float]()
        sim.evaluate(m.state, targets_uS: m.targets, measuredAt_s: m.at, key: m.key, t_s: time, readNoise: .off, g_uS: &g, readSigma_uS: &s)
        let change = stride(from: 0, to: n, by: 2).map { Double(g[$0] - m.state.programmed_uS[$0]) }
        let mean = change.reduce(0, +) / Double(change.count)
        let sd = (change.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(change.count - 1)).squareRoot()
        let total = 0.412 + 0.042 * log(time)
        #expect(abs(mean - (-0.089 * log(time / T))) < 4 * total / Double(change.count).squareRoot())
        #expect(sd > 0 && sd < total)
    }
}
