import FileSupport
import Foundation
import Plan

/// CSV and JSON Lines: one line per device, the columns of `DeviceField` in order, then the schedule.
/// The two differ only in what precedes each value (a comma, or the JSON key), how values are
/// written (`DeviceField.appendText(json:)`), the schedule's tail and the CSV's comment header, so one
/// sink writes both.
final class TextSink: DeviceSink {
    private let output: OutputFile
    private let json: Bool
    /// What precedes each column's value: "," (none for the first) in CSV, `{"key":` / `,"key":` in JSON.
    private let prefixes: [[UInt8]]
    private let scheduleSuffix: [UInt8]
    private let layerFields: [[UInt8]]
    private let columns: [DeviceField]
    private var line = [UInt8]()

    /// CSV: `#` comment lines (units, provenance, the weight formula), one header row, one row per device.
    static func csv(output destination: OutputDestination, context: EmitContext) throws(PlanFileError) -> TextSink {
        let columns = context.columns
        let schedule = RecordText.schedule(context)
        let sink = try TextSink(output: destination, json: false, columns: columns,
                                prefixes: columns.indices.map { $0 == 0 ? [] : Array(",".utf8) },
                                scheduleSuffix: Array(("," + schedule.map { RecordText.csvField($0.1 ?? "") }.joined(separator: ",") + "\n").utf8),
                                layerFields: context.layerNames.map { Array(RecordText.csvField($0).utf8) })
        let text = csvHeader(context) + (columns.map(\.name) + schedule.map(\.0)).joined(separator: ",") + "\n"
        try sink.output.write(Array(text.utf8))
        return sink
    }

    /// JSON Lines: every line one self-contained device object with the CSV's field names. No metadata
    /// line, so `jq`, pandas' `read_json(lines=True)` and line counting treat every line alike; the
    /// provenance lives in the plan (and in the CSV's comments).
    static func jsonLines(output destination: OutputDestination, context: EmitContext) throws(PlanFileError) -> TextSink {
        let columns = context.columns
        let schedule = RecordText.schedule(context).map { (key, value) -> String in
            let numeric = key != "algorithm" && key != "below_g_min"
            return JSONString.quote(key) + ":" + (value.map { numeric ? $0 : JSONString.quote($0) } ?? "null")
        }
        return try TextSink(output: destination, json: true, columns: columns,
                            prefixes: columns.enumerated().map { i, k in Array(((i == 0 ? "{" : ",") + JSONString.quote(k.name) + ":").utf8) },
                            scheduleSuffix: Array(("," + schedule.joined(separator: ",") + "}\n").utf8),
                            layerFields: context.layerNames.map { Array(JSONString.quote($0).utf8) })
    }

    private init(output destination: OutputDestination, json: Bool, columns: [DeviceField], prefixes: [[UInt8]],
                 scheduleSuffix: [UInt8], layerFields: [[UInt8]]) throws(PlanFileError) {
        output = try OutputFile(destination)
        self.json = json; self.columns = columns; self.prefixes = prefixes
        self.scheduleSuffix = scheduleSuffix; self.layerFields = layerFields
    }

    /// The CSV's comment lines: units, provenance, the weight formula, force, the address rule, the arrays.
    private static func csvHeader(_ context: EmitContext) -> String {
        let h = context.header
        func oneLine(_ s: String) -> String { s.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ") }
        let formula = WeightFormula.text(h)
        let selection = context.selection.map { $0.ranges.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",") } ?? "all"
        return """
            # Imprint device list: one row per device; fields documented in formats/tester-plan.md
            # units: conductances in uS (microsiemens, *_uS), resistances in ohm (*_ohm), read currents in uA at read_bias_V (*_uA), voltages in V (*_V), times in s (*_s)
            # source model: \(oneLine(h.source.fileName)) sha256 \(h.source.sha256)
            # device: \(oneLine(h.device.name)) (\(h.device.technology.rawValue)); source: \(oneLine(h.device.source))
            # tool version: imprint \(oneLine(h.toolVersion)); plan format version \(h.formatVersion)
            \(context.planSHA256.map { "# plan_sha256: \($0)\n" } ?? "")# \(formula)
            # force=1: target at or below g_min; do not verify into the window, apply below_g_min (\(h.device.programVerify.belowGMin.rawValue))
            # address: weight (r, c) of a tile, slot s -> array row row_offset + r, array col column_offset + c * \(h.roles.count) + s\(h.hasDefectMap ? " (r and c permuted per tile by the fault-aware mapping; matrix_row and matrix_col name the weight)" : "")
            \(h.hasReferences ? "# reference devices (role=ref): \(h.referenceColumns) per word line of a tile, array col column_offset + columns * \(h.roles.count) + n, programmed after the tile's weights\n" : "")# arrays: \(selection)\(h.options.defectMap.map { "\n# defect map: \(oneLine($0.fileName)) sha256 \($0.sha256); stuck=1: the device is stuck at target_uS, do not program it" } ?? "")

            """ + (context.touchup ? "# touch-up: the devices to program again (targets may be new); measured_uS = the read-back, reason = why listed\n" : "")
    }

    func add(_ tile: Tile, index: Int, marks: TouchupMarks?, _ context: EmitContext) throws(PlanFileError) {
        let (columns, prefixes, layerFields, json) = (self.columns, self.prefixes, self.layerFields, self.json)
        context.forEachDevice(in: tile, index: index, marks: marks) { (d: DeviceRecord) in
            for (i, field) in columns.enumerated() {
                line.append(contentsOf: prefixes[i])
                field.appendText(d, json: json, layerFields: layerFields, to: &line)
            }
            line.append(contentsOf: scheduleSuffix)
        }
        if line.count >= 1 << 20 { try flush() }
    }

    func finish(_ context: EmitContext) throws(PlanFileError) {
        try flush()
        try output.commit()
    }

    private func flush() throws(PlanFileError) {
        try output.write(line)
        line.removeAll(keepingCapacity: true)
    }
}
