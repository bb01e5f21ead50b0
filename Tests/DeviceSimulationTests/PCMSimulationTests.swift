import Foundation
import Testing
import Devices
@testable import DeviceSimulation

@Suite struct PCMSimulationTests {
    let sim = DeviceSimulator(spec: .pcm, devicesPerConductance: 1)
    let model = DeviceSpec.pcm.model.pcm!
    let n = 20_000

    func tile(x: Double, seed: UInt64 = 1) -> (targets: [Float], programmed: ProgrammedTile, key: TileKey) {
        let targets = [Float](repeating: Float(x * 25), count: n)
        let key = TileKey(seed: seed, trial: 0, tile: 0)
        return (targets, sim.program(targets_uS: targets, key: key), key)
    }

    /// Programming error: mean 0 and σ equal to devices.md's golden σ_prog at each x.
    @Test(arguments: [(0.1, 0.4482), (0.25, 0.6814), (0.5, 0.9527), (0.75, 1.0774), (1.0, 1.0554)])
    func programmingError(x: Double, goldenSigma_uS: Double) {
        let t = tile(x: x)
        let m = Moments(zip(t.programmed.programmed_uS, t.targets).map { Double($0 - $1) })
        #expect(abs(m.mean) < 4 * goldenSigma_uS / Double(n).squareRoot())
        #expect(abs(m.sigma - goldenSigma_uS) < 4 * goldenSigma_uS / (2 * Double(n)).squareRoot())
        #expect(t.programmed.success.allSatisfy { $0 } && t.programmed.pulses.allSatisfy { $0 == 0 })
    }

    @Test func resetDevicesAreClampedAtZero() {
        let t = tile(x: 0)
        #expect(t.programmed.programmed_uS.allSatisfy { $0 >= 0 })
        // Half the draws clamp to 0; the other half is a half-normal of σ 0.2635 (mean σ·√(2/π)).
        let zeros = t.programmed.programmed_uS.filter { $0 == 0 }.count
        #expect(abs(Double(zeros) / Double(n) - 0.5) < 4 * (0.25 / Double(n)).squareRoot())
    }

    /// ν = |μ_ν + σ_ν N| at x = 0.5 (μ 0.049, σ 0.008) and x = 0.1 (μ 0.0601, σ 0.0229).
    @Test(arguments: [(0.5, 0.049, 0.008), (0.1, 0.0601, 0.0229)])
    func driftExponents(x: Double, mu: Double, sigma: Double) {
        let m = Moments(tile(x: x).programmed.driftExponent.map(Double.init))
        #expect(abs(m.mean - mu) < 4 * sigma / Double(n).squareRoot() + 5e-5)
        #expect(abs(m.sigma - sigma) < 4 * sigma / (2 * Double(n)).squareRoot() + 5e-5)
    }

    /// Mean drift factor at 1 day / 1 year. For a fixed ν = 0.049 it is devices.md's 0.6635 / 0.4969;
    /// with ν ~ N(0.049, 0.008²) its mean is that times exp(σ²L²/2), L = ln((t + t0)/t0) (lognormal).
    @Test(arguments: [(86_400.0, 0.6635), (365 * 86_400.0, 0.4969)])
    func driftFactor(t_s: Double, golden: Double) {
        let pcm = PCMSimulation(model: model, gMax_uS: 25)
        #expect(abs(pcm.conductance_uS(programmed_uS: 1, nu: 0.049, t_s: t_s) - golden) < 5e-5)
        let t = tile(x: 0.5)
        var g = [Float](), s = [Float]()
        sim.evaluate(t.programmed, targets_uS: t.targets, key: t.key, t_s: t_s, readNoise: .off,
                     g_uS: &g, readSigma_uS: &s)
        let m = Moments(zip(g, t.programmed.programmed_uS).map { Double($0 / $1) })
        let L = log((t_s + 20) / 20)
        #expect(abs(m.mean - golden * exp(0.008 * 0.008 * L * L / 2)) < 4 * m.meanError + 1e-4)
        #expect(s.allSatisfy { $0 == 0 })
    }

    /// Frozen read noise: (read − g(t)) / (g(t)·Q_s(x_prog)·factor) is standard normal, with the
    /// golden factors 4.184 / 5.087 / 5.637 at t = 0 / 1 day / 1 year.
    @Test(arguments: [(0.0, 4.184), (86_400.0, 5.087), (365 * 86_400.0, 5.637)])
    func readNoise(t_s: Double, goldenFactor: Double) {
        #expect(abs(model.readNoiseTimeFactor(t_s: t_s) - goldenFactor) < 5e-4)
        let t = tile(x: 0.5)
        var clean = [Float](), noisy = [Float](), s = [Float]()
        sim.evaluate(t.programmed, targets_uS: t.targets, key: t.key, t_s: t_s, readNoise: .off,
                     g_uS: &clean, readSigma_uS: &s)
        sim.evaluate(t.programmed, targets_uS: t.targets, key: t.key, t_s: t_s, readNoise: .frozen,
                     g_uS: &noisy, readSigma_uS: &s)
        var z = [Double]()
        for d in 0..<n {
            let g0 = Double(t.programmed.programmed_uS[d])
            let expected = Double(clean[d]) * model.readNoiseQ(x: g0 / 25) * goldenFactor
            #expect(abs(Double(s[d]) - expected) <= 1e-3 * expected)
            z.append(Double(noisy[d] - clean[d]) / expected)
        }
        let m = Moments(z)
        #expect(abs(m.mean) < 4 / Double(n).squareRoot())
        #expect(abs(m.sigma - 1) < 4 / (2 * Double(n)).squareRoot() + 2e-3)
        #expect(ksStatistic(z, cdf: normalCDF) < 1.36 / Double(n).squareRoot() + 1e-3)
    }

    @Test func perReadModeReportsSigmaWithoutSampling() {
        let t = tile(x: 0.25)
        var clean = [Float](), perRead = [Float](), s0 = [Float](), s1 = [Float]()
        sim.evaluate(t.programmed, targets_uS: t.targets, key: t.key, t_s: 3600, readNoise: .off,
                     g_uS: &clean, readSigma_uS: &s0)
        sim.evaluate(t.programmed, targets_uS: t.targets, key: t.key, t_s: 3600, readNoise: .perRead,
                     g_uS: &perRead, readSigma_uS: &s1)
        #expect(clean == perRead)
        #expect(s1.allSatisfy { $0 > 0 })
    }

    /// HERMES: 2 devices per conductance, so x is relative to the device g_max 10.35 µS and σ_prog
    /// scales by 10.35 / 20.7 (the cubic at x = 0.5: 0.166 + 4.718/2 − 8.481/4 + 4.690/8).
    @Test func hermesUsesTheDeviceRange() {
        let hermes = DeviceSimulator(spec: .pcmHermes, devicesPerConductance: 2)
        let targets = [Float](repeating: 10.35 / 2, count: n)
        let p = hermes.program(targets_uS: targets, key: TileKey(seed: 9, trial: 1, tile: 2))
        let expected = (0.166 + 4.718 * 0.5 - 8.481 * 0.25 + 4.690 * 0.125) * 0.5
        let m = Moments(zip(p.programmed_uS, targets).map { Double($0 - $1) })
        #expect(abs(m.sigma - expected) < 4 * expected / (2 * Double(n)).squareRoot())
    }
}
