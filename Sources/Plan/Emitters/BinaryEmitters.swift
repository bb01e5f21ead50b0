import FileSupport
import Foundation
import HDF5Support

/// `--format proto`: the magic `IMPRDEVS`, a delimited `DeviceStreamHeader`, then one delimited
/// `DeviceRecord` per device (formats/plan.proto). The schedule, the same for every device, is in
/// the header; records carry a layer index into the header's layer names.
final class ProtoSink: DeviceSink {
    static let magic: [UInt8] = Array("IMPRDEVS".utf8)
    private let output: OutputFile
    private var buffer = [UInt8]()

    init(output destination: OutputDestination, context: EmitContext) throws(PlanFileError) {
        output = try OutputFile(destination)
        let h = context.header
        let pv = h.device.programVerify
        var w = ProtoWriter()
        w.uint(1, h.formatVersion)
        w.string(2, h.toolVersion)
        w.message(3) { PlanEncoding.sourceModel(&$0, h.source) }
        w.string(4, h.device.jsonText)
        for name in context.layerNames { w.string(alwaysAt: 5, name) }
        w.packedInts(6, context.arrays)
        w.string(7, pv.algorithm.rawValue)
        for (field, v) in [(8, pv.set.start_V), (9, pv.set.step_V), (10, pv.set.stop_V), (11, pv.reset.start_V),
                           (12, pv.reset.step_V), (13, pv.reset.stop_V), (14, pv.gate.set_V), (15, pv.gate.reset_V),
                           (16, pv.pulseWidth_s), (17, pv.readBias_V)] {
            w.double(field, v)
        }
        w.uint(18, pv.readsAveraged); w.uint(19, pv.readsDiscarded); w.uint(20, pv.maxIterations); w.uint(21, pv.maxPulsesAtCeiling)
        w.bool(22, h.isOffsetMode)
        w.string(23, pv.belowGMin.rawValue)
        w.double(24, pv.gate.setStep_V ?? 0); w.double(25, pv.gate.setStop_V ?? 0)
        try output.write(Self.magic + ProtoWriter.lengthPrefix(w.bytes.count) + w.bytes)
    }

    func add(_ tile: Tile, _ context: EmitContext) throws(PlanFileError) {
        context.forEachDevice(in: tile) { (d: DeviceRecord) in
            var r = ProtoWriter(capacity: 80)
            r.uint(1, d.array); r.uint(2, d.row); r.uint(3, d.col); r.uint(4, d.layer)
            r.uint(5, d.matrixRow); r.uint(6, d.matrixCol)
            r.enumValue(7, PlanEncoding.polarityCode(d.slot.polarity))
            r.double(8, d.slot.significance)
            r.float(9, d.target_uS); r.float(10, d.target_ohm)
            r.float(11, d.windowLo_uS); r.float(12, d.windowHi_uS)
            r.bool(13, d.force)
            r.float(14, d.weightPerMicrosiemens)
            r.uint(15, d.order); r.uint(16, d.group); r.uint(17, d.slot.replica)
            r.float(18, d.zero_uS)
            buffer.append(contentsOf: ProtoWriter.lengthPrefix(r.bytes.count))
            buffer.append(contentsOf: r.bytes)
        }
        if buffer.count >= 1 << 20 { try flush() }
    }

    func finish(_ context: EmitContext) throws(PlanFileError) {
        try flush()
        try output.commit()
    }

    private func flush() throws(PlanFileError) {
        try output.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// `--format hdf5`: one group per array (`/array_0000`, …) of 1-D datasets, one entry per device in
/// programming order, plus `/layers` (names) and root attributes (units, provenance, the spec).
/// Columns are gathered per array in memory, then the file is built in memory and written atomically.
final class HDF5Sink: DeviceSink {
    private struct Columns {
        var row = [Int64](), col = [Int64](), layer = [Int64](), matrixRow = [Int64](), matrixCol = [Int64]()
        var role = [Int8](), significance = [Float](), target = [Float](), lo = [Float](), hi = [Float]()
        var force = [UInt8](), weightPerMicrosiemens = [Float](), order = [Int64](), group = [Int64](), replica = [Int64]()
        var zero = [Float]()
    }

    /// Opened before the records arrive, so a bad destination fails before the work.
    private let output: OutputFile
    private var arrays = [Int: Columns]()

    init(output destination: OutputDestination) throws(PlanFileError) { output = try OutputFile(destination) }

    func add(_ tile: Tile, _ context: EmitContext) throws(PlanFileError) {
        guard context.includes(array: tile.array) else { return }
        var c = arrays[tile.array] ?? Columns()
        arrays[tile.array] = nil  // keep the arrays uniquely referenced while appending
        context.forEachDevice(in: tile) { (d: DeviceRecord) in
            c.row.append(Int64(d.row)); c.col.append(Int64(d.col)); c.layer.append(Int64(d.layer))
            c.matrixRow.append(Int64(d.matrixRow)); c.matrixCol.append(Int64(d.matrixCol))
            c.role.append(Int8(PlanEncoding.polarityCode(d.slot.polarity))); c.significance.append(Float(d.slot.significance))
            c.target.append(d.target_uS); c.lo.append(d.windowLo_uS); c.hi.append(d.windowHi_uS)
            c.force.append(d.force ? 1 : 0); c.weightPerMicrosiemens.append(d.weightPerMicrosiemens)
            c.order.append(Int64(d.order)); c.group.append(Int64(d.group)); c.replica.append(Int64(d.slot.replica))
            c.zero.append(d.zero_uS)
        }
        arrays[tile.array] = c
    }

    func finish(_ context: EmitContext) throws(PlanFileError) {
        let image: [UInt8]
        do { image = try build(context) } catch {
            throw PlanFileError(file: output.path, .writeFailed("HDF5: \(error.message)"))
        }
        try output.write(image)
        try output.commit()
    }

    private func build(_ context: EmitContext) throws(HDF5WriteError) -> [UInt8] {
        let h = context.header
        let w = try HDF5Writer()
        let attributes: [(String, String)] = [
            ("units", "conductances in uS (microsiemens), windows in uS, voltages in V, times in s"),
            ("weight_formula", h.isOffsetMode ? "weight = weight_per_uS * sum over devices of (target_uS - zero_uS)"
                                              : "weight = weight_per_uS * sum over devices of significance * sign(role) * target_uS"),
            ("role_codes", "1 = pos, 2 = neg, 3 = single (offset mode)"),
            ("force_meaning", "1: target at or below g_min; apply below_g_min instead of verifying"),
            ("below_g_min", h.device.programVerify.belowGMin.rawValue),
            ("source_model", h.source.fileName), ("source_sha256", h.source.sha256),
            ("tool_version", h.toolVersion), ("device_spec_json", h.device.jsonText),
            ("algorithm", h.device.programVerify.algorithm.rawValue),
        ]
        for (name, value) in attributes { try w.setAttribute(name, string: value) }
        try w.setAttribute("plan_format_version", value: Int32(h.formatVersion))
        try w.write(strings: context.layerNames, dataset: "/layers")
        for a in context.arrays {
            let c = arrays[a] ?? Columns()
            let g = String(format: "/array_%04d", a)
            try w.createGroup(g)
            try w.setAttribute("rows", value: Int64(h.arrays[a].rows), on: g)
            try w.setAttribute("columns", value: Int64(h.arrays[a].columns), on: g)
            try w.write(c.row, dataset: g + "/row"); try w.write(c.col, dataset: g + "/col")
            try w.write(c.layer, dataset: g + "/layer")
            try w.write(c.matrixRow, dataset: g + "/matrix_row"); try w.write(c.matrixCol, dataset: g + "/matrix_col")
            try w.write(c.role, dataset: g + "/role"); try w.write(c.significance, dataset: g + "/significance")
            try w.write(c.target, dataset: g + "/target_uS")
            try w.write(c.lo, dataset: g + "/window_lo_uS"); try w.write(c.hi, dataset: g + "/window_hi_uS")
            try w.write(c.force, dataset: g + "/force"); try w.write(c.weightPerMicrosiemens, dataset: g + "/weight_per_uS")
            try w.write(c.order, dataset: g + "/order"); try w.write(c.group, dataset: g + "/group")
            try w.write(c.replica, dataset: g + "/replica")
            if h.isOffsetMode { try w.write(c.zero, dataset: g + "/zero_uS") }
        }
        return try w.fileImage()
    }
}
