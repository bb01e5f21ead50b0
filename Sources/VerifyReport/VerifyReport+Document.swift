import FileSupport
import Foundation
import Verifier

extension VerifyReport {
    /// The report of a verification as the library documents it: the summary rows come from the
    /// same `VerificationDocument` that `--json` prints (provenance first: plan and its SHA-256, tool
    /// version, date, data and calibration source), so an ImprintKit user gets the page the CLI writes.
    public init(document d: VerificationDocument, result: VerificationResult, network: String, layerNames: [String]) {
        var summary: [(String, String)] = [
            ("plan", d.plan),
            ("plan SHA-256", d.planSHA256),
            ("tool", "imprint \(d.toolVersion)"),
            ("date", d.date),
            ("network", network),
            ("device", d.device),
            ("data", "\(d.data), \(d.samples.grouped) samples"),
            ("calibration", d.calibration.map { "\($0.source), \($0.samples.grouped) samples (adabs)" } ?? "none"),
            ("trials", String(d.trials)),
            ("seed", String(d.seed)),
            ("read noise", d.readNoise),
            ("periphery", Self.peripheryText(d.periphery)),
            ("baseline", String(format: "%.2f %% (the plan's network as compiled)", d.baselineAccuracy * 100)),
        ]
        let p = d.programming
        if let inWindow = p.inWindowFraction {
            var text = String(format: "%.2f %% of devices in their acceptance window", inWindow * 100)
                + " (per chip, mean of \(p.chips.grouped) chips of \(p.devicesPerChip.grouped) devices)"
            if let success = p.verifySuccessFraction { text += String(format: "; verify loop success %.2f %%", success * 100) }
            if let pulses = p.meanPulsesPerDevice { text += String(format: "; %.1f pulses per device", pulses) }
            if p.stuckDevicesPerChip > 0 { text += String(format: "; %.1f stuck devices per chip", p.stuckDevicesPerChip) }
            summary.append(("programming", text))
            var tester = String(format: "%.3g s per chip estimated from the pulse schedule", p.testerTimePerChip.scheduleEstimate.seconds)
            if let simulated = p.testerTimePerChip.simulatedPulses {
                tester = String(format: "%.3g s per chip from the simulated pulses; ", simulated.seconds) + tester
            }
            summary.append(("tester time", tester))
        }
        self.init(title: "imprint verify: \(URL(fileURLWithPath: d.plan).lastPathComponent)", summary: summary, result: result,
                  times_s: d.times_s, layerNames: layerNames,
                  layerErrorNote: "‖y_analog − y_exact‖ / ‖y_exact‖ of each layer's matrix product on the same input (what the analog run feeds the layer), "
                      + "over the first \(d.layerError.samples) samples, with compensation \(d.layerError.compensation), mean over trials.")
    }

    /// "ideal", or the converters, output noise and IR drop the run simulated.
    static func peripheryText(_ q: VerificationDocument.Periphery) -> String {
        var parts = [String]()
        if let dac = q.dacBits { parts.append("\(dac)-bit DAC") }
        if let adc = q.adcBits { parts.append("\(adc)-bit ADC" + (q.adcBound.map { String(format: " (±%g full-scale outputs)", $0) } ?? "")) }
        if q.outputNoise > 0 { parts.append(String(format: "output noise σ %g", q.outputNoise)) }
        if q.irDrop { parts.append("IR drop" + (q.wireResistancePerCell_ohm.map { String(format: " (%g Ω per cell)", $0) } ?? "")) }
        return parts.isEmpty ? "ideal" : parts.joined(separator: ", ")
    }
}
