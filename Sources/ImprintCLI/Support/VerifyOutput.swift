import Compiler
import Datasets
import Foundation
import Plan
import Verifier
import VerifyReport

extension Verify {
    /// Baseline, the time × compensation table, and programming statistics.
    func printTable(_ r: VerificationResult, plan: Plan, set: Dataset, calibration: Dataset?, options: VerifierOptions, seconds: Double) {
        print("Plan: \(self.plan) (\(plan.device.name), \(grouped(plan.deviceCount)) devices on \(plan.tiles.count) tiles)")
        print("Data: \(set.source), \(grouped(r.samples)) samples; \(options.trials) trial\(options.trials == 1 ? "" : "s"), seed \(options.seed), read noise \(options.readNoise.rawValue)")
        print("Periphery: \(options.periphery.summary)")
        if let calibration { print("Calibration (adabs): \(calibration.source), \(grouped(calibration.count)) samples") }
        print(String(format: "Baseline (plan's network as compiled): %.2f %%", r.baselineAccuracy * 100))
        print("")
        print("time        compensation   accuracy (mean ± std)   min        drop (pp)")
        for row in r.results {
            let time = timeText(row.time_s).padding(toLength: 12, withPad: " ", startingAt: 0)
            let comp = row.compensation.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0)
            print(time + comp + String(format: "%6.2f ± %5.2f %%         %6.2f %%   %6.2f",
                                         row.mean * 100, row.std * 100, row.min * 100, (r.baselineAccuracy - row.mean) * 100))
        }
        print("")
        printLayerErrors(r, options: options)
        let p = r.programming
        if p.devices > 0 {
            var line = String(format: "Programming: %.2f %% of devices in their window", p.successRate * 100)
            if p.pulses > 0 { line += String(format: ", %.1f pulses per device on average, at most %d", p.meanPulses, p.maxPulses) }
            else { line += " (the device model gives no pulse counts)" }
            line += p.stuck > 0 ? ", \(grouped(p.stuck)) stuck devices over all trials" : ""
            let (tester, source) = testerTime(r, plan: plan)
            print(line + String(format: "; estimated tester time %.3g s per chip (", tester.seconds) + source.text + ")")
        }
        print(String(format: "Time: %.1f s", seconds))
    }

    func jsonDocument(_ r: VerificationResult, plan: Plan, calibration: Dataset?, options: VerifierOptions) -> JSONValue.Object {
        let results: [Any?] = r.results.map { row in
            JSONValue.Object(pairs: [
                ("time_s", row.time_s), ("compensation", row.compensation.rawValue),
                ("accuracy_mean", row.mean), ("accuracy_std", row.std), ("accuracy_min", row.min),
                ("accuracy_per_trial", row.accuracyPerTrial.map { $0 as Any? }),
            ])
        }
        let p = r.programming
        let (tester, source) = testerTime(r, plan: plan)
        let q = options.periphery
        let periphery = JSONValue.Object(pairs: [
            ("dac_bits", q.inputBits), ("adc_bits", q.outputBits), ("adc_bound", q.outputBound.isFinite ? q.outputBound : nil),
            ("output_noise", q.outputNoise), ("ir_drop", q.wireResistancePerCell_ohm != nil),
            ("wire_resistance_per_cell_ohm", q.wireResistancePerCell_ohm),
        ])
        return JSONValue.Object(pairs: [
            ("baseline_accuracy", r.baselineAccuracy), ("samples", r.samples), ("trials", options.trials),
            ("seed", Int(truncatingIfNeeded: options.seed)), ("device", plan.device.name), ("read_noise", options.readNoise.rawValue),
            ("periphery", periphery),
            ("calibration", calibration.map { JSONValue.Object(pairs: [("source", $0.source), ("samples", $0.count)]) }),
            ("results", results),
            ("programming", JSONValue.Object(pairs: [
                ("devices", p.devices), ("success_rate", p.successRate),
                ("mean_pulses", p.pulses > 0 ? p.meanPulses : nil), ("max_pulses", p.pulses > 0 ? p.maxPulses : nil),
                ("stuck_devices", p.stuck),
                ("estimated_tester_time_s", tester.seconds), ("estimated_tester_pulses", tester.pulses),
                ("estimated_tester_reads", tester.reads), ("tester_time_source", source.rawValue),
            ])),
            ("layers", r.layers.map { layer -> Any? in
                JSONValue.Object(pairs: [
                    ("node", layer.node), ("rows", layer.matrix.rows), ("columns", layer.matrix.columns),
                    ("groups", layer.matrix.groups), ("tiles", layer.tiles),
                    ("relative_error", layer.relativeError.map { $0 as Any? }),
                ])
            }),
            ("layer_error", JSONValue.Object(pairs: [
                ("compensation", options.layerErrorCompensation.rawValue),
                ("samples", min(r.samples, Verifier.layerErrorSamples)),
            ])),
        ])
    }

    /// The `--report` page: the same summary as the table, with the charts.
    func htmlReport(_ r: VerificationResult, plan: Plan, set: Dataset, options: VerifierOptions) -> VerifyReport {
        var summary: [(String, String)] = [
            ("plan", self.plan),
            ("network", plan.network.name),
            ("device", "\(plan.device.name), \(grouped(plan.deviceCount)) devices on \(plan.tiles.count) tiles"),
            ("data", "\(set.source), \(grouped(r.samples)) samples"),
            ("trials", String(options.trials)),
            ("seed", String(options.seed)),
            ("read noise", options.readNoise.rawValue),
            ("periphery", options.periphery.summary),
            ("baseline", String(format: "%.2f %% (the plan's network as compiled)", r.baselineAccuracy * 100)),
        ]
        let p = r.programming
        if p.devices > 0 {
            let (tester, source) = testerTime(r, plan: plan)
            summary.append(("programming", String(format: "%.2f %% of devices in their window", p.successRate * 100)
                + (p.pulses > 0 ? String(format: ", %.1f pulses per device on average", p.meanPulses) : "")
                + (p.stuck > 0 ? ", \(grouped(p.stuck)) stuck devices" : "")))
            summary.append(("tester time", String(format: "%.3g s per chip (estimate, ", tester.seconds) + source.text + ")"))
        }
        let samples = min(r.samples, Verifier.layerErrorSamples)
        return VerifyReport(
            title: "imprint verify: \(URL(fileURLWithPath: self.plan).lastPathComponent)", summary: summary, result: r,
            times_s: options.times_s, layerNames: plan.layers.map(\.node),
            layerErrorNote: "‖y_analog − y_exact‖ / ‖y_exact‖ of each layer's matrix product on the same input (what the analog run feeds the layer), "
                + "over the first \(grouped(samples)) samples, with compensation \(options.layerErrorCompensation.rawValue), mean over trials.")
    }

    /// Where the tester-time estimate takes its pulse count from.
    enum TesterTimeSource: String {
        case simulated = "simulated_pulses", schedule = "pulse_schedule"
        var text: String { self == .simulated ? "from the simulated pulses" : "from the pulse schedule" }
    }

    /// The compiler's tester-time model with the simulated mean pulse count when the device model gives one.
    func testerTime(_ r: VerificationResult, plan: Plan) -> (TesterTimeEstimate, TesterTimeSource) {
        r.programming.pulses > 0
            ? (TesterTimeEstimate(plan: plan, simulatedPulsesPerDevice: r.programming.meanPulses), .simulated)
            : (TesterTimeEstimate(plan: plan), .schedule)
    }

    /// The layers with the largest relative output error at the last time, largest first.
    func printLayerErrors(_ r: VerificationResult, options: VerifierOptions, top: Int = 5) {
        guard let lastTime = options.times_s.last, !r.layers.isEmpty, r.layers.allSatisfy({ !$0.relativeError.isEmpty }) else { return }
        let ranked = r.layers.sorted { $0.relativeError.last! > $1.relativeError.last! }.prefix(top)
        print("Layers with most error (relative output error at \(timeText(lastTime)), compensation \(options.layerErrorCompensation.rawValue), first \(grouped(min(r.samples, Verifier.layerErrorSamples))) samples):")
        let width = max(5, ranked.map(\.node.count).max() ?? 0) + 2
        print("  " + "layer".padding(toLength: width, withPad: " ", startingAt: 0) + "matrix (rows×cols×groups)  tiles   error")
        for layer in ranked {
            let m = "\(layer.matrix.rows)×\(layer.matrix.columns)×\(layer.matrix.groups)"
            print("  " + layer.node.padding(toLength: width, withPad: " ", startingAt: 0) + m.padding(toLength: 27, withPad: " ", startingAt: 0)
                  + String(format: "%5d  %6.2f %%", layer.tiles, layer.relativeError.last! * 100))
        }
        print("")
    }

    func timeText(_ s: Double) -> String { TimeParsing.label(s) }
}
