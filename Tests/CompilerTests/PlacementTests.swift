import Compiler
import Devices
import FileSupport
import Foundation
import Plan
import Testing

/// The placement `inspect PLAN` prints: every tile once, at the plan's offsets, and no two tiles of
/// one array on the same device (checked here from the offsets and sizes alone).
@Suite struct PlacementTests {
    /// Small tiles of several layers that share arrays (7×5 tiles on 16×24-device arrays).
    static func plan(_ pairs: PairMode) throws -> Plan {
        var o = TestNetworks.options(pairs, .layer)
        o.arrayRows = 16
        o.arrayColumns = 24
        return try TestNetworks.compile(try TestNetworks.conv(inChannels: 4, outChannels: 12, kernel: 2, group: 2), .rram, o)
    }

    @Test(arguments: [PairMode.single, .offset, .dual(significance: 3)])
    func everyTileOnceAtItsOffsetsWithoutOverlap(_ pairs: PairMode) throws {
        let plan = try Self.plan(pairs)
        #expect(plan.tiles.count > plan.arrays.count, "the case must put several tiles on one array")
        let summary = PlanSummary(plan: plan)
        let doc = try JSONSerialization.jsonObject(with: Data(try JSONDocument.text(summary).utf8)) as? [String: Any]
        let arrays = try #require(doc?["placement"] as? [[String: Any]])
        #expect(arrays.count == plan.arrays.count)

        var seen = [Int: Int]()  // tile → times listed
        for (i, a) in arrays.enumerated() {
            #expect(a["array"] as? Int == i)
            let rows = try #require(a["rows"] as? Int), columns = try #require(a["columns"] as? Int)
            #expect(rows == plan.arrays[i].rows && columns == plan.arrays[i].columns)
            #expect(a["used_devices"] as? Int == plan.arrays[i].usedDevices)
            var occupied = [Bool](repeating: false, count: rows * columns)
            var used = 0
            for t in try #require(a["tiles"] as? [[String: Any]]) {
                let index = try #require(t["tile"] as? Int)
                seen[index, default: 0] += 1
                let tile = plan.tiles[index]
                #expect(tile.array == i)
                #expect(t["layer"] as? String == plan.layers[tile.layer].node)
                #expect(t["group"] as? Int == tile.group)
                #expect(t["row_offset"] as? Int == tile.rowOffset && t["column_offset"] as? Int == tile.columnOffset)
                #expect(t["matrix_row_start"] as? Int == tile.rows.lowerBound && t["matrix_row_end"] as? Int == tile.rows.upperBound)
                #expect(t["matrix_column_start"] as? Int == tile.columns.lowerBound
                        && t["matrix_column_end"] as? Int == tile.columns.upperBound)
                // The footprint from the JSON alone: inside the array, and on no device another tile holds.
                let r0 = try #require(t["row_offset"] as? Int), c0 = try #require(t["column_offset"] as? Int)
                let h = try #require(t["matrix_row_end"] as? Int) - (t["matrix_row_start"] as? Int ?? 0)
                // Reference lines (offset mode on RRAM) sit right of the tile's weight columns.
                let w = (try #require(t["matrix_column_end"] as? Int) - (t["matrix_column_start"] as? Int ?? 0)) * plan.roles.count
                    + plan.referenceColumns
                #expect(t["device_rows"] as? Int == h && t["device_columns"] as? Int == w)
                #expect(r0 >= 0 && c0 >= 0 && r0 + h <= rows && c0 + w <= columns)
                for r in r0..<min(r0 + h, rows) {
                    for c in c0..<min(c0 + w, columns) {
                        #expect(!occupied[r * columns + c], "array \(i) device (\(r), \(c)) holds two tiles")
                        occupied[r * columns + c] = true
                    }
                }
                used += h * w
            }
            #expect(used == plan.arrays[i].usedDevices)
        }
        #expect(seen.count == plan.tiles.count && seen.values.allSatisfy { $0 == 1 })
    }

    @Test func textListsTilesUpToTheCapThenCountsTheRest() throws {
        let plan = try Self.plan(.single)
        let summary = PlanSummary(plan: plan)
        let all = summary.renderPlacementText(limit: plan.tiles.count)
        #expect(!all.contains("more tile"))
        #expect(all.contains("row_offset") && all.contains("array column = column_offset + c × 2 + s"))
        let lines = all.split(separator: "\n")
        #expect(lines.count == 2 + plan.tiles.count, "a title, a header and one row per tile")

        let capped = summary.renderPlacementText(limit: 3)
        #expect(capped.split(separator: "\n").count == 2 + 3 + 1)
        #expect(capped.contains("… \(plan.tiles.count - 3) more tiles"))
        #expect(capped.hasSuffix("(see --json)\n"))
    }
}
