import Devices
import NetworkModel

/// Swift values → `PlanRecord` bytes (field numbers of formats/plan.proto).
enum PlanEncoding {
    static func headerRecord(_ h: PlanHeader) -> [UInt8] {
        var record = ProtoWriter()
        record.message(1) { w in
            w.uint(1, h.formatVersion)
            w.string(2, h.toolVersion)
            w.message(3) { sourceModel(&$0, h.source) }
            w.string(4, h.device.jsonText)
            w.message(5) { options(&$0, h.options) }
            w.message(6) { graph(&$0, h.network) }
            for slot in h.roles {
                w.message(7) { s in
                    s.enumValue(1, polarityCode(slot.polarity))
                    s.double(2, slot.significance)
                    s.uint(3, slot.replica)
                }
            }
            for layer in h.layers {
                w.message(8) { l in
                    l.string(1, layer.node)
                    l.uint(2, layer.matrix.rows); l.uint(3, layer.matrix.columns); l.uint(4, layer.matrix.groups)
                    l.float(5, layer.wMax)
                    l.double(6, layer.clippedFraction)
                    l.uint(7, layer.tiles.lowerBound); l.uint(8, layer.tiles.upperBound)
                    l.float(9, layer.snapError)
                }
            }
            for array in h.arrays {
                w.message(9) { a in a.uint(1, array.rows); a.uint(2, array.columns); a.uint(3, array.usedDevices) }
            }
            w.uint(10, h.tileCount)
        }
        return record.bytes
    }

    static func tileRecord(_ t: Tile) -> [UInt8] {
        var tile = ProtoWriter(capacity: t.targets_uS.count * 4 + t.weightPerMicrosiemens.count * 4 + 64)
        tile.uint(1, t.layer); tile.uint(2, t.group)
        tile.uint(3, t.rows.lowerBound); tile.uint(4, t.rows.upperBound)
        tile.uint(5, t.columns.lowerBound); tile.uint(6, t.columns.upperBound)
        tile.uint(7, t.array); tile.uint(8, t.rowOffset); tile.uint(9, t.columnOffset)
        tile.packedFloats(10, t.targets_uS)
        tile.packedFloats(11, t.weightPerMicrosiemens)
        tile.float(12, t.zero_uS)
        tile.uint(13, t.orderStart)
        var record = ProtoWriter(capacity: tile.bytes.count + 8)
        record.lengthDelimited(2, tile.bytes)
        return record.bytes
    }

    static func footerRecord(tileCount: Int, deviceCount: Int, sha256: [UInt8]) -> [UInt8] {
        var record = ProtoWriter()
        record.message(3) { f in
            f.uint(1, tileCount)
            f.uint(2, deviceCount)
            f.lengthDelimited(3, sha256)
        }
        return record.bytes
    }

    static func sourceModel(_ w: inout ProtoWriter, _ s: SourceModel) {
        w.string(1, s.fileName)
        w.string(2, s.sha256)
    }

    static func polarityCode(_ p: Polarity) -> Int {
        switch p {
        case .pos: return 1
        case .neg: return 2
        case .single: return 3
        }
    }

    private static func options(_ w: inout ProtoWriter, _ o: CompileOptions) {
        w.uint(1, o.tileRows); w.uint(2, o.tileColumns)
        w.uint(3, o.arrayRows ?? 0); w.uint(4, o.arrayColumns ?? 0)
        switch o.pairs {
        case .single: w.enumValue(5, 1)
        case .offset: w.enumValue(5, 2)
        case .dual(let f): w.enumValue(5, 3); w.double(6, f)
        }
        w.uint(7, o.devicesPerConductance ?? 0)
        switch o.scale {
        case .layer: w.enumValue(8, 1)
        case .tile: w.enumValue(8, 2)
        case .column: w.enumValue(8, 3)
        }
        switch o.clip {
        case .max: w.enumValue(9, 1)
        case .percentile(let p): w.enumValue(9, 2); w.double(10, p)
        case .sigma(let k): w.enumValue(9, 3); w.double(10, k)
        }
        w.bool(11, o.foldBatchNorm)
        for name in o.keepDigital { w.string(alwaysAt: 12, name) }
        w.bool(13, o.snapToLevels)
    }

    private static func graph(_ w: inout ProtoWriter, _ n: Network) {
        w.string(1, n.name)
        for input in n.inputs {
            w.message(2) { i in
                i.string(1, input.name)
                i.packedInts(2, input.shape)
                i.string(3, input.sourceLayout.rawValue)
            }
        }
        for out in n.outputs { w.string(alwaysAt: 3, out) }
        for node in n.nodes {
            let g = GraphCodec.generic(node)
            w.message(4) { m in
                m.string(1, g.name)
                m.string(2, g.opType)
                for input in g.inputs { m.string(alwaysAt: 3, input) }
                m.string(4, g.output)
                for (name, values) in g.ints { m.message(5) { a in a.string(1, name); a.packedInts(2, values) } }
                for (name, values) in g.floats { m.message(6) { a in a.string(1, name); a.packedFloats(2, values) } }
                for (name, t) in g.tensors { m.message(7) { tensor(&$0, name, t) } }
            }
        }
        for name in n.constants.keys.sorted() {
            // Keys come from the dictionary just iterated.
            if let t = n.constants[name] { w.message(5) { tensor(&$0, name, t) } }
        }
    }

    private static func tensor(_ w: inout ProtoWriter, _ name: String, _ t: Tensor) {
        w.string(1, name)
        w.packedInts(2, t.shape)
        w.packedFloats(3, t.data)
    }
}
