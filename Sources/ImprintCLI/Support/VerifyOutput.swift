import Compiler
import Datasets
import Foundation
import Plan
import Verifier
import FileSupport
import VerifyReport

extension Verify {
    /// Baseline, the time × compensation table, and programming statistics.
    func printTable(_ r: VerificationResult, plan: Plan, set: Dataset, calibration: Dataset?, options: VerifierOptions, seconds: Double) {
        print("Plan: \(self.plan) (\(plan.device.name), \(counted(plan.deviceCount, "device")) on \(counted(plan.tiles.count, "tile")))")
        print("Data: \(set.source), \(grouped(r.samples)) samples; \(counted(options.trials, "trial")), seed \(options.seed), read noise \(options.readNoise.rawValue)")
        print("Periphery: \(options.periphery.summary)")
        if let calibration { print("Calibration (adabs): \(calibration.source), \(grouped(calibration.count)) samples") }
        print(String(format: "Baseline (plan's network as compiled): %.2f %%", r.baselineAccuracy * 100))
        print("")
        var rows = [["time", "compensation", "accuracy (mean ± std)", "min", "drop (pp)"]]
        for row in r.results {
            rows.append([TimeParsing.label(row.time_s), row.compensation.rawValue,
                         String(format: "%.2f ± %5.2f %%", row.mean * 100, row.std * 100), String(format: "%.2f %%", row.min * 100),
                         String(format: "%.2f", (r.baselineAccuracy - row.mean) * 100)])
        }
        TextTable.render(rows, rightAligned: [2, 3, 4]).forEach { print($0) }
        print("")
        printLayerErrors(r, options: options)
        let p = r.programming
        if p.devices > 0 {
            var line = String(format: "Programming: %.2f %% of devices in their window", p.successRate * 100)
            if p.pulses > 0 { line += String(format: ", %.1f pulses per device on average, at most %d", p.meanPulses, p.maxPulses) }
            else { line += " (the device model gives no pulse counts)" }
            line += p.stuck > 0 ? ", \(grouped(p.stuck)) stuck devices over all trials" : ""
            let tester = testerTime(r, plan: plan)
            print(line + String(format: "; estimated tester time %.3g s per chip (", tester.seconds) + sourceText(tester) + ")")
        }
        print(String(format: "Time: %.1f s", seconds))
    }

    /// The `--report` page: the same summary as the table, with the charts.
    func htmlReport(_ r: VerificationResult, plan: Plan, set: Dataset, options: VerifierOptions) -> VerifyReport {
        var summary: [(String, String)] = [
            ("plan", self.plan),
            ("network", plan.network.name),
            ("device", "\(plan.device.name), \(counted(plan.deviceCount, "device")) on \(counted(plan.tiles.count, "tile"))"),
            ("data", "\(set.source), \(grouped(r.samples)) samples"),
            ("trials", String(options.trials)),
            ("seed", String(options.seed)),
            ("read noise", options.readNoise.rawValue),
            ("periphery", options.periphery.summary),
            ("baseline", String(format: "%.2f %% (the plan's network as compiled)", r.baselineAccuracy * 100)),
        ]
        let p = r.programming
        if p.devices > 0 {
            let tester = testerTime(r, plan: plan)
            summary.append(("programming", String(format: "%.2f %% of devices in their window", p.successRate * 100)
                + (p.pulses > 0 ? String(format: ", %.1f pulses per device on average", p.meanPulses) : "")
                + (p.stuck > 0 ? ", \(grouped(p.stuck)) stuck devices" : "")))
            summary.append(("tester time", String(format: "%.3g s per chip (estimate, ", tester.seconds) + sourceText(tester) + ")"))
        }
        let samples = min(r.samples, Verifier.layerErrorSamples)
        return VerifyReport(
            title: "imprint verify: \(URL(fileURLWithPath: self.plan).lastPathComponent)", summary: summary, result: r,
            times_s: options.times_s, layerNames: plan.layers.map(\.node),
            layerErrorNote: "‖y_analog − y_exact‖ / ‖y_exact‖ of each layer's matrix product on the same input (what the analog run feeds the layer), "
                + "over the first \(grouped(samples)) samples, with compensation \(options.layerErrorCompensation.rawValue), mean over trials.")
    }

    /// The compiler's tester-time model with the simulated mean pulse count when the device model gives one.
    func testerTime(_ r: VerificationResult, plan: Plan) -> VerificationDocument.TesterTime {
        let simulated = r.programming.pulses > 0
        let t = simulated ? TesterTimeEstimate(plan: plan, simulatedPulsesPerDevice: r.programming.meanPulses) : TesterTimeEstimate(plan: plan)
        return .init(seconds: t.seconds, pulses: t.pulses, reads: t.reads, source: simulated ? "simulated_pulses" : "pulse_schedule")
    }

    /// How the text says where the tester-time estimate takes its pulse count from.
    func sourceText(_ t: VerificationDocument.TesterTime) -> String {
        t.source == "simulated_pulses" ? "from the simulated pulses" : "from the pulse schedule"
    }

    /// The layers with the largest relative output error at the last time, largest first.
    func printLayerErrors(_ r: VerificationResult, options: VerifierOptions, top: Int = 5) {
        guard let lastTime = options.times_s.last, !r.layers.isEmpty, r.layers.allSatisfy({ !$0.relativeError.isEmpty }) else { return }
        let ranked = r.layers.sorted { $0.relativeError.last! > $1.relativeError.last! }.prefix(top)
        print("Layers with most error (relative output error at \(TimeParsing.label(lastTime)), compensation \(options.layerErrorCompensation.rawValue), first \(grouped(min(r.samples, Verifier.layerErrorSamples))) samples):")
        var rows = [["layer", "matrix (rows×cols×groups)", "tiles", "error"]]
        for layer in ranked {
            rows.append([layer.node, "\(layer.matrix.rows)×\(layer.matrix.columns)×\(layer.matrix.groups)", String(layer.tiles),
                         String(format: "%.2f %%", layer.relativeError.last! * 100)])
        }
        TextTable.render(rows, rightAligned: [2, 3], indent: "  ").forEach { print($0) }
        print("")
    }
}
