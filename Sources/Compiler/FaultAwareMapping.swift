import Plan

/// Maps one placed tile around its known stuck devices (Zhang et al., ASP-DAC 2019: permute rows
/// and columns so that faults meet the weights they hurt least; Jin et al., DATE 2020: in a pair, a
/// fault is harmless where the partner can hold the weight).
///
/// The cost is the squared weight error the faults leave, in weight units, against the weight as
/// mapped without faults: a weight whose devices include stuck ones holds
/// k·Σ_slots f_s·(G_s − zero) with the stuck G_s fixed, and its free devices are re-targeted (largest
/// significance first, each within the device range and snapped to the device's levels) to come as
/// close to the mapped weight as they can; a re-targeting that does not help is dropped. Only cells
/// with a fault cost anything, so a row permutation is a linear assignment of tile rows to word
/// lines with the columns fixed, and vice versa: the mapping alternates the two for
/// `rounds` rounds (the Hungarian method, `Assignment`), each accepted only if it lowers the cost.
/// The identity placement is the start, so the result is never worse than the identity with
/// re-targeting, which is never worse than the naive plan (no permutation, no re-targeting).
struct FaultAwareMapping: Sendable {
    /// Row and column steps each; a few rounds capture nearly all of the gain (rounds alternate
    /// between two exact assignments, so the cost only falls).
    static let rounds = 2
    /// Most cost evaluations (tile rows × faulty cells, or columns × faulty cells) one assignment step
    /// may spend; a larger step is skipped (the identity stays a candidate), keeping compile time
    /// bounded on huge, very faulty tiles: 2^24 evaluations take about 0.3 s on one core.
    static let evaluationBudget = 1 << 24

    /// Per slot, significance × sign (+1 pos or single, −1 neg).
    let factors: [Double]
    /// Slots in the order re-targeting moves them: largest |factor| first, then slot order.
    let retargetOrder: [Int]
    /// Per-device conductance range (µS).
    let gMin_uS: Double
    let gMax_uS: Double
    let levels_uS: [Double]?

    init(geometry: MappingGeometry, mapper: WeightMapper) {
        let f = geometry.slots.map { $0.significance * ($0.polarity == .neg ? -1.0 : 1.0) }
        factors = f
        retargetOrder = f.indices.sorted { (abs(f[$0]), -$0) > (abs(f[$1]), -$1) }
        gMin_uS = mapper.deviceGMin_uS
        gMax_uS = mapper.deviceGMax_uS
        levels_uS = mapper.levels_uS
    }

    struct Outcome: Sendable {
        var tile: Tile
        /// Σ squared weight error of the faults with the identity placement and no re-targeting.
        var naiveSSE: Double
        /// Σ squared weight error with the chosen placement and re-targeting.
        var awareSSE: Double
        var stuckDevices: Int
    }

    /// The faulty cells of a tile: per cell (a weight position), which slots are stuck and at what.
    private struct Cells {
        var position: [(wordLine: Int, group: Int)] = []
        var stuck: [Bool] = []
        /// Stuck conductances as the plan stores them (float32), so costs match the written targets.
        var g_uS: [Double] = []
    }

    func map(_ tile: Tile, sites: [FaultSite]) -> Outcome {
        guard !sites.isEmpty else { return Outcome(tile: tile, naiveSSE: 0, awareSSE: 0, stuckDevices: 0) }
        let S = factors.count, R = tile.rows.count, C = tile.columns.count
        var cells = Cells()
        var cellOf = [Int: Int]()
        for site in sites {
            let key = site.wordLine * C + site.bitLineGroup
            let cell: Int
            if let c = cellOf[key] { cell = c } else {
                cell = cells.position.count
                cellOf[key] = cell
                cells.position.append((site.wordLine, site.bitLineGroup))
                cells.stuck.append(contentsOf: repeatElement(false, count: S))
                cells.g_uS.append(contentsOf: repeatElement(0, count: S))
            }
            cells.stuck[cell * S + site.slot] = true
            cells.g_uS[cell * S + site.slot] = Double(Float(site.g_uS))
        }
        let n = cells.position.count
        let context = TileContext(tile: tile, slots: S)

        // Naive: identity, no re-targeting.
        var naive = 0.0
        for i in 0..<n {
            let (p, q) = cells.position[i]
            let e = context.evaluate(self, row: p, column: q, cell: i, cells: cells, retarget: false, write: nil)
            naive += e * e
        }

        var rowAt = Array(0..<R), columnAt = Array(0..<C)   // ρ⁻¹ and γ⁻¹
        func total() -> Double {
            var sum = 0.0
            for i in 0..<n {
                let (p, q) = cells.position[i]
                let e = context.evaluate(self, row: rowAt[p], column: columnAt[q], cell: i, cells: cells, retarget: true, write: nil)
                sum += e * e
            }
            return sum
        }
        let identityCost = total()
        var cost = identityCost
        for _ in 0..<Self.rounds {
            var improved = false
            // Rows to word lines, columns fixed: A[r][p] = Σ over faulty cells on word line p.
            if R > 1, R * n <= Self.evaluationBudget {
                var a = [Double](repeating: 0, count: R * R)
                for i in 0..<n {
                    let (p, q) = cells.position[i]
                    for r in 0..<R {
                        let e = context.evaluate(self, row: r, column: columnAt[q], cell: i, cells: cells, retarget: true, write: nil)
                        a[r * R + p] += e * e
                    }
                }
                let wordLineOf = Assignment.solve(a, n: R)
                var candidate = rowAt
                for r in 0..<R { candidate[wordLineOf[r]] = r }
                let previous = rowAt
                rowAt = candidate
                let c = total()
                if c < cost { cost = c; improved = true } else { rowAt = previous }
            }
            // Columns to bit-line groups, rows fixed.
            if C > 1, C * n <= Self.evaluationBudget {
                var b = [Double](repeating: 0, count: C * C)
                for i in 0..<n {
                    let (p, q) = cells.position[i]
                    for c in 0..<C {
                        let e = context.evaluate(self, row: rowAt[p], column: c, cell: i, cells: cells, retarget: true, write: nil)
                        b[c * C + q] += e * e
                    }
                }
                let groupOf = Assignment.solve(b, n: C)
                var candidate = columnAt
                for c in 0..<C { candidate[groupOf[c]] = c }
                let previous = columnAt
                columnAt = candidate
                let c = total()
                if c < cost { cost = c; improved = true } else { columnAt = previous }
            }
            if !improved { break }
        }
        if !(cost < identityCost) { rowAt = Array(0..<R); columnAt = Array(0..<C); cost = identityCost }

        // Write the stuck values and re-targeted partners; record the permutations and stuck devices.
        var out = tile
        var stuck = [Int]()
        var aware = 0.0
        out.targets_uS.withUnsafeMutableBufferPointer { targets in
            for i in 0..<n {
                let (p, q) = cells.position[i]
                let (r, c) = (rowAt[p], columnAt[q])
                let e = context.evaluate(self, row: r, column: c, cell: i, cells: cells, retarget: true, write: targets)
                aware += e * e
                for s in 0..<S where cells.stuck[i * S + s] { stuck.append((s * R + r) * C + c) }
            }
        }
        stuck.sort()
        out.stuckDevices = stuck
        let identityRows = rowAt.elementsEqual(0..<R), identityColumns = columnAt.elementsEqual(0..<C)
        out.rowPermutation = identityRows ? [] : Tile.inverse(rowAt, count: R)
        out.columnPermutation = identityColumns ? [] : Tile.inverse(columnAt, count: C)
        return Outcome(tile: out, naiveSSE: naive, awareSSE: aware, stuckDevices: stuck.count)
    }

    /// The tile's original targets and scales, read by every evaluation.
    private struct TileContext {
        let targets: [Float]
        let k: [Float]
        let zero: Double
        let rows: Int, columns: Int, slots: Int

        init(tile: Tile, slots: Int) {
            targets = tile.targets_uS; k = tile.weightPerMicrosiemens; zero = Double(tile.zero_uS)
            rows = tile.rows.count; columns = tile.columns.count; self.slots = slots
        }

        /// |weight error| (weight units) of logical weight (row, column) on faulty cell `cell`; with
        /// `retarget`, the better of re-targeting its free devices or not. `write` receives the
        /// targets of the choice (stuck devices at their stuck conductance).
        @inline(__always)
        func evaluate(_ m: FaultAwareMapping, row r: Int, column c: Int, cell: Int, cells: Cells, retarget: Bool,
                      write: UnsafeMutableBufferPointer<Float>?) -> Double {
            let kc = Double(k[c])
            let plane = rows * columns, at = r * columns + c
            // Missing (µS, significance-weighted): what the stuck devices fail to hold.
            var missing = 0.0
            for s in 0..<slots where cells.stuck[cell * slots + s] {
                missing += m.factors[s] * (Double(targets[s * plane + at]) - cells.g_uS[cell * slots + s])
            }
            let plain = abs(kc * missing)
            guard retarget, missing != 0, kc != 0 else {
                if let write { writeStuck(cell: cell, cells: cells, at: at, plane: plane, write) }
                return plain
            }
            // Two passes of the same arithmetic: the first prices the re-targeting, the second (only
            // when writing, and only if it helps) stores it, so the hot path allocates nothing.
            func moveFree(_ write: UnsafeMutableBufferPointer<Float>?) -> Double {
                var left = missing
                for s in m.retargetOrder where !cells.stuck[cell * slots + s] {
                    let t = Double(targets[s * plane + at])
                    var g = min(max(t + left / m.factors[s], m.gMin_uS), m.gMax_uS)
                    if let levels = m.levels_uS { g = WeightMapper.nearest(g, in: levels) }
                    let stored = Float(g)
                    if Double(stored) == t { continue }
                    left -= m.factors[s] * (Double(stored) - t)
                    write?[s * plane + at] = stored
                    if left == 0 { break }
                }
                return abs(kc * left)
            }
            let moved = moveFree(nil)
            guard let write else { return min(plain, moved) }
            writeStuck(cell: cell, cells: cells, at: at, plane: plane, write)
            guard moved < plain else { return plain }
            return moveFree(write)
        }

        private func writeStuck(cell: Int, cells: Cells, at: Int, plane: Int, _ write: UnsafeMutableBufferPointer<Float>) {
            for s in 0..<slots where cells.stuck[cell * slots + s] { write[s * plane + at] = Float(cells.g_uS[cell * slots + s]) }
        }
    }
}
