import Foundation
import Testing
import Devices
@testable import DeviceSimulation

@Suite struct DeterminismTests {
    /// One thread vs four (concurrentPerform over chunks): bitwise-identical buffers for every preset
    /// and RRAM mode, with stuck devices on.
    @Test(arguments: ["pcm", "pcm-hermes", "rram/pulse", "rram/statistical", "rram-hfox/statistical"])
    func threadCountDoesNotMatter(name: String) {
        let parts = name.split(separator: "/").map(String.init)
        let spec = DeviceSpec.presets.first { $0.name == parts[0] }!
        let mode = parts.count > 1 ? RRAMMode(rawValue: parts[1] == "pulse" ? "pulse" : "statistical")! : .pulseLevel
        let sim = DeviceSimulator(spec: spec, devicesPerConductance: spec.devicesPerConductance, rramMode: mode,
                                  stuckRates: .hfo2FourMegabit)
        let key = TileKey(seed: 2024, trial: 3, tile: 11)
        let targets = (0..<6000).map { Float(Double($0 % 97) / 96 * sim.rules.gMax_uS) }
        let one = sim.program(targets_uS: targets, key: key, threads: 1)
        let four = sim.program(targets_uS: targets, key: key, threads: 4)
        #expect(one == four)
        #expect(one != sim.program(targets_uS: targets, key: TileKey(seed: 2024, trial: 4, tile: 11)))
        var g1 = [Float](), g2 = [Float](), s = [Float]()
        sim.evaluate(one, targets_uS: targets, key: key, t_s: 86_400, readNoise: .frozen, g_uS: &g1, readSigma_uS: &s)
        // Evaluating other times first changes nothing: a read is keyed by its time's value alone (RRAM's
        // relaxation walks a fixed decade grid, not the times a run asks for).
        for other in [0.0, 3600, 31_557_600, 5] {
            sim.evaluate(four, targets_uS: targets, key: key, t_s: other, readNoise: .frozen, g_uS: &g2, readSigma_uS: &s)
            sim.evaluate(four, targets_uS: targets, key: key, t_s: 86_400, readNoise: .frozen, g_uS: &g2, readSigma_uS: &s)
            #expect(g1 == g2, "after \(other) s")
        }
    }
}

@Suite struct ReadNoiseVarianceTests {
    /// V_rc = k_c² Σ_s f_s² σ²_src, and Var(y_c) = Σ_r x_r² V_rc matches a Monte-Carlo of the crossbar.
    @Test func outputReferredVarianceMatchesSampling() {
        let rows = 6, columns = 3, significances = [3.0, 3.0, 1.0, 1.0], signs: [Float] = [1, -1, 1, -1]
        let slots = significances.count
        var sigma = [Float](), g = [Float]()
        for i in 0..<(slots * rows * columns) { sigma.append(0.2 + Float(i % 7) * 0.05); g.append(5 + Float(i % 5)) }
        let k: [Float] = [0.01, 0.02, 0.005]
        var v = [Float]()
        ReadNoise.weightVariance(readSigma_uS: sigma, rows: rows, columns: columns, significances: significances,
                                 weightPerMicrosiemens: k, into: &v)
        for r in 0..<rows { for c in 0..<columns {
            var expected = 0.0
            for s in 0..<slots {
                let sd = Double(sigma[(s * rows + r) * columns + c])
                expected += significances[s] * significances[s] * sd * sd
            }
            expected *= Double(k[c] * k[c])
            #expect(abs(Double(v[r * columns + c]) - expected) <= 1e-6 * expected)
        }}
        let x: [Double] = [1, -0.5, 0.25, 2, 0, -1.5]
        var stream = TileKey(seed: 1, trial: 0, tile: 0).stream(device: 0, purpose: .read)
        let samples = 20_000
        for c in 0..<columns {
            var ys = [Double]()
            for _ in 0..<samples {
                var y = 0.0
                for r in 0..<rows {
                    var w = 0.0
                    for s in 0..<slots {
                        let i = (s * rows + r) * columns + c
                        w += significances[s] * Double(signs[s]) * (Double(g[i]) + Double(sigma[i]) * stream.normal())
                    }
                    y += x[r] * w * Double(k[c])
                }
                ys.append(y)
            }
            let predicted = (0..<rows).reduce(0.0) { $0 + x[$1] * x[$1] * Double(v[$1 * columns + c]) }
            let m = Moments(ys)
            #expect(abs(m.variance - predicted) < 4 * predicted * (2.0 / Double(samples)).squareRoot())
        }
    }
}
