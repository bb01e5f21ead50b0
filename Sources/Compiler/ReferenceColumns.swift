import Devices
import NetworkModel
import Plan

/// Reference columns of offset mode at compile time (issue 14; layout in `Tile+References.swift`):
/// how many lines a tile gets, whether they fit the array, and their targets.
enum ReferenceColumns {
    /// Reference lines per tile for `o`: 0 in pair modes (a pair cancels a shared shift itself) and
    /// for a digital zero point; the option's value, or by default `CompileOptions.defaultReferenceColumns`
    /// on RRAM, whose
    /// HfOx/CMO relaxation shifts every level alike (devices.md §2), and 0 on PCM, whose drift
    /// scales every level (a gain, which drift compensation undoes).
    static func count(_ o: CompileOptions, device: DeviceSpec) throws(CompileError) -> Int {
        guard case .offset = o.pairs else {
            if let n = o.referenceColumns, n != 0 {
                throw .invalidOption(option: "reference", detail: "reference columns apply to offset mode (one device per weight) only; a differential pair cancels a shift both devices share")
            }
            return 0
        }
        let n = o.referenceColumns ?? (device.technology == .rram ? CompileOptions.defaultReferenceColumns : 0)
        guard n >= 0 else { throw .invalidOption(option: "reference columns", detail: "must be at least 1 (got \(n))") }
        return n
    }

    /// Refuses `n` reference lines that do not fit beside a full tile's `tileDeviceColumns` weight
    /// columns: on an array of `arrayColumns` when one was given, else more lines than the tile has
    /// weight columns (the array then grows to the tile's footprint, and a reference line per weight
    /// column is already more than any averaging needs).
    static func checkRoom(_ n: Int, tileDeviceColumns: Int, arrayColumns: Int?) throws(CompileError) {
        guard n > 0 else { return }
        let room = arrayColumns.map { max($0 - tileDeviceColumns, 0) } ?? tileDeviceColumns
        guard n <= room else {
            let where_ = arrayColumns.map { "an array of \($0) columns beside a tile's \(tileDeviceColumns) weight columns" }
                ?? "a tile of \(tileDeviceColumns) weight columns"
            throw .invalidOption(option: "reference columns",
                                 detail: "\(n) reference lines do not fit: \(where_) leaves room for at most \(room)")
        }
    }

    /// Targets of a tile's reference devices (`Tile.referenceTargets_uS`, rows × n): every one at the
    /// per-device zero point, never snapped to a level, so that with targets as read the weights
    /// rebuild exactly as with a digital zero point.
    static func targets(rows: Int, lines n: Int, zero_uS: Float) -> [Float] {
        n > 0 ? [Float](repeating: zero_uS, count: rows * n) : []
    }

    /// Reference devices of a layer's tiles: n per word line of each tile.
    static func devices(of m: CrossbarMatrix, tileColumns: Int, lines n: Int) -> Int? {
        guard n > 0 else { return 0 }
        let columnBlocks = (m.columns + tileColumns - 1) / tileColumns
        let (a, o1) = m.rows.multipliedReportingOverflow(by: m.groups)
        let (b, o2) = a.multipliedReportingOverflow(by: columnBlocks)
        let (c, o3) = b.multipliedReportingOverflow(by: n)
        return o1 || o2 || o3 ? nil : c
    }
}
