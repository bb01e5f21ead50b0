import Plan

/// Places tiles on physical arrays with a shelf packer, in tile order, and numbers the devices for
/// programming.
///
/// A shelf is a horizontal band of array rows as tall as the first tile put on it; tiles sit side by
/// side on a shelf, so two tiles never share a device. A tile goes on the first shelf (of the last
/// few arrays still open) with room, else on a new shelf, else on a new array. Full-size tiles fill
/// an array each; the small tiles of narrow layers and matrix edges share arrays. Looking back only
/// a few arrays keeps placement linear in the tile count, and leaves a layer's tiles close together.
enum ArrayPacker {
    /// Arrays searched for room before opening a new one.
    static let lookBack = 8

    private struct Shelf { var y: Int; var height: Int; var x: Int }
    private struct Bin { var shelves: [Shelf] = []; var nextY = 0; var used = 0; var tiles: [Int] = [] }

    /// Sets `array`, `rowOffset`, `columnOffset` and `orderStart` of every tile and returns the arrays.
    static func place(_ tiles: inout [Tile], layerNames: [String], geometry: MappingGeometry) throws(CompileError) -> [ArrayInfo] {
        let rowsA = geometry.arrayRows, colsA = geometry.arrayColumns, slots = geometry.slotCount
        var bins = [Bin]()
        for t in tiles.indices {
            let h = tiles[t].rows.count
            let (weightColumns, overflow) = tiles[t].columns.count.multipliedReportingOverflow(by: slots)
            let w = weightColumns &+ tiles[t].referenceColumns   // the tile's reference lines sit right of it
            guard !overflow, w >= weightColumns, h <= rowsA, w <= colsA else {
                let name = layerNames.indices.contains(tiles[t].layer) ? layerNames[tiles[t].layer] : "#\(tiles[t].layer)"
                throw .tileLargerThanArray(layer: name, tileRows: h, tileDeviceColumns: w, arrayRows: rowsA, arrayColumns: colsA)
            }
            var spot: (bin: Int, y: Int, x: Int)?
            search: for b in max(bins.count - lookBack, 0)..<bins.count {
                for s in bins[b].shelves.indices where bins[b].shelves[s].height >= h && colsA - bins[b].shelves[s].x >= w {
                    spot = (b, bins[b].shelves[s].y, bins[b].shelves[s].x)
                    bins[b].shelves[s].x += w
                    break search
                }
                if rowsA - bins[b].nextY >= h {
                    spot = (b, bins[b].nextY, 0)
                    bins[b].shelves.append(Shelf(y: bins[b].nextY, height: h, x: w))
                    bins[b].nextY += h
                    break search
                }
            }
            if spot == nil {
                bins.append(Bin(shelves: [Shelf(y: 0, height: h, x: w)], nextY: h))
                spot = (bins.count - 1, 0, 0)
            }
            guard let (b, y, x) = spot else { continue }
            tiles[t].array = b
            tiles[t].rowOffset = y
            tiles[t].columnOffset = x
            bins[b].used += h * w
            bins[b].tiles.append(t)
        }
        // Programming order: array by array, tiles in the order they were placed on it.
        var next = 0
        for bin in bins {
            for t in bin.tiles {
                tiles[t].orderStart = next
                let (n, o1) = tiles[t].weightCount.multipliedReportingOverflow(by: slots)
                let (sum, o2) = next.addingReportingOverflow(n &+ tiles[t].referenceTargets_uS.count)
                guard !o1, !o2 else { throw .sizeOverflow("more devices than an Int can count") }
                next = sum
            }
        }
        return bins.map { ArrayInfo(rows: rowsA, columns: colsA, usedDevices: $0.used) }
    }
}
