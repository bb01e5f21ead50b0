import Devices
import NetworkModel

/// Swift values → `PlanRecord` bytes, with the field numbers of formats/plan.proto taken from
/// `PlanFieldNumbers` (protoc-c's descriptors), never from literals.
package enum PlanEncoding {
    private static let f = PlanFieldNumbers.shared

    static func headerRecord(_ h: PlanHeader) -> [UInt8] {
        let (r, hf, sl, lm, ai) = (f.record, f.header, f.slot, f.layer, f.array)
        var record = ProtoWriter()
        record.message(r.header) { w in
            w.uint(hf.formatVersion, h.formatVersion)
            w.string(hf.toolVersion, h.toolVersion)
            w.message(hf.source) { sourceModel(&$0, h.source) }
            w.string(hf.deviceSpecJSON, h.device.jsonText)
            w.message(hf.options) { options(&$0, h.options) }
            w.message(hf.network) { graph(&$0, h.network) }
            for slot in h.roles {
                w.message(hf.slots) { s in
                    s.enumValue(sl.polarity, polarityCode(slot.polarity))
                    s.double(sl.significance, slot.significance)
                    s.uint(sl.replica, slot.replica)
                }
            }
            for layer in h.layers {
                w.message(hf.layers) { l in
                    l.string(lm.node, layer.node)
                    l.uint(lm.matrixRows, layer.matrix.rows); l.uint(lm.matrixColumns, layer.matrix.columns)
                    l.uint(lm.groups, layer.matrix.groups)
                    l.float(lm.wMax, layer.wMax)
                    l.double(lm.clippedFraction, layer.clippedFraction)
                    l.uint(lm.tileStart, layer.tiles.lowerBound); l.uint(lm.tileEnd, layer.tiles.upperBound)
                    l.float(lm.snapError, layer.snapError)
                }
            }
            for array in h.arrays {
                w.message(hf.arrays) { a in
                    a.uint(ai.rows, array.rows); a.uint(ai.columns, array.columns); a.uint(ai.usedDevices, array.usedDevices)
                }
            }
            w.uint(hf.tileCount, h.tileCount)
            let lf = f.layerFaults
            for faults in h.layerFaults {
                w.message(hf.layerFaults) { m in
                    m.uint(lf.stuckDevices, faults.stuckDevices)
                    m.double(lf.naiveRMSError, faults.naiveRMSError)
                    m.double(lf.awareRMSError, faults.awareRMSError)
                }
            }
        }
        return record.bytes
    }

    static func tileRecord(_ t: Tile) -> [UInt8] {
        let tf = f.tile
        var tile = ProtoWriter(capacity: (t.targets_uS.count + t.weightPerMicrosiemens.count + t.referenceTargets_uS.count) * 4 + 64)
        tile.uint(tf.layer, t.layer); tile.uint(tf.group, t.group)
        tile.uint(tf.rowStart, t.rows.lowerBound); tile.uint(tf.rowEnd, t.rows.upperBound)
        tile.uint(tf.columnStart, t.columns.lowerBound); tile.uint(tf.columnEnd, t.columns.upperBound)
        tile.uint(tf.array, t.array); tile.uint(tf.rowOffset, t.rowOffset); tile.uint(tf.columnOffset, t.columnOffset)
        tile.packedFloats(tf.targets, t.targets_uS)
        tile.packedFloats(tf.weightPerMicrosiemens, t.weightPerMicrosiemens)
        tile.float(tf.zero, t.zero_uS)
        tile.uint(tf.orderStart, t.orderStart)
        tile.packedInts(tf.rowPermutation, t.rowPermutation)
        tile.packedInts(tf.columnPermutation, t.columnPermutation)
        tile.packedInts(tf.stuckDevices, t.stuckDevices)
        tile.packedFloats(tf.referenceTargets, t.referenceTargets_uS)
        var record = ProtoWriter(capacity: tile.bytes.count + 8)
        record.lengthDelimited(f.record.tile, tile.bytes)
        return record.bytes
    }

    static func footerRecord(tileCount: Int, deviceCount: Int, sha256: [UInt8]) -> [UInt8] {
        let ff = f.footer
        var record = ProtoWriter()
        record.message(f.record.footer) { w in
            w.uint(ff.tileCount, tileCount)
            w.uint(ff.deviceCount, deviceCount)
            w.lengthDelimited(ff.sha256, sha256)
        }
        return record.bytes
    }

    package static func sourceModel(_ w: inout ProtoWriter, _ s: SourceModel) {
        w.string(f.source.fileName, s.fileName)
        w.string(f.source.sha256, s.sha256)
    }

    package static func polarityCode(_ p: Polarity) -> Int {
        switch p {
        case .pos: return f.enums.polarityPos
        case .neg: return f.enums.polarityNeg
        case .single: return f.enums.polaritySingle
        case .ref: return f.enums.polarityRef
        }
    }

    private static func options(_ w: inout ProtoWriter, _ o: CompileOptions) {
        let (of, e) = (f.options, f.enums)
        w.uint(of.tileRows, o.tileRows); w.uint(of.tileColumns, o.tileColumns)
        w.uint(of.arrayRows, o.arrayRows ?? 0); w.uint(of.arrayColumns, o.arrayColumns ?? 0)
        switch o.pairs {
        case .single: w.enumValue(of.pairs, e.pairSingle)
        case .offset: w.enumValue(of.pairs, e.pairOffset)
        case .dual(let factor): w.enumValue(of.pairs, e.pairDual); w.double(of.significance, factor)
        }
        w.uint(of.devicesPerConductance, o.devicesPerConductance ?? 0)
        switch o.scale {
        case .layer: w.enumValue(of.scale, e.scaleLayer)
        case .tile: w.enumValue(of.scale, e.scaleTile)
        case .column: w.enumValue(of.scale, e.scaleColumn)
        }
        switch o.clip {
        case .max: w.enumValue(of.clip, e.clipMax)
        case .percentile(let p): w.enumValue(of.clip, e.clipPercentile); w.double(of.clipValue, p)
        case .sigma(let k): w.enumValue(of.clip, e.clipSigma); w.double(of.clipValue, k)
        }
        w.bool(of.foldBatchNorm, o.foldBatchNorm)
        for name in o.keepDigital { w.string(alwaysAt: of.keepDigital, name) }
        w.bool(of.snapToLevels, o.snapToLevels)
        if let map = o.defectMap { w.message(of.defectMap) { sourceModel(&$0, map) } }
        w.uint(of.referenceColumns, o.referenceColumns ?? 0)
    }

    private static func graph(_ w: inout ProtoWriter, _ n: Network) {
        let (gf, gi, nf) = (f.graph, f.graphInput, f.node)
        w.string(gf.name, n.name)
        for input in n.inputs {
            w.message(gf.inputs) { i in
                i.string(gi.name, input.name)
                i.packedInts(gi.shape, input.shape)
                i.string(gi.sourceLayout, input.sourceLayout.rawValue)
            }
        }
        for out in n.outputs { w.string(alwaysAt: gf.outputs, out) }
        for node in n.nodes {
            let g = GraphCodec.generic(node)
            w.message(gf.nodes) { m in
                m.string(nf.name, g.name)
                m.string(nf.opType, g.opType)
                for input in g.inputs { m.string(alwaysAt: nf.inputs, input) }
                m.string(nf.output, g.output)
                for (name, values) in g.ints {
                    m.message(nf.intAttributes) { a in a.string(f.intAttribute.name, name); a.packedInts(f.intAttribute.values, values) }
                }
                for (name, values) in g.floats {
                    m.message(nf.floatAttributes) { a in
                        a.string(f.floatAttribute.name, name); a.packedFloats(f.floatAttribute.values, values)
                    }
                }
                for (name, t) in g.tensors { m.message(nf.tensors) { tensor(&$0, name, t) } }
            }
        }
        for name in n.constants.keys.sorted() {
            // Keys come from the dictionary just iterated.
            if let t = n.constants[name] { w.message(gf.constants) { tensor(&$0, name, t) } }
        }
    }

    private static func tensor(_ w: inout ProtoWriter, _ name: String, _ t: Tensor) {
        w.string(f.tensor.name, name)
        w.packedInts(f.tensor.shape, t.shape)
        w.packedFloats(f.tensor.data, t.data)
    }
}
