import Plan

/// How a simulated tile with reference columns reads its outputs (issue 14): every bit line's
/// current minus its word lines' reference current, y_j = Σ_i x_i (G_ij − G_ref,i), G_ref,i the mean
/// of word line i's reference devices as they are at the time of the read (programming error,
/// relaxation or drift, read noise, stuck states and IR drop at their own array columns included).
///
/// The subtraction is analog, before the ADC: the reference line's current is mirrored onto every
/// bit line of the tile, as in one-device-per-weight arrays with a reference column, so the DAC,
/// output noise and ADC see the difference. It is linear in the inputs, so it is exactly the
/// product with effective conductances G_ij − G_ref,i + zero_uS, which the plan's weight rule
/// w = k Σ_slots (G − zero_uS) turns into k Σ_slots (G − G_ref): the verifier subtracts the
/// references from a tile's read once and every product path (ideal, per-read noise, periphery,
/// drift compensation) uses the result.
enum ReferenceSubtraction {
    /// Replaces a read packed like `tile.deviceTargets_uS` by the weight devices' effective
    /// conductances (packed like `tile.targets_uS`); a tile without references is left as it is.
    static func apply(plan: Plan, tile t: Int, conductances_uS g: inout [Float]) {
        let tile = plan.tiles[t]
        let lines = tile.referenceColumns
        let (rows, cols, slots) = (tile.rows.count, tile.columns.count, plan.roles.count)
        let first = rows * cols * slots
        guard lines > 0, g.count == first + rows * lines else { return }
        let zero = Double(tile.zero_uS)
        g.withUnsafeMutableBufferPointer { g in
            for i in 0..<rows {
                var sum = 0.0
                for n in 0..<lines { sum += Double(g[first + i * lines + n]) }
                let shift = zero - sum / Double(lines)
                for s in 0..<slots {
                    let base = (s * rows + i) * cols
                    for j in 0..<cols { g[base + j] = Float(Double(g[base + j]) + shift) }
                }
            }
        }
        g.removeLast(rows * lines)
    }

    /// Read-noise σ of the effective conductances for per-read noise: a device's own σ and its word
    /// line's reference mean, σ_eff² = σ² + slots · σ_ref², σ_ref² = Σ_n σ_n² / N², so that a
    /// weight's variance k² Σ_slots σ_eff² is that of k Σ_slots (G − G_ref). The reference's noise is
    /// shared by every column of its word line; the per-read model draws each output's noise
    /// independently, so it has the right variance per output but not that correlation (the frozen
    /// reads of `ReadNoiseMode.frozen`, the default, have both).
    static func sigma(plan: Plan, tile t: Int, sigma_uS: [Float]) -> [Float] {
        let tile = plan.tiles[t]
        let lines = tile.referenceColumns
        let (rows, cols, slots) = (tile.rows.count, tile.columns.count, plan.roles.count)
        let first = rows * cols * slots
        guard lines > 0, sigma_uS.count == first + rows * lines else { return sigma_uS }
        var out = Array(sigma_uS[0..<first])
        for i in 0..<rows {
            var variance = 0.0
            for n in 0..<lines { variance += Double(sigma_uS[first + i * lines + n]) * Double(sigma_uS[first + i * lines + n]) }
            let shared = Double(slots) * variance / Double(lines * lines)
            for s in 0..<slots {
                let base = (s * rows + i) * cols
                for j in 0..<cols { out[base + j] = Float((Double(out[base + j]) * Double(out[base + j]) + shared).squareRoot()) }
            }
        }
        return out
    }
}
