import Compiler
import Datasets
import DeviceFit
import DeviceSimulation
import Devices
import Foundation
import ModelImport
import Plan
import Testing
import TestSupport
import Verifier

/// Data sampled from a preset's own parameters, fitted, give a spec whose verified accuracy on the
/// bundled MLP is the preset's within the statistical error of the trials.
@Suite struct RoundTripTests {
    static let samples = 300
    static let trials = 3

    static func accuracy(_ spec: DeviceSpec, rramMode: RRAMMode? = nil) throws -> [(mean: Double, std: Double)] {
        let network = try ModelLoader.load(Fixtures.models.appendingPathComponent("fmnist_mlp_k2.h5"))
        let plan = try PlanCompiler.compile(network, device: spec, options: CompileOptions(),
                                            source: SourceModel(fileName: "mlp", sha256: ""), toolVersion: "test")
        var o = VerifierOptions()
        o.times_s = [1, 86_400]
        o.trials = trials
        o.threads = 2
        if let rramMode { o.rramMode = rramMode }
        let data = try DatasetLoader.load("fashion-mnist").prefix(samples)
        let result = try Verifier(plan: plan, options: o).run(data)
        return result.results.map { ($0.mean, $0.std) }
    }

    static func compare(_ preset: DeviceSpec, _ fitted: DeviceSpec, rramMode: RRAMMode? = nil) throws {
        let a = try accuracy(preset, rramMode: rramMode), b = try accuracy(fitted, rramMode: rramMode)
        for (x, y) in zip(a, b) {
            // Two means of `trials` chips each; one image (1/samples) as a floor for identical runs.
            let error = ((x.std * x.std + y.std * y.std) / Double(trials)).squareRoot()
            #expect(abs(x.mean - y.mean) <= 3 * error + 1.0 / Double(samples),
                    "preset \(x.mean) ± \(x.std), fitted \(y.mean) ± \(y.std)")
        }
    }

    @Test func pcmPreset() throws {
        let m = PCMModel.nandakumar
        var truth = CharacterisationGenerator.PCMTruth()
        truth.gMax_uS = DeviceSpec.pcm.gMax_uS
        truth.sigma = m.programNoiseCoefficients_uS
        truth.mu = (m.driftMean.slope, m.driftMean.intercept, m.driftMean.min, m.driftMean.max)
        truth.sd = (m.driftStd.slope, m.driftStd.intercept, m.driftStd.min, m.driftStd.max)
        truth.q = (m.readNoise.qCoefficient, m.readNoise.qExponent, m.readNoise.qMax)
        truth.t0_s = m.t0_s
        truth.tRead_s = m.readNoise.tRead_s
        truth.times_s = [20, 200, 3600, 86_400, 1e6]
        var gen = CharacterisationGenerator()
        gen.devicesPerLevel = 400
        gen.readsPerTime = 3
        let data = try CharacterisationGenerator.data { try gen.pcm(truth, $0) }
        // g_max given: the preset maps the largest weight to 25 µS, and so must the fitted spec for
        // the two plans to be the same plan.
        let fit = try DeviceFitter.fit(data, options: FitOptions(technology: .pcm, base: .pcm, gMax_uS: truth.gMax_uS,
                                                                  bootstrapReplicates: 4, threads: 2, toolVersion: "test"))
        try Self.compare(.pcm, fit.spec)
    }

    @Test func rramHfOxPreset() throws {
        var truth = CharacterisationGenerator.RRAMTruth()
        truth.sigma = (0.01122, 0.01129)        // the preset's programming_spread (devices.md §2, 2 % band)
        truth.shift = -0.089
        truth.spread = (0.412, 0.042)
        truth.readCoefficient = 0.0277
        truth.levels = stride(from: 10.0, through: 88, by: 2).map { $0 }  // continuous targets: no level table
        var gen = CharacterisationGenerator()
        gen.devicesPerLevel = 100
        gen.readsPerTime = 3
        let data = try CharacterisationGenerator.data { try gen.rram(truth, $0) }
        let fit = try DeviceFitter.fit(data, options: FitOptions(technology: .rram, base: .rramHfOx, bootstrapReplicates: 4,
                                                                  threads: 2, toolVersion: "test"))
        #expect(fit.spec.levels_uS == nil)
        var preset = DeviceSpec.rramHfOx
        preset.stuck = .none                     // the generated devices have none; the fit finds none
        try Self.compare(preset, fit.spec, rramMode: .statistical)
    }
}
