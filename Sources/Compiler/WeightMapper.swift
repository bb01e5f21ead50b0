import Plan

/// Turns one (clipped) weight into the targets of its devices. The conventions, with Δ = g_max − g_min
/// per conductance and k = weight per µS:
///
/// - `single`: the pair device of the weight's sign holds g_min + |w|/k, the other g_min; the
///   difference cancels g_min, so w = k·(G⁺ − G⁻). A zero weight leaves both at g_min.
/// - `offset`: one conductance at zero_uS + w/k with zero_uS = g_min + Δ/2, the zero point
///   subtracted digitally: w = k·(G − zero_uS).
/// - `dual(F)`: the most-significant pair (factor F) is filled first, up to Δ, and the
///   least-significant pair holds what is left: w = k·(F·(G⁺ − G⁻)_MSP + (G⁺ − G⁻)_LSP). At compile
///   time the residual is non-zero only where the MSP saturates (|w| > F·Δ·k) or level snapping
///   left an error; the LSP exists so that the tester can write it against the *measured* MSP value,
///   which divides MSP programming error by F (Cristiano/Burr 2018, devices.md §3).
///
/// A conductance of N parallel devices puts G/N on each. With discrete levels each device snaps to
/// its nearest level in turn, and the next device aims at what is still missing, so the error of
/// a conductance stays within half a level gap instead of growing with N. Devices at g_min (idle
/// pair members, forced to RESET) are never snapped: the tester drives them down, not to a level.
struct WeightMapper: Sendable {
    enum Kind: Sendable { case single, offset, dual(Double) }
    let kind: Kind
    let replicas: Int
    let gMin_uS: Double
    let range_uS: Double
    /// Per-device limits.
    let deviceGMin_uS: Double
    let deviceGMax_uS: Double
    let levels_uS: [Double]?
    /// Conductance of a zero weight in offset mode (per conductance).
    let zero_uS: Double
    let idleTolerance_uS: Double

    init(geometry g: MappingGeometry, pairs: PairMode) {
        switch pairs {
        case .single: kind = .single
        case .offset: kind = .offset
        case .dual(let f): kind = .dual(f)
        }
        replicas = g.replicas
        gMin_uS = g.gMin_uS
        range_uS = g.range_uS
        deviceGMin_uS = g.gMin_uS / Double(g.replicas)
        deviceGMax_uS = g.gMax_uS / Double(g.replicas)
        levels_uS = g.levels_uS
        if case .offset = kind { zero_uS = g.gMin_uS + g.range_uS / 2 } else { zero_uS = 0 }
        idleTolerance_uS = 1e-9 * max(g.gMax_uS, 1)
    }

    /// Per-device zero point recorded in `Tile.zero_uS`.
    var deviceZero_uS: Float { Float(zero_uS / Double(replicas)) }

    /// Writes the targets of weight `w` (µS per weight unit `invK` = 1/k) to
    /// `out[slot · plane + index]` for every slot, and returns the mapped value in µS
    /// (Σ significance × sign × (G − zero)) as the devices hold it, so callers can measure the
    /// snapping error as k × value − w.
    @inline(__always)
    func map(_ w: Double, invK: Double, out: UnsafeMutablePointer<Float>, index: Int, plane: Int) -> Double {
        let a = abs(w) * invK
        let negative = w < 0
        switch kind {
        case .single:
            let g = gMin_uS + min(a, range_uS)
            let held = place(negative ? gMin_uS : g, conductance: 0, out, index, plane)
                - place(negative ? g : gMin_uS, conductance: 1, out, index, plane)
            return held
        case .offset:
            let g = min(max(zero_uS + w * invK, gMin_uS), gMin_uS + range_uS)
            return place(g, conductance: 0, out, index, plane) - zero_uS
        case .dual(let f):
            let msp = gMin_uS + min(a / f, range_uS)
            let mspHeld = place(negative ? gMin_uS : msp, conductance: 0, out, index, plane)
                - place(negative ? msp : gMin_uS, conductance: 1, out, index, plane)
            // Residual in µS of the LSP, against the MSP as actually targeted (snapped or not).
            let residual = (negative ? -a : a) - f * mspHeld
            let lsp = gMin_uS + min(abs(residual), range_uS)
            let lspHeld = place(residual > 0 ? lsp : gMin_uS, conductance: 2, out, index, plane)
                - place(residual < 0 ? lsp : gMin_uS, conductance: 3, out, index, plane)
            return f * mspHeld + lspHeld
        }
    }

    /// Splits conductance `g` over its parallel devices, snapping if the device has levels; returns
    /// the conductance the devices hold together.
    @inline(__always)
    private func place(_ g: Double, conductance: Int, _ out: UnsafeMutablePointer<Float>, _ index: Int, _ plane: Int) -> Double {
        let first = conductance &* replicas
        if g <= gMin_uS + idleTolerance_uS {
            for r in 0..<replicas { out[(first &+ r) &* plane &+ index] = Float(deviceGMin_uS) }
            return gMin_uS
        }
        guard let levels = levels_uS else {
            let each = Float(g / Double(replicas))
            for r in 0..<replicas { out[(first &+ r) &* plane &+ index] = each }
            return g
        }
        var remaining = g
        for r in 0..<replicas {
            let want = min(max(remaining / Double(replicas - r), deviceGMin_uS), deviceGMax_uS)
            let t = WeightMapper.nearest(want, in: levels)
            out[(first &+ r) &* plane &+ index] = Float(t)
            remaining -= t
        }
        return g - remaining
    }

    /// The level closest to `x` (ties go to the lower level). `levels` is ascending and non-empty.
    static func nearest(_ x: Double, in levels: [Double]) -> Double {
        var lo = 0
        var hi = levels.count
        while lo < hi {  // first index with levels[i] ≥ x
            let mid = (lo + hi) / 2
            if levels[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        if lo == 0 { return levels[0] }
        if lo == levels.count { return levels[levels.count - 1] }
        return x - levels[lo - 1] <= levels[lo] - x ? levels[lo - 1] : levels[lo]
    }
}
