import FileSupport
import Foundation
import Plan

extension PlanSummary {
    /// One physical array of the plan and the tiles placed on it, in placement order.
    public struct ArrayPlacement: Sendable, Equatable, Encodable {
        /// Index of the array (the `array` field of the tester files).
        public var array: Int
        /// Size in devices: word lines × bit lines.
        public var rows: Int
        public var columns: Int
        public var usedDevices: Int
        /// usedDevices / (rows × columns).
        public var utilisation: Double
        public var tiles: [TilePlacement]

        enum CodingKeys: String, CodingKey {
            case array, rows, columns, usedDevices = "used_devices", utilisation, tiles
        }
    }

    /// Where one tile sits: which part of which layer's matrix, and its offsets on the array. Weight
    /// (r, c) of the tile, slot s, is the device at array row `rowOffset + r` and array column
    /// `columnOffset + c × S + s` (S devices per weight), the address rule of the tester files.
    public struct TilePlacement: Sendable, Equatable, Encodable {
        /// Index of the tile in the plan (tile records in file order).
        public var tile: Int
        public var layer: String
        /// Block of a grouped convolution (0 otherwise).
        public var group: Int
        /// Matrix rows (inputs) and columns (outputs) covered, half-open, within the group's matrix.
        public var matrixRowStart: Int
        public var matrixRowEnd: Int
        public var matrixColumnStart: Int
        public var matrixColumnEnd: Int
        public var rowOffset: Int
        public var columnOffset: Int
        /// The tile's footprint on the array in devices: matrix rows × (matrix columns × S).
        public var deviceRows: Int
        public var deviceColumns: Int

        enum CodingKeys: String, CodingKey {
            case tile, layer, group
            case matrixRowStart = "matrix_row_start", matrixRowEnd = "matrix_row_end"
            case matrixColumnStart = "matrix_column_start", matrixColumnEnd = "matrix_column_end"
            case rowOffset = "row_offset", columnOffset = "column_offset"
            case deviceRows = "device_rows", deviceColumns = "device_columns"
        }
    }

    /// Every array of the plan with its tiles (every tile exactly once).
    static func placement(of plan: Plan) -> [ArrayPlacement] {
        let slots = plan.roles.count
        var arrays = plan.arrays.enumerated().map { i, a in
            ArrayPlacement(array: i, rows: a.rows, columns: a.columns, usedDevices: a.usedDevices,
                           utilisation: a.rows * a.columns > 0 ? a.utilisation : 0, tiles: [])
        }
        var ordered = Array(plan.tiles.indices)
        // Placement order on an array is programming order.
        ordered.sort { (plan.tiles[$0].array, plan.tiles[$0].orderStart, $0) < (plan.tiles[$1].array, plan.tiles[$1].orderStart, $1) }
        for i in ordered {
            let t = plan.tiles[i]
            guard arrays.indices.contains(t.array) else { continue }  // the plan reader refuses such plans
            let layer = plan.layers.indices.contains(t.layer) ? plan.layers[t.layer].node : "#\(t.layer)"
            arrays[t.array].tiles.append(TilePlacement(
                tile: i, layer: layer, group: t.group,
                matrixRowStart: t.rows.lowerBound, matrixRowEnd: t.rows.upperBound,
                matrixColumnStart: t.columns.lowerBound, matrixColumnEnd: t.columns.upperBound,
                rowOffset: t.rowOffset, columnOffset: t.columnOffset,
                deviceRows: t.rows.count, deviceColumns: t.deviceColumns(slots: slots)))
        }
        return arrays
    }

    /// Tile rows the text placement table shows before it refers to `--json` for the rest.
    public static let placementTextRows = 40

    /// The placement as one aligned table, a row per tile with its array's size and use on the
    /// array's first row; at most `limit` tile rows, then a line counting the rest.
    public func renderPlacementText(limit: Int = PlanSummary.placementTextRows) -> String {
        var out = ["Placement (array row = row_offset + r, array column = column_offset + c × \(devicesPerWeight) + s):"]
        var table = [["array", "size (rows × cols)", "used (%)", "tile", "layer", "group",
                      "matrix rows", "matrix cols", "row_offset", "column_offset"]]
        var shown = 0, total = 0
        for a in placement {
            total += a.tiles.count
            for (k, t) in a.tiles.enumerated() where shown < limit {
                shown += 1
                let first = k == 0
                table.append([first ? String(a.array) : "", first ? "\(a.rows) × \(a.columns)" : "",
                              first ? String(format: "%.1f", a.utilisation * 100) : "",
                              String(t.tile), t.layer, String(t.group),
                              "\(t.matrixRowStart)..<\(t.matrixRowEnd)", "\(t.matrixColumnStart)..<\(t.matrixColumnEnd)",
                              String(t.rowOffset), String(t.columnOffset)])
            }
        }
        out += TextTable.render(table, rightAligned: [0, 2, 3, 5, 8, 9], indent: "  ")
        if shown < total {
            let arraysLeft = placement.filter { !$0.tiles.isEmpty }.count - placementShownArrays(limit: limit)
            out.append("  … \((total - shown).grouped) more tile\(total - shown == 1 ? "" : "s")"
                       + (arraysLeft > 0 ? " on \(arraysLeft.grouped) more array\(arraysLeft == 1 ? "" : "s")" : "")
                       + " (see --json)")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Arrays with at least one tile among the first `limit` rows.
    private func placementShownArrays(limit: Int) -> Int {
        var left = limit, count = 0
        for a in placement where left > 0 && !a.tiles.isEmpty {
            count += 1
            left -= min(a.tiles.count, left)
        }
        return count
    }
}
