import FileSupport
import Foundation

extension PlanSummary {
    /// A human-readable summary: a few key lines, then one aligned row per mapped layer. Every
    /// column header carries its unit.
    public func renderText() -> String {
        var out = [String]()
        out.append("Plan for '\(network)' (\(sourceFile)) on device '\(device)': \(pairs) pairs, \(devicesPerWeight) devices per weight")
        let digital = layersDigital.isEmpty ? "none" : layersDigital.joined(separator: ", ")
        let rows: [(String, String)] = [
            ("layers mapped", "\(layersMapped)"),
            ("kept digital", "\(layersDigital.count) (\(digital))"),
            ("weights", weights.grouped),
            ("devices", devices.grouped),
            ("tiles", tiles.grouped),
            ("arrays", "\(arrays) of \(arrayRows) × \(arrayColumns) devices"),
            ("utilisation", String(format: "%.1f %%", utilisation * 100)),
            ("tester time", String(format: "%.3g s", tester.seconds)
                + " (estimate: \(Int(tester.pulses.rounded()).grouped) pulses, \(Int(tester.reads.rounded()).grouped) verify reads)"),
        ]
        let keyWidth = rows.map(\.0.count).max() ?? 0
        for (k, v) in rows { out.append("  " + k.padding(toLength: keyWidth, withPad: " ", startingAt: 0) + "  " + v) }
        out.append("")

        let header = ["layer", "kind", "matrix (rows×cols×groups)", "tiles", "devices", "w_max (weight)",
                      "k (weight/µS)", "clipped (%)", "snap error (weight)"]
        let numeric = [false, false, false, true, true, true, true, true, true]
        var table = [header]
        for l in layers {
            let k = l.weightPerMicrosiemensMin == l.weightPerMicrosiemensMax
                ? Double(l.weightPerMicrosiemensMax).formatted6
                : Double(l.weightPerMicrosiemensMin).formatted6 + "–" + Double(l.weightPerMicrosiemensMax).formatted6
            table.append([l.name, l.kind, "\(l.rows)×\(l.columns)×\(l.groups)", l.tiles.grouped, l.devices.grouped,
                          Double(l.wMax).formatted6, k, String(format: "%.3f", l.clippedFraction * 100),
                          snappedToLevels ? Double(l.snapError).formatted6 : "—"])
        }
        let widths = header.indices.map { c in table.map { $0[c].count }.max() ?? 0 }
        for row in table {
            let cells = row.indices.map { c -> String in
                let pad = String(repeating: " ", count: widths[c] - row[c].count)
                return numeric[c] ? pad + row[c] : row[c] + pad
            }
            out.append("  " + cells.joined(separator: "  "))
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The same numbers as JSON (snake_case keys, sorted), for scripts: `imprint inspect PLAN --json`.
    public func renderJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let data = try? encoder.encode(self), let text = String(data: data, encoding: .utf8) else { return "{}\n" }
        return text + "\n"
    }
}
