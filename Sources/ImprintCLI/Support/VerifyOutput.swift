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
        if let m = r.measured { printMeasured(m) }
        var rows = [["time", "compensation", "accuracy (mean ± std)", "min", "drop (pp)"]]
        for row in r.results {
            rows.append([TimeParsing.label(row.time_s), row.compensation.rawValue,
                         String(format: "%.2f ± %5.2f %%", row.mean * 100, row.std * 100), String(format: "%.2f %%", row.min * 100),
                         String(format: "%.2f", (r.baselineAccuracy - row.mean) * 100)])
        }
        TextTable.render(rows, rightAligned: [2, 3, 4]).forEach { print($0) }
        print("")
        printLayerErrors(r, options: options)
        for line in programmingLines(r.programming, plan: plan, measured: r.measured != nil) { print(line) }
        print(String(format: "Time: %.1f s", seconds))
    }

    /// Two lines, "Programming …" and "Tester time …", per chip; none when nothing was programmed
    /// (ideal devices).
    /// With a read-back (`measured`) the chip's state is the measured one (programmed where a device
    /// has no record), and pulses and success come from the tester's columns where it gave them.
    func programmingLines(_ p: ProgrammingStatistics, plan: Plan, measured: Bool = false) -> [String] {
        guard p.devices > 0 else { return [] }
        let state = measured ? "measured conductance, or simulated where the read-back has no record," : "programmed conductance"
        var line = "Programming (per chip, mean of \(grouped(p.chips)) chip\(p.chips == 1 ? "" : "s") of \(grouped(p.devicesPerChip)) devices): "
            + String(format: "%.2f %% of devices in their acceptance window (\(state) vs the plan's window)", p.inWindowFraction * 100)
        if let success = p.verifySuccessFraction {
            line += measured ? String(format: "; success (the read-back's flag, else inside the window) for %.2f %%", success * 100)
                             : String(format: "; verify loop reported success for %.2f %%", success * 100)
        }
        if let mean = p.meanPulses { line += String(format: "; %.1f pulses per device on average, at most %d", mean, p.maxPulses) }
        else { line += "; the device model gives no pulse counts" }
        if p.stuck > 0 { line += String(format: "; %.1f stuck devices", p.stuckPerChip) }
        let (schedule, simulated) = testerTimes(p, plan: plan)
        var tester = "Tester time (per chip): "
        if let simulated {
            tester += String(format: "%.3g s", simulated.seconds) + " from the simulated pulses (\(grouped(Int(simulated.pulses.rounded()))) pulses); "
        }
        tester += String(format: "%.3g s", schedule.seconds) + " estimated from the pulse schedule (\(grouped(Int(schedule.pulses.rounded()))) pulses)"
        return [line, tester]
    }

    /// The compiler's schedule estimate, and the same time model fed with the simulated pulses when
    /// the device model gives pulse counts.
    func testerTimes(_ p: ProgrammingStatistics, plan: Plan) -> (schedule: TesterTimeEstimate, simulated: TesterTimeEstimate?) {
        (TesterTimeEstimate(plan: plan), p.meanPulses.map { TesterTimeEstimate(plan: plan, simulatedPulsesPerDevice: $0) })
    }

    /// The two estimates as the verify document carries them (Verifier does not depend on Compiler).
    func documentTesterTimes(_ p: ProgrammingStatistics, plan: Plan) -> VerificationDocument.TesterTimes {
        let (schedule, simulated) = testerTimes(p, plan: plan)
        func time(_ t: TesterTimeEstimate) -> VerificationDocument.TesterTime {
            .init(seconds: t.seconds, pulses: t.pulses, verifyReads: t.reads)
        }
        return .init(scheduleEstimate: time(schedule), simulatedPulses: simulated.map(time))
    }

    /// The measured-vs-target section of `--measured`: the read-back against the plan's targets, per
    /// layer and for the tiles furthest off.
    func printMeasured(_ m: MeasuredComparison, topTiles: Int = 5) {
        let c = m.chip
        let times = m.earliestMeasurement_s == m.latestMeasurement_s ? TimeParsing.label(m.latestMeasurement_s)
            : "\(TimeParsing.label(m.earliestMeasurement_s))–\(TimeParsing.label(m.latestMeasurement_s))"
        print("Read-back: \(m.source), \(counted(c.devices, "device")) measured at \(times) after programming"
              + (m.missingDevices > 0 ? "; \(counted(m.missingDevices, "device")) without a record, simulated as in a plain verify" : ""))
        print(String(format: "Measured vs target: %.2f %% of measured devices inside their window; RMS %.3g µS, worst %.3g µS; weight error RMS %.3g (%.2f %% of w_max), worst %.3g",
                     c.devices > 0 ? Double(c.inWindow) / Double(c.devices) * 100 : 0, c.rms_uS, c.worst_uS,
                     c.rmsWeightError, c.relativeRMSWeightError * 100, c.worstWeightError))
        var rails = "At a rail: \(grouped(m.atLowRail)) low, \(grouped(m.atHighRail)) high (\(grouped(m.unexpectedAtRail)) with a target away from that rail)"
        if let failures = m.testerFailures { rails += "; the tester reported \(counted(failures, "failed device"))" }
        print(rails)
        print(String(format: "Accuracy: %.2f %% with the targets (baseline), %.2f %% with the measured conductances (no read noise)",
                     m.targetAccuracy * 100, m.measuredAccuracy * 100))
        func row(_ name: String, _ d: MeasuredComparison.Deviation) -> [String] {
            [name, grouped(d.devices), d.devices > 0 ? String(format: "%.2f %%", Double(d.inWindow) / Double(d.devices) * 100) : "-",
             String(format: "%.3g", d.rms_uS), String(format: "%.3g", d.worst_uS),
             String(format: "%.3g", d.rmsWeightError), String(format: "%.2f %%", d.relativeRMSWeightError * 100), String(format: "%.3g", d.worstWeightError)]
        }
        let header = ["", "devices", "in window", "RMS µS", "worst µS", "RMS weight", "of w_max", "worst weight"]
        var rows = [["layer"] + header.dropFirst()]
        for l in m.layers { rows.append(row(l.node, l.deviation)) }
        TextTable.render(rows, rightAligned: Set(1...7), indent: "  ").forEach { print($0) }
        let worst = m.tiles.filter { $0.deviation.weights > 0 }.sorted { $0.deviation.rmsWeightError > $1.deviation.rmsWeightError }.prefix(topTiles)
        if !worst.isEmpty {
            print("Tiles with the largest RMS weight error:")
            var tileRows = [["tile (layer, array)"] + header.dropFirst()]
            for t in worst { tileRows.append(row("\(t.tile) (\(t.layer), array \(t.array))", t.deviation)) }
            TextTable.render(tileRows, rightAligned: Set(1...7), indent: "  ").forEach { print($0) }
        }
        print("")
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
