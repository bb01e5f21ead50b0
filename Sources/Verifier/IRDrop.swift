import Plan

/// First-order IR drop (devices.md §4): a device sees its conductance in series with the wire
/// between it and the array's periphery, G_eff = G / (1 + G·R_s).
///
/// Inputs are driven from the word line's start (array column 0) and currents sensed at the bit
/// line's end (the last array row), so a device at array row i and column j sits behind
/// R_s = r_cell · ((j + 1) + (rows − i)) of wire. Devices are independent at first order: the
/// currents of neighbours sharing the wire are ignored, which underestimates the drop of a busy array.
public enum IRDrop {
    /// Applies the drop in place to conductances packed like `plan.tiles[t].targets_uS`, or like
    /// `deviceTargets_uS` (the tile's reference devices then drop at their own array columns).
    public static func apply(plan: Plan, tile t: Int, conductances_uS g: inout [Float], wireResistancePerCell_ohm r: Double) {
        guard r > 0 else { return }
        let tile = plan.tiles[t]
        let arrayRows = tile.array >= 0 && tile.array < plan.arrays.count ? plan.arrays[tile.array].rows : tile.rowOffset + tile.rows.count
        let (rows, cols, slots) = (tile.rows.count, tile.columns.count, plan.roles.count)
        g.withUnsafeMutableBufferPointer { g in
            for s in 0..<slots {
                for i in 0..<rows {
                    let wireRows = Double(arrayRows - tile.arrayRow(ofRow: i))
                    for j in 0..<cols {
                        let column = Double(tile.arrayColumn(ofColumn: j, slot: s, slots: slots))
                        let k = (s * rows + i) * cols + j
                        g[k] = drop(g[k], r * (column + 1 + wireRows))
                    }
                }
            }
            let lines = tile.referenceColumns, first = rows * cols * slots
            guard g.count >= first + rows * lines else { return }
            for i in 0..<rows {
                let wireRows = Double(arrayRows - (tile.rowOffset + i))
                for n in 0..<lines {
                    let column = Double(tile.referenceArrayColumn(n, slots: slots))
                    g[first + i * lines + n] = drop(g[first + i * lines + n], r * (column + 1 + wireRows))
                }
            }
        }
    }

    /// G / (1 + G·R_s), G in µS, R_s in Ω.
    @inline(__always) static func drop(_ g_uS: Float, _ rs_ohm: Double) -> Float {
        Float(Double(g_uS) / (1 + Double(g_uS) * 1e-6 * rs_ohm))
    }
}
