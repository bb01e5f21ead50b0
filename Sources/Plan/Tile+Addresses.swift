/// The address rule in one place: every reader of a plan that needs physical positions (emitters,
/// IR drop, defect maps, read-back joins) goes through these, so the permutations of a fault-aware
/// plan are applied everywhere or nowhere.
extension Tile {
    /// Word line of tile row `r`, relative to `rowOffset` (ρ(r)).
    @inline(__always) public func wordLine(ofRow r: Int) -> Int { rowPermutation.isEmpty ? r : rowPermutation[r] }

    /// Bit-line group of tile column `c`, relative to `columnOffset` in weights (γ(c)).
    @inline(__always) public func bitLineGroup(ofColumn c: Int) -> Int { columnPermutation.isEmpty ? c : columnPermutation[c] }

    /// Array row of the devices of tile row `r`.
    @inline(__always) public func arrayRow(ofRow r: Int) -> Int { rowOffset + wordLine(ofRow: r) }

    /// Array column of slot `s` of tile column `c` with `slots` devices per weight.
    @inline(__always) public func arrayColumn(ofColumn c: Int, slot s: Int, slots: Int) -> Int {
        columnOffset + bitLineGroup(ofColumn: c) * slots + s
    }

    /// Whether the tile keeps its rows and columns in matrix order.
    public var isIdentityPlacement: Bool { rowPermutation.isEmpty && columnPermutation.isEmpty }

    /// ρ⁻¹ (tile row on each word line) and γ⁻¹ (tile column on each bit-line group), for walking
    /// devices in physical order.
    public func inversePermutations() -> (rows: [Int], columns: [Int]) {
        (Self.inverse(rowPermutation, count: rows.count), Self.inverse(columnPermutation, count: columns.count))
    }

    /// The inverse of `p` (the identity of `count` when `p` is empty).
    public static func inverse(_ p: [Int], count: Int) -> [Int] {
        guard !p.isEmpty else { return Array(0..<count) }
        var inv = [Int](repeating: 0, count: p.count)
        for (i, v) in p.enumerated() { inv[v] = i }
        return inv
    }

    /// Whether `p` is empty or a permutation of 0 ..< count.
    public static func isPermutation(_ p: [Int], count: Int) -> Bool {
        guard !p.isEmpty else { return true }
        guard p.count == count else { return false }
        var seen = [Bool](repeating: false, count: count)
        for v in p {
            guard v >= 0, v < count, !seen[v] else { return false }
            seen[v] = true
        }
        return true
    }
}
