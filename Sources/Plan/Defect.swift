import Devices
import FileSupport

/// What a faulty device holds whatever it is programmed to.
public enum DefectKind: Sendable, Hashable {
    /// Stuck at (or below) the device's g_min: stuck-OFF (formed badly, or broken open).
    case stuckLow
    /// Stuck at (or above) the device's g_max: stuck-ON (a filament that no RESET dissolves).
    case stuckHigh
    /// Stuck at a measured conductance in µS.
    case stuckAt(value_uS: Double)

    /// The `kind` column's text.
    public var name: String {
        switch self {
        case .stuckLow: "stuck_low"
        case .stuckHigh: "stuck_high"
        case .stuckAt: "stuck_at"
        }
    }

    /// The kind names the file accepts, for messages.
    public static let names = ["stuck_low", "stuck_high", "stuck_at"]
}

/// One line of a defect map: a device, or a whole word line (`column` nil: every column of that
/// row) or bit line (`row` nil: every row of that column) of one array.
public struct Defect: Sendable, Hashable {
    public var array: Int
    /// Word line; nil = `*`, every row (a dead bit line).
    public var row: Int?
    /// Bit line; nil = `*`, every column (a dead word line).
    public var column: Int?
    public var kind: DefectKind
    /// 1-based line of the file it was read from (0 when made in code), so a check against the plan
    /// can name the line.
    public var line: Int

    public init(array: Int, row: Int?, column: Int?, kind: DefectKind, line: Int = 0) {
        self.array = array; self.row = row; self.column = column; self.kind = kind; self.line = line
    }

    /// Whether this defect covers device (row, column) of its array.
    public func covers(row r: Int, column c: Int) -> Bool {
        (row == nil || row == r) && (column == nil || column == c)
    }
}

extension Defect {
    /// The conductance (µS) the device holds: stuck-low at the device's g_min and stuck-high at its
    /// g_max (per device, as the verifier's random stuck devices, devices.md §2), stuck-at its value.
    public func conductance_uS(rules: TargetRules) -> Double {
        switch kind {
        case .stuckLow: rules.gMin_uS
        case .stuckHigh: rules.gMax_uS
        case .stuckAt(let v): v
        }
    }
}

/// A defect map that contradicts itself or the plan: one line naming the file, the line and the
/// problem (bad data, exit 65).
public struct DefectMapError: Error, Sendable, Equatable, CustomStringConvertible, KindedError {
    public var file: String
    /// 1-based line; 0 when the problem is not on one line.
    public var line: Int
    public var message: String
    public init(file: String, line: Int, _ message: String) { self.file = file; self.line = line; self.message = message }
    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
    public var failureKind: FailureKind { .badData }
}

/// One known fault inside a tile, in the tile's physical coordinates.
public struct FaultSite: Sendable, Hashable {
    /// Word line relative to the tile's `rowOffset`.
    public var wordLine: Int
    /// Bit-line group (weight position) relative to the tile's `columnOffset`.
    public var bitLineGroup: Int
    public var slot: Int
    public var kind: DefectKind
    /// The conductance the device holds (`Defect.conductance_uS`).
    public var g_uS: Double
}

extension Defect {
    /// Resolves defects to the devices of each tile they hit (per tile, ascending by word line, bit-line
    /// group, slot). Defects outside every tile (unused devices) hit nothing. A device covered twice
    /// takes its own entry over a whole line's, else the earlier line of the file.
    ///
    /// - Throws: an address outside the plan's arrays, naming `file` and the defect's line.
    public static func sites(_ defects: [Defect], file: String, tiles: [Tile], arrays: [ArrayInfo], slots: Int,
                             rules: TargetRules) throws(DefectMapError) -> [[FaultSite]] {
        var byArray = [Int: [Defect]]()
        for d in defects {
            guard d.array >= 0, d.array < arrays.count else {
                throw DefectMapError(file: file, line: d.line, "array \(d.array) is not in the plan, which has \(arrays.count) array\(arrays.count == 1 ? "" : "s") (0-\(arrays.count - 1))")
            }
            let a = arrays[d.array]
            if let r = d.row, !(0..<a.rows).contains(r) {
                throw DefectMapError(file: file, line: d.line, "row \(r) is outside array \(d.array), which has \(a.rows) rows")
            }
            if let c = d.column, !(0..<a.columns).contains(c) {
                throw DefectMapError(file: file, line: d.line, "column \(c) is outside array \(d.array), which has \(a.columns) columns")
            }
            byArray[d.array, default: []].append(d)
        }
        return tiles.map { tile in
            guard let list = byArray[tile.array], !list.isEmpty else { return [] }
            let rows = tile.rows.count, width = tile.columns.count * slots
            // Per covered device: (priority, site); priority 0 for a device's own entry, 1 + line order for lines.
            var hit = [Int: (Int, FaultSite)]()
            func mark(_ p: Int, _ x: Int, _ d: Defect, _ priority: Int) {
                let key = p * width + x
                if let old = hit[key], old.0 <= priority { return }
                hit[key] = (priority, FaultSite(wordLine: p, bitLineGroup: x / slots, slot: x % slots, kind: d.kind,
                                                g_uS: d.conductance_uS(rules: rules)))
            }
            for (i, d) in list.enumerated() {
                let pRange: Range<Int> = d.row.map { r in r - tile.rowOffset ..< r - tile.rowOffset + 1 } ?? 0..<rows
                let xRange: Range<Int> = d.column.map { c in c - tile.columnOffset ..< c - tile.columnOffset + 1 } ?? 0..<width
                let ps = pRange.clamped(to: 0..<rows), xs = xRange.clamped(to: 0..<width)
                let priority = d.row != nil && d.column != nil ? 0 : 1 + i
                for p in ps { for x in xs { mark(p, x, d, priority) } }
            }
            return hit.keys.sorted().compactMap { hit[$0]?.1 }
        }
    }
}

extension FaultSite {
    /// Index into the tile's targets of the device this fault hits, through the tile's permutations
    /// (`inverse` = `tile.inversePermutations()`).
    public func deviceIndex(in tile: Tile, inverse: (rows: [Int], columns: [Int])) -> Int {
        (slot * tile.rows.count + inverse.rows[wordLine]) * tile.columns.count + inverse.columns[bitLineGroup]
    }
}
