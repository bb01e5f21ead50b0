import FileSupport
import Foundation

extension PlanSummary {
    /// A human-readable summary: a few key lines, then one aligned row per mapped layer. Every
    /// column header carries its unit. (The JSON form is the summary itself, through `JSONDocument`.)
    public func renderText() -> String {
        var out = [String]()
        let pairText = significance.map { "\(pairs) pairs (F = \($0.formatted6))" } ?? "\(pairs) pairs"
        let referenceText = referenceColumns.map { $0 == 0 ? ", digital zero point" : ", " + Self.counted($0, "reference column") + " per tile" } ?? ""
        out.append("Plan for '\(network)' (\(sourceFile)) on device '\(device)': \(pairText), "
                   + Self.counted(devicesPerWeight, "device") + " per weight" + referenceText)
        let digital = layersDigital.isEmpty ? "none" : layersDigital.joined(separator: ", ")
        let rows: [[String]] = [
            ["layers mapped", "\(layersMapped)"],
            ["kept digital", "\(layersDigital.count) (\(digital))"],
            ["weights", weights.grouped],
            ["devices", devices.grouped],
            ["tiles", tiles.grouped],
            ["arrays", "\(arrays.grouped) of \(arrayRows) × \(arrayColumns) devices"],
            ["utilisation", String(format: "%.1f %%", utilisation * 100)],
            ["tester time", String(format: "%.3g s", tester.seconds)
                + " (estimate: \(Int(tester.pulses.rounded()).grouped) pulses, \(Int(tester.reads.rounded()).grouped) verify reads)"],
        ]
        out += TextTable.render(rows, indent: "  ")
        out.append("")

        let header = ["layer", "kind", "matrix (rows×cols×groups)", "tiles", "devices", "w_max (weight)",
                      "k (weight/µS)", "clipped (%)", "snap error (weight)"]
        var table = [header]
        for l in layers {
            let k = l.weightPerMicrosiemensMin == l.weightPerMicrosiemensMax
                ? Double(l.weightPerMicrosiemensMax).formatted6
                : Double(l.weightPerMicrosiemensMin).formatted6 + "–" + Double(l.weightPerMicrosiemensMax).formatted6
            table.append([l.name, l.kind, "\(l.rows)×\(l.columns)×\(l.groups)", l.tiles.grouped, l.devices.grouped,
                          Double(l.wMax).formatted6, k, String(format: "%.3f", l.clippedFraction * 100),
                          l.snapError.map { Double($0).formatted6 } ?? "—"])
        }
        out += TextTable.render(table, rightAligned: Set(3...8), indent: "  ")
        if let defectMap { out += faultTable(defectMap) }
        return out.joined(separator: "\n") + "\n"
    }

    /// What the defect map's faults leave, per layer: RMS weight error of the naive placement (no
    /// permutation, no re-targeting) beside the plan's fault-aware one, and the share removed.
    private func faultTable(_ file: String) -> [String] {
        var table = [["layer", "stuck devices", "naive RMS error (weight)", "fault-aware RMS error (weight)", "removed (%)"]]
        for l in layers {
            guard let f = l.faults else { continue }
            let removed = f.naiveRMSError > 0 ? String(format: "%.1f", (1 - f.awareRMSError / f.naiveRMSError) * 100) : "—"
            table.append([l.name, f.stuckDevices.grouped, f.naiveRMSError.formatted6, f.awareRMSError.formatted6, removed])
        }
        return ["", "Mapped around the faults of \(file) (weight error they leave, RMS over each layer's weights):"]
            + TextTable.render(table, rightAligned: Set(1...4), indent: "  ")
    }

    /// "1 device", "2 devices".
    static func counted(_ n: Int, _ noun: String) -> String { "\(n.grouped) \(noun)\(n == 1 ? "" : "s")" }
}
