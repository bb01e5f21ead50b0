import Foundation
import Verifier

/// The `imprint verify --report` page: one self-contained HTML document (inline CSS and SVG, no
/// scripts, nothing fetched) with the summary, the accuracy table, accuracy over time, the
/// per-layer errors, conductance histograms per device role and the per-tile error map.
public struct VerifyReport: Sendable {
    public var title: String
    /// Label and value rows of the summary (plan, device, data, trials, seed, …), in order.
    public var summary: [(String, String)]
    public var result: VerificationResult
    public var times_s: [Double]
    /// Names of the plan's layers (`plan.layers[i].node`), for the tile map.
    public var layerNames: [String]
    /// How the layer errors were measured (compensation and samples).
    public var layerErrorNote: String

    public init(title: String, summary: [(String, String)], result: VerificationResult, times_s: [Double],
                layerNames: [String], layerErrorNote: String) {
        self.title = title; self.summary = summary; self.result = result; self.times_s = times_s
        self.layerNames = layerNames; self.layerErrorNote = layerErrorNote
    }

    static let css = """
        body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 820px; color: #222; }
        h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; border-bottom: 1px solid #ddd; }
        table { border-collapse: collapse; font-size: 13px; } td, th { padding: 2px 10px; text-align: right; }
        th { border-bottom: 1px solid #999; } td.l, th.l { text-align: left; }
        .note { color: #555; font-size: 12px; } .charts { display: flex; flex-wrap: wrap; gap: 8px; }
        """

    public func html() -> String {
        var body = [Element("h1", text: title)]
        body.append(table(header: nil, rows: summary.map { [$0.0, $0.1] }, leftColumns: 2))
        body.append(Element("h2", text: "Accuracy over time"))
        let r = result
        body.append(table(header: ["time", "compensation", "mean", "± std", "min", "drop (pp)"], rows: r.results.map { row in
            [TimeTicks.label(row.time_s), row.compensation.rawValue, pct(row.mean), pct(row.std), pct(row.min),
             String(format: "%.2f", (r.baselineAccuracy - row.mean) * 100)]
        }, leftColumns: 2))
        body.append(AccuracyChart(results: r.results, baseline: r.baselineAccuracy).svg())
        body.append(note("Lines: mean over trials; bars: ± one standard deviation over trials; triangles: the worst trial; dashed: the digital baseline of the plan's network as compiled."))
        if let m = r.measured { body += measuredSection(m) }
        if !r.layers.isEmpty {
            body.append(Element("h2", text: "Relative output error per layer"))
            body.append(note(layerErrorNote))
            body.append(table(header: ["layer", "matrix (rows×cols×groups)", "tiles"] + times_s.map { TimeTicks.label($0) },
                              rows: r.layers.map { l in
                                  [l.node, "\(l.matrix.rows)×\(l.matrix.columns)×\(l.matrix.groups)", String(l.tiles)]
                                      + l.relativeError.map { pct($0) }
                              }, leftColumns: 2))
        }
        if let device = r.device, let last = times_s.last {
            let lastLabel = TimeTicks.label(last)
            body.append(Element("h2", text: "Conductance distributions per device role (trial 0)"))
            body.append(Element("div", [("class", "charts")], children: device.histograms.map {
                HistogramChart(histogram: $0, gMax_uS: device.gMax_uS, lastTimeLabel: lastLabel).svg()
            }))
            body.append(note("Targets of the plan, conductances right after programming, and at \(lastLabel) (drift, relaxation and read noise), over all tiles; counts on a log scale."))
            body.append(Element("h2", text: "Error per tile at \(lastLabel) (trial 0)"))
            body.append(TileErrorMap(tiles: device.tiles, layerNames: layerNames, gMax_uS: device.gMax_uS, lastTimeLabel: lastLabel).svg())
            body.append(note("One cell per tile, one row per layer; hover a cell for its rows, columns and error."))
        }
        let page = Element("html", [("lang", "en")], children: [
            Element("head", children: [
                Element("meta", [("charset", "utf-8")]),
                Element("title", text: title),
                Element("style", text: Self.css),
            ]),
            Element("body", children: body),
        ])
        return "<!DOCTYPE html>\n" + page.render() + "\n"
    }

    /// `verify --measured`: the read-back against the plan's targets, per layer and per tile.
    func measuredSection(_ m: MeasuredComparison) -> [Element] {
        func row(_ name: [String], _ d: MeasuredComparison.Deviation) -> [String] {
            name + [String(d.devices), d.devices > 0 ? pct(Double(d.inWindow) / Double(d.devices)) : "–",
                    String(format: "%.3g", d.rms_uS), String(format: "%.3g", d.worst_uS), String(format: "%.3g", d.rmsWeightError),
                    pct(d.relativeRMSWeightError), String(format: "%.3g", d.worstWeightError)]
        }
        let figures = ["devices", "in window", "RMS µS", "worst µS", "RMS weight", "of w_max", "worst weight"]
        let when = m.earliestMeasurement_s == m.latestMeasurement_s ? TimeTicks.label(m.latestMeasurement_s)
            : "\(TimeTicks.label(m.earliestMeasurement_s))–\(TimeTicks.label(m.latestMeasurement_s))"
        var summary: [[String]] = [
            ["read-back", m.source], ["measured at", when + " after programming"],
            ["accuracy with the targets (baseline)", pct(m.targetAccuracy)],
            ["accuracy with the measured conductances (no read noise)", pct(m.measuredAccuracy)],
            ["devices at the low / high rail", "\(m.atLowRail) / \(m.atHighRail) (\(m.unexpectedAtRail) with a target away from that rail)"],
        ]
        if m.missingDevices > 0 { summary.append(["devices without a record (simulated)", String(m.missingDevices)]) }
        if let f = m.testerFailures { summary.append(["devices the tester reported failed", String(f)]) }
        return [
            Element("h2", text: "Measured vs target"),
            table(header: nil, rows: summary, leftColumns: 2),
            table(header: ["layer"] + figures, rows: [row(["whole chip"], m.chip)] + m.layers.map { row([$0.node], $0.deviation) }, leftColumns: 1),
            table(header: ["tile", "layer", "array"] + figures,
                  rows: m.tiles.map { row([String($0.tile), $0.layer, String($0.array)], $0.deviation) }, leftColumns: 2),
            note("Deviation of the read-back from the plan's targets: devices inside their acceptance window, |measured − target| in µS, and the weights rebuilt from the measured conductances against the compiled weights (weight units, and relative to the layer's w_max); a rail is 1 % of the device range from g_min or g_max."),
        ]
    }

    func pct(_ v: Double) -> String { String(format: "%.2f %%", v * 100) }

    func note(_ s: String) -> Element { Element("p", [("class", "note")], text: s) }

    func table(header: [String]?, rows: [[String]], leftColumns: Int) -> Element {
        func cells(_ values: [String], _ tag: String) -> Element {
            Element("tr", children: values.enumerated().map { i, v in
                Element(tag, i < leftColumns ? [("class", "l")] : [], text: v)
            })
        }
        return Element("table", children: (header.map { [cells($0, "th")] } ?? []) + rows.map { cells($0, "td") })
    }
}
