import Datasets
import DeviceSimulation
import Engine
import Foundation
import NetworkModel
import Plan
import Testing
@testable import Verifier

@Suite struct VerifierRunTests {
    /// With every noise source off, each (trial, time, compensation) reproduces the digital accuracy of
    /// the plan's network exactly, and that equals `infer`'s accuracy on the compiled network.
    @Test func idealDevicesReproduceDigitalAccuracy() throws {
        let plan = try VerifierFixtures.cnnPlan.get()
        let data = try VerifierFixtures.fashion(500)
        var o = VerifierOptions()
        o.ideal = true; o.trials = 2; o.times_s = [1, 31_557_600]; o.compensations = [.none, .gdc]; o.threads = 2
        let result = try Verifier(plan: plan, options: o).run(data)
        let digital = try digitalAccuracy(plan.network, data)
        #expect(result.baselineAccuracy == digital)
        #expect(digital > 0.8)
        for r in result.results { #expect(r.accuracyPerTrial == [digital, digital]) }
        #expect(result.programming.devices == 0)
    }

    /// The settings of `deterministic`: frozen read noise with the ideal periphery (the engine's
    /// direct products), per-read noise with the ideal one (direct products with noise) and with
    /// the default one (tile by tile through `multiply`).
    enum NoiseSetting: CaseIterable, Sendable {
        case frozenIdeal, perReadIdeal, perReadDefault
        var readNoise: ReadNoiseMode { self == .frozenIdeal ? .frozen : .perRead }
        var periphery: Periphery { self == .perReadDefault ? .default : .ideal }
    }

    /// One run of `deterministic`: every compensation, AdaBS on 40 calibration samples.
    static func determinismRun(_ setting: NoiseSetting, threads: Int, batch: Int, seed: UInt64 = 7) throws -> VerificationResult {
        var o = VerifierOptions()
        o.trials = 1; o.times_s = [86_400]; o.compensations = [.none, .gdc, .gdcColumn, .adabs]; o.readNoise = setting.readNoise
        o.periphery = setting.periphery; o.threads = threads; o.batchSize = batch; o.seed = seed
        return try Verifier(plan: try VerifierFixtures.cnnPlan.get(), options: o)
            .run(try VerifierFixtures.fashion(75), calibration: try VerifierFixtures.fashionTrain(40))
    }

    /// Each setting's reference run (1 thread, one batch of all the samples), made once for its cases.
    static let frozenIdealReference = Result { try determinismRun(.frozenIdeal, threads: 1, batch: 256) }
    static let perReadIdealReference = Result { try determinismRun(.perReadIdeal, threads: 1, batch: 256) }
    static let perReadDefaultReference = Result { try determinismRun(.perReadDefault, threads: 1, batch: 256) }

    static func reference(_ setting: NoiseSetting) throws -> VerificationResult {
        switch setting {
        case .frozenIdeal: try frozenIdealReference.get()
        case .perReadIdeal: try perReadIdealReference.get()
        case .perReadDefault: try perReadDefaultReference.get()
        }
    }

    /// `--batch` is a memory knob and threads only speed things up: per-trial accuracies of every
    /// compensation (AdaBS included), per-layer errors and the device statistics are bitwise the same
    /// for batch 1, 37, 64, 100, 256 and 1, 2 or 4 threads, with the ideal and the default periphery;
    /// the seed decides them (`seedDecidesTheDeterministicRuns`). `make test` runs this under the
    /// SkylakeX and the Haswell kernels. 75 samples span two 64-row GEMM blocks of the dense layers,
    /// the second partial: batch 37 cuts inside both blocks and leaves a 1-sample tail, 64 ends on the
    /// block boundary, 100 and 256 make one call of all the samples. One case per setting and split,
    /// so the cases run in parallel against their setting's one reference run.
    @Test(arguments: NoiseSetting.allCases, [(2, 1), (4, 37), (1, 64), (2, 100)] as [(threads: Int, batch: Int)])
    func deterministic(setting: NoiseSetting, split: (threads: Int, batch: Int)) throws {
        let a = try Self.reference(setting)
        let b = try Self.determinismRun(setting, threads: split.threads, batch: split.batch)
        #expect(b.results == a.results)
        #expect(b.layers == a.layers)
        #expect(b.device == a.device)
    }

    @Test(arguments: NoiseSetting.allCases)
    func seedDecidesTheDeterministicRuns(setting: NoiseSetting) throws {
        #expect(try Self.determinismRun(setting, threads: 1, batch: 64, seed: 8).results != Self.reference(setting).results)
    }

    /// Every draw is keyed by the time's value, never by its place in the list of times, and a trial
    /// by its index alone: trial k at 1 y is the same alone, among other times in any order, and
    /// whether 2 or 3 trials were asked.
    @Test(arguments: [(ReadNoiseMode.frozen, Periphery.ideal), (.perRead, .default)])
    func timeAndTrialIndependentOfTheOthersAsked(readNoise: ReadNoiseMode, periphery: Periphery) throws {
        let plan = try VerifierFixtures.cnnPlan.get()
        let data = try VerifierFixtures.fashion(100)
        let calibration = try VerifierFixtures.fashionTrain(30)
        let year = 31_557_600.0
        func oneYear(times: [Double], trials: Int) throws -> [[Double]] {
            var o = VerifierOptions()
            o.trials = trials; o.times_s = times; o.compensations = [.gdc, .adabs]; o.readNoise = readNoise
            o.periphery = periphery; o.threads = 2; o.seed = 0
            let results = try Verifier(plan: plan, options: o).run(data, calibration: calibration).results
            return results.filter { $0.time_s == year }.map { Array($0.accuracyPerTrial.prefix(2)) }
        }
        let alone = try oneYear(times: [year], trials: 2)
        #expect(alone.count == 2 && alone.allSatisfy { $0.count == 2 })
        #expect(try oneYear(times: [86_400, year], trials: 2) == alone)
        #expect(try oneYear(times: [year, 3600], trials: 3) == alone)
    }

    /// The per-read noise of an output does not depend on how vectors are batched.
    @Test func perReadNoiseIsKeyedBySample() throws {
        let plan = try VerifierFixtures.compile(try VerifierFixtures.dense(inputs: 17, outputs: 12), .pcm, VerifierFixtures.options(.single))
        let nodes = try LayerMatrices.nodeIndices(of: plan)
        let w = LayerMatrices.weights(plan: plan, nodes: nodes, conductances_uS: plan.tiles.map(\.targets_uS))
        let sigma = plan.tiles.map { $0.targets_uS.map { _ in Float(0.5) } }
        let v = HardwareInstance.variances(plan: plan, nodes: nodes, sigma_uS: sigma)
        let provider = AnalogMatrixProducts(network: plan.network, mapped: w, variances: v,
                                            noise: .init(seed: 3, trial: 1, time_s: 86_400))
        let engine = try InferenceEngine(network: plan.network, provider: provider)
        let exact = try InferenceEngine(network: plan.network)
        let x: [Float] = (0..<(100 * 17)).map { (i: Int) -> Float in Float((i * 13) % 29) / 29 }
        let all = try engine.run(try Tensor(shape: [100, 17], data: x))
        // GEMM blocks and noise are keyed by the dataset-wide sample, so a tail run alone is the same.
        let tail = try engine.run(try Tensor(shape: [63, 17], data: Array(x[(37 * 17)...])), firstSample: 37)
        #expect(Array(all.data[(37 * 12)...]) == tail.data)
        let clean = try exact.run(try Tensor(shape: [100, 17], data: x))
        #expect(all.data != clean.data)
        // The noise has the predicted size: mean squared deviation ≈ mean predicted variance.
        var ratio = 0.0
        for s in 0..<100 { for c in 0..<12 {
            var predicted = 0.0
            for r in 0..<17 { predicted += Double(x[s * 17 + r] * x[s * 17 + r]) * Double(v.blocks[nodes[0]]![0][r * 12 + c]) }
            let d = Double(all.data[s * 12 + c] - clean.data[s * 12 + c])
            ratio += d * d / predicted
        }}
        #expect(abs(ratio / 1200 - 1) < 0.15)
    }

    /// PCM drift lowers accuracy after a year; GDC recovers part of the loss.
    @Test func pcmDriftAndGDC() throws {
        let plan = try VerifierFixtures.cnnPlan.get()
        let data = try VerifierFixtures.fashion(500)
        var o = VerifierOptions()
        o.trials = 3; o.times_s = [1, 31_557_600]; o.compensations = [.none, .gdc, .adabs]; o.seed = 1; o.threads = 2
        let calibration = try VerifierFixtures.fashionTrain(150)
        let r = try Verifier(plan: plan, options: o).run(data, calibration: calibration).results
        let (none1s, none1y, gdc1y, adabs1y) = (r[0].mean, r[3].mean, r[4].mean, r[5].mean)
        #expect(none1y < none1s, "\(r.map(\.accuracyPerTrial))")
        #expect(gdc1y > none1y, "\(r.map(\.accuracyPerTrial))")
        #expect(adabs1y > none1y, "\(r.map(\.accuracyPerTrial))")
        #expect(throws: VerifierError.self) { try Verifier(plan: plan, options: o).run(data) }
    }

    /// The default periphery (7-bit DAC, 9-bit ADC, output noise) with AdaBS: the same numbers with
    /// 1 or 2 threads; much larger output noise costs accuracy. 66 samples in batches of 64: a full
    /// batch split over the threads and a 2-sample tail too small to split.
    @Test func peripheryAndAdaBSDeterministic() throws {
        let plan = try VerifierFixtures.cnnPlan.get()
        let data = try VerifierFixtures.fashion(66)
        let calibration = try VerifierFixtures.fashionTrain(64)
        func run(threads: Int, seed: UInt64, periphery: Periphery = .default) throws -> [[Double]] {
            var o = VerifierOptions()
            o.trials = 1; o.times_s = [86_400]; o.compensations = [.none, .adabs]; o.periphery = periphery
            o.threads = threads; o.batchSize = 64; o.seed = seed
            return try Verifier(plan: plan, options: o).run(data, calibration: calibration).results.map(\.accuracyPerTrial)
        }
        let a = try run(threads: 1, seed: 3)
        #expect(try run(threads: 2, seed: 3) == a)
        var noisy = Periphery.default
        noisy.outputNoise = 1
        #expect(try run(threads: 2, seed: 3, periphery: noisy)[0][0] < a[0][0])
    }

    @Test func rejectsUnlabelledAndMisfittingData() throws {
        let plan = try VerifierFixtures.cnnPlan.get()
        let verifier = try Verifier(plan: plan, options: VerifierOptions())
        let unlabelled = try Dataset(source: "x.npy", samples: try VerifierFixtures.fashion(10).samples)
        #expect(throws: VerifierError.self) { try verifier.check(unlabelled) }
        let wrong = try Dataset(source: "y.npy", samples: NumericArray(shape: [2, 5], storage: .float32([Float](repeating: 0, count: 10))),
                                labels: [0, 1])
        #expect(throws: DatasetError.self) { try verifier.check(wrong) }
    }

    func digitalAccuracy(_ network: Network, _ data: Dataset) throws -> Double {
        let engine = try InferenceEngine(network: network, options: .init(threads: 2))
        let input = network.inputs[0]
        var correct = 0
        try engine.forEachBatch(samples: data.count, input: { range in
            try Tensor(shape: [range.count] + input.shape,
                       data: data.batch(range, inputShape: input.shape, channelsLast: input.sourceLayout == .nhwc, pixelScale: nil))
        }, body: { range, y in
            let n = y.data.count / range.count
            for (k, i) in range.enumerated() {
                let row = Array(y.data[(k * n)..<((k + 1) * n)])
                if row.firstIndex(of: row.max()!)! == data.labels![i] { correct += 1 }
            }
        })
        return Double(correct) / Double(data.count)
    }
}
