import Datasets
import Foundation
import Plan
import Testing
@testable import Verifier

/// Per-layer errors and the trial-0 device statistics that `verify` prints and draws.
@Suite struct RunStatisticsTests {
    /// Ideal devices hold the compiled weights, so every layer's output equals the exact product.
    @Test func idealDevicesHaveNoLayerError() throws {
        let plan = try VerifierFixtures.cnnPlan.get()
        var o = VerifierOptions()
        o.ideal = true; o.trials = 1; o.times_s = [1, 86_400]; o.threads = 2
        let result = try Verifier(plan: plan, options: o).run(try VerifierFixtures.fashion(40))
        #expect(result.layers.map(\.node) == plan.layers.map(\.node))
        for layer in result.layers {
            #expect(layer.relativeError.count == 2)
            #expect(layer.relativeError.allSatisfy { $0 < 1e-5 }, "\(layer.node): \(layer.relativeError)")
        }
        let device = try #require(result.device)
        #expect(device.tiles.count == plan.tiles.count)
        #expect(device.tiles.allSatisfy { $0.rmsError_uS == 0 })
        // Targets, programmed and last-time histograms each count every device once.
        for h in device.histograms {
            #expect(h.targets == h.programmed && h.targets == h.last)
        }
        #expect(device.histograms.map { $0.targets.reduce(0, +) }.reduce(0, +) == plan.deviceCount)
    }

    /// Layer errors depend on the seed only, not on threads or batch size; drift makes them grow.
    /// 150 samples: batches of 100 (the second starting inside a 64-row GEMM block) against one
    /// batch of all, split over 2 threads.
    @Test func layerErrorsAreDeterministicAndGrowWithDrift() throws {
        let plan = try VerifierFixtures.cnnPlan.get()
        let data = try VerifierFixtures.fashion(150)
        func run(threads: Int, batch: Int) throws -> VerificationResult {
            var o = VerifierOptions()
            o.trials = 2; o.times_s = [1, 31_557_600]; o.compensations = [.none, .gdc]
            o.threads = threads; o.batchSize = batch; o.seed = 5
            return try Verifier(plan: plan, options: o).run(data)
        }
        let a = try run(threads: 1, batch: 100)
        let b = try run(threads: 2, batch: 256)
        #expect(a.layers == b.layers)
        #expect(a.device == b.device)
        for layer in a.layers {
            #expect(layer.relativeError[0] > 0 && layer.relativeError[1] > layer.relativeError[0], "\(layer.node): \(layer.relativeError)")
        }
        let device = try #require(a.device)
        #expect(device.tiles.allSatisfy { $0.rmsError_uS > 0 })
        #expect(device.histograms.map(\.role) == ["pos", "neg"])
    }
}
