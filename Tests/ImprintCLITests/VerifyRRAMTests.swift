import Foundation
import Testing
import TestSupport

/// `verify` end to end on an RRAM plan in pulse mode, through the CLI: the JSON must make sense, stuck
/// devices must cost accuracy, and the tester-time figures must agree.
@Suite(.serialized) struct VerifyRRAMTests {
    /// The bundled PyTorch CNN on NeuRRAM-like RRAM with its large dense layer kept digital, so the
    /// pulse-by-pulse simulation of the debug build stays quick: 10,784 devices.
    static let plan: Result<URL, Error> = Result {
        let plan = try Fixtures.temporaryDirectory().appendingPathComponent("rram.plan")
        let r = try CommandRunner.run(["compile", "examples/models/fmnist_cnn_torch.onnx", "--device", "rram",
                                       "--keep-digital", "/classifier/classifier.1/Gemm", "--output", plan.path])
        guard r.status == 0 else { throw CommandFailure(output: r) }
        return plan
    }

    static let devices = 10_784   // 2 × (9·16 + 144·32 + 64·10)

    /// Runs verify in pulse mode with a stuck rate; returns the JSON document's bytes.
    static func verify(stuckRate: Double) throws -> Data {
        let plan = try plan.get()
        let out = plan.deletingLastPathComponent().appendingPathComponent("stuck-\(stuckRate).json")
        let r = try CommandRunner.run(["verify", plan.path, "--data", "fashion-mnist", "--limit", "200", "--trials", "2",
                                       "--times", "1s,1d", "--rram-mode", "pulse", "--stuck-rate", String(stuckRate),
                                       "--seed", "3", "--output", out.path])
        guard r.status == 0 else { throw CommandFailure(output: r) }
        return try Data(contentsOf: out)
    }

    static let cleanJSON = Result { try verify(stuckRate: 0) }
    static let stuckJSON = Result { try verify(stuckRate: 0.3) }

    static func document(_ json: Result<Data, Error>) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: json.get()) as? [String: Any])
    }

    static func meanAccuracy(_ doc: [String: Any], row: Int) throws -> Double {
        let results = try #require(doc["results"] as? [[String: Any]])
        return try #require(results[row]["accuracy_mean"] as? Double)
    }

    @Test func pulseModeJSONMakesSense() throws {
        let doc = try Self.document(Self.cleanJSON)
        #expect(doc["device"] as? String == "rram" && doc["samples"] as? Int == 200 && doc["trials"] as? Int == 2)
        let baseline = try #require(doc["baseline_accuracy"] as? Double)
        // The digital CNN scores about 90 % on Fashion-MNIST; 200 images leave a few points of spread.
        #expect(baseline > 0.8 && baseline <= 1)
        let results = try #require(doc["results"] as? [[String: Any]])
        #expect(results.count == 2)
        for row in results {
            let perTrial = try #require(row["accuracy_per_trial"] as? [Double])
            #expect(perTrial.count == 2 && perTrial.allSatisfy { $0 >= 0 && $0 <= 1 })
            let mean = try #require(row["accuracy_mean"] as? Double)
            #expect(abs(mean - perTrial.reduce(0, +) / 2) < 1e-12)
            // A programmed chip is worse than the exact weights, but far better than chance (10 %).
            #expect(mean > 0.5 && mean <= baseline + 0.03, "accuracy \(mean) vs baseline \(baseline)")
        }
        let p = try #require(doc["programming"] as? [String: Any])
        #expect(p["chips"] as? Int == 2 && p["devices_per_chip"] as? Int == Self.devices)
        #expect(p["stuck_devices_per_chip"] as? Double == 0)
        let success = try #require(p["verify_success_fraction"] as? Double)
        let inWindow = try #require(p["in_window_fraction"] as? Double)
        // The verify loop nearly always lands in the ±1 µS window; the fast relaxation afterwards
        // (σ ≈ 2.3 µS at 10 µS, devices.md §2) moves many devices out again.
        #expect(success > 0.95 && success <= 1)
        #expect(inWindow > 0.3 && inWindow < success)
        let mean = try #require(p["mean_pulses_per_device"] as? Double), most = try #require(p["max_pulses"] as? Int)
        #expect(mean > 1 && Double(most) >= mean && most <= 50 + 1)
    }

    @Test func stuckDevicesLowerAccuracyAndTheWindowFraction() throws {
        let clean = try Self.document(Self.cleanJSON), stuck = try Self.document(Self.stuckJSON)
        // Same seed, same data: the baseline does not depend on the chip.
        #expect(clean["baseline_accuracy"] as? Double == stuck["baseline_accuracy"] as? Double)
        for row in 0..<2 {
            let a = try Self.meanAccuracy(clean, row: row), b = try Self.meanAccuracy(stuck, row: row)
            #expect(b < a - 0.05, "time \(row): 30 % stuck devices give \(b), none \(a)")
        }
        let p = try #require(stuck["programming"] as? [String: Any]), q = try #require(clean["programming"] as? [String: Any])
        // Stuck per chip: binomial(10,784, 0.3) averaged over 2 chips; 5 σ.
        let perChip = try #require(p["stuck_devices_per_chip"] as? Double)
        let n = Double(Self.devices), sigma = (n * 0.3 * 0.7 / 2).squareRoot()
        #expect(abs(perChip - 0.3 * n) < 5 * sigma, "\(perChip) stuck per chip, expected \(0.3 * n) ± \(5 * sigma)")
        // Without stuck devices about 58 % sit in their window. Of the 30 % stuck, the half at g_max almost
        // never does and the half at g_min only where the target is g_min too (the forced devices, about
        // half): expected 0.7 · 0.58 + 0.075 ≈ 0.48, a drop near 0.1; n = 21,568 makes the spread ~0.003.
        let withStuck = try #require(p["in_window_fraction"] as? Double), without = try #require(q["in_window_fraction"] as? Double)
        #expect(withStuck < without - 0.05, "in window: \(withStuck) with 30 % stuck, \(without) without")
    }

    /// The compile-time estimate (pulse schedule) and the simulated pulses fed to the same time model
    /// agree within a factor of 2 on the NeuRRAM plan (measured: simulated ≈ 1.6 × the estimate).
    @Test func testerTimeFromTheScheduleAgreesWithTheSimulation() throws {
        let p = try #require(try Self.document(Self.cleanJSON)["programming"] as? [String: Any])
        let tester = try #require(p["tester_time_per_chip"] as? [String: Any])
        let schedule = try #require(tester["schedule_estimate"] as? [String: Any])
        let simulated = try #require(tester["simulated_pulses"] as? [String: Any])
        for key in ["seconds", "pulses", "verify_reads"] {
            let a = try #require(schedule[key] as? Double), b = try #require(simulated[key] as? Double)
            #expect(a > 0 && b > 0 && max(a / b, b / a) < 2, "\(key): schedule \(a), simulated \(b)")
        }
        // The simulated pulses are the mean per device times the devices of one chip.
        let mean = try #require(p["mean_pulses_per_device"] as? Double)
        #expect(abs((simulated["pulses"] as? Double ?? 0) - mean * Double(Self.devices)) < 1e-6 * mean * Double(Self.devices))
        // compile prints the same schedule estimate.
        let summary = try CommandRunner.run(["inspect", try Self.plan.get().path, "--json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(summary.stdout.utf8)) as? [String: Any])
        let compiled = try #require(doc["tester"] as? [String: Any])
        #expect(compiled["seconds"] as? Double == schedule["seconds"] as? Double)
    }
}
