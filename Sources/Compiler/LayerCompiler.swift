import NetworkModel
import Plan

/// One layer's tiles before placement (array, offsets and order are filled in by `ArrayPacker`).
struct CompiledLayer: Sendable {
    var mapping: LayerMapping
    var tiles: [Tile]
}

/// Tiles, scales and maps one matrix-product layer. Layers are independent, so the compiler may run
/// them concurrently; nothing here depends on another layer.
enum LayerCompiler {
    struct TileRect: Sendable {
        var group: Int
        var rows: Range<Int>
        var columns: Range<Int>
    }

    /// Fixed-size blocks from the top-left corner; the last block of each direction holds the rest.
    /// Order: group, then row block, then column block.
    static func rectangles(of m: CrossbarMatrix, tileRows: Int, tileColumns: Int) -> [TileRect] {
        var rects = [TileRect]()
        for g in 0..<m.groups {
            for r in stride(from: 0, to: m.rows, by: tileRows) {
                for c in stride(from: 0, to: m.columns, by: tileColumns) {
                    rects.append(TileRect(group: g, rows: r..<min(r + tileRows, m.rows),
                                          columns: c..<min(c + tileColumns, m.columns)))
                }
            }
        }
        return rects
    }

    static func compile(_ m: LayerMatrix, layerIndex: Int, geometry: MappingGeometry, options: CompileOptions,
                        mapper: WeightMapper) -> CompiledLayer {
        let mat = m.matrix
        let rects = rectangles(of: mat, tileRows: geometry.tileRows, tileColumns: geometry.tileColumns)

        // w_max per unit: one for the layer, one per tile, or one per (group, column).
        var clipped = 0
        var tileWMax = [Float]()
        var columnWMax = [Float]()
        var layerWMax: Float = 0
        switch options.scale {
        case .layer:
            var scratch = [Float](repeating: 0, count: mat.weightCount)
            scratch.withUnsafeMutableBufferPointer { buf in
                var at = 0
                for g in 0..<mat.groups {
                    let part = UnsafeMutableBufferPointer(rebasing: buf[at...])
                    at += m.gather(group: g, rows: 0..<mat.rows, columns: 0..<mat.columns, into: part)
                }
                let s = WeightScaling.scale(of: buf, clip: options.clip)
                layerWMax = s.wMax
                clipped = s.clipped
            }
        case .tile:
            let largest = rects.reduce(0) { max($0, $1.rows.count * $1.columns.count) }
            var scratch = [Float](repeating: 0, count: largest)
            scratch.withUnsafeMutableBufferPointer { buf in
                for rect in rects {
                    let n = m.gather(group: rect.group, rows: rect.rows, columns: rect.columns, into: buf)
                    let s = WeightScaling.scale(of: UnsafeMutableBufferPointer(rebasing: buf[0..<n]), clip: options.clip)
                    tileWMax.append(s.wMax)
                    clipped += s.clipped
                }
            }
            layerWMax = tileWMax.max() ?? 0
        case .column:
            var scratch = [Float](repeating: 0, count: mat.rows)
            columnWMax.reserveCapacity(mat.groups * mat.columns)
            scratch.withUnsafeMutableBufferPointer { buf in
                for g in 0..<mat.groups {
                    for c in 0..<mat.columns {
                        let n = m.gather(group: g, rows: 0..<mat.rows, columns: c..<(c + 1), into: buf)
                        let s = WeightScaling.scale(of: UnsafeMutableBufferPointer(rebasing: buf[0..<n]), clip: options.clip)
                        columnWMax.append(s.wMax)
                        clipped += s.clipped
                    }
                }
            }
            layerWMax = columnWMax.max() ?? 0
        }

        var tiles = [Tile]()
        tiles.reserveCapacity(rects.count)
        var snapError: Float = 0
        for (t, rect) in rects.enumerated() {
            let wMaxOfColumn: (Int) -> Float = { c in
                switch options.scale {
                case .layer: return layerWMax
                case .tile: return tileWMax[t]
                case .column: return columnWMax[rect.group * mat.columns + c]
                }
            }
            // k is rounded to Float first: the plan stores Float, and the targets must agree with it.
            let k = rect.columns.map { Float(Double(wMaxOfColumn($0)) / geometry.fullScale_uS) }
            let wMax = rect.columns.map(wMaxOfColumn)
            let (targets, err) = fill(m, rect: rect, k: k, wMax: wMax, slots: geometry.slotCount, mapper: mapper)
            snapError = max(snapError, err)
            tiles.append(Tile(layer: layerIndex, group: rect.group, rows: rect.rows, columns: rect.columns, array: -1,
                              rowOffset: 0, columnOffset: 0, targets_uS: targets, weightPerMicrosiemens: k,
                              zero_uS: mapper.deviceZero_uS, orderStart: 0,
                              referenceTargets_uS: ReferenceColumns.targets(rows: rect.rows.count, lines: geometry.referenceColumns,
                                                                            zero_uS: mapper.deviceZero_uS)))
        }
        let fraction = mat.weightCount > 0 ? Double(clipped) / Double(mat.weightCount) : 0
        let mapping = LayerMapping(node: m.node, matrix: mat, wMax: layerWMax, clippedFraction: fraction,
                                   tiles: 0..<rects.count, snapError: snapError)
        return CompiledLayer(mapping: mapping, tiles: tiles)
    }

    /// Packed targets of one tile (slot-major, see `Tile.targets_uS`) and the largest weight error
    /// level snapping caused in it.
    private static func fill(_ m: LayerMatrix, rect: TileRect, k: [Float], wMax: [Float], slots: Int,
                             mapper: WeightMapper) -> ([Float], Float) {
        let rows = rect.rows.count, cols = rect.columns.count
        let plane = rows * cols
        var targets = [Float](repeating: 0, count: plane * slots)
        var worst = 0.0
        targets.withUnsafeMutableBufferPointer { out in
            m.weights.withUnsafeBufferPointer { w in
                k.withUnsafeBufferPointer { k in
                    wMax.withUnsafeBufferPointer { wMax in
                        guard let base = out.baseAddress else { return }
                        for r in 0..<rows {
                            var src = m.offset(group: rect.group, row: rect.rows.lowerBound + r, column: rect.columns.lowerBound)
                            for c in 0..<cols {
                                let limit = Double(wMax[c])
                                let kc = Double(k[c])
                                let weight = min(max(Double(w[src]), -limit), limit)
                                let invK = kc > 0 ? 1 / kc : 0
                                let held = mapper.map(weight, invK: invK, out: base, index: r &* cols &+ c, plane: plane)
                                worst = max(worst, abs(kc * held - weight))
                                src &+= m.columnStride
                            }
                        }
                    }
                }
            }
        }
        return (targets, Float(worst))
    }
}
