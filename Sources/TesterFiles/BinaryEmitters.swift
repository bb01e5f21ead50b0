internal import CPlan
import FileSupport
import Foundation
import HDF5Support
import Plan
internal import ProtobufCSupport

/// `--format proto`: the magic `IMPRDEVS`, a delimited `DeviceStreamHeader`, then one delimited
/// `DeviceRecord` per device (formats/plan.proto). The schedule, the same for every device, is in
/// the header; records carry a layer index into the header's layer names.
final class ProtoSink: DeviceSink {
    static let magic: [UInt8] = Array("IMPRDEVS".utf8)
    private let output: OutputFile
    private let columns: [DeviceField]
    private var buffer = [UInt8]()

    /// `DeviceRecord` field numbers by `DeviceField.rawValue`, looked up by name in protoc-c's
    /// descriptor (a test checks every field has one).
    static let fieldNumbers: [Int] = DeviceField.allCases.map { field in
        if field.isTouchupOnly { return 0 }  // not in DeviceRecord (see DeviceField.isTouchupOnly)
        guard let n = protoFieldNumber(imprint__plan__device_record__descriptor, field.protoName) else {
            preconditionFailure("formats/plan.proto's DeviceRecord has no field \(field.protoName)")
        }
        return n
    }

    init(output destination: OutputDestination, context: EmitContext) throws(PlanFileError) {
        output = try OutputFile(destination)
        let h = context.header
        columns = DeviceField.columns(of: h)  // never the touch-up-only fields
        let pv = h.device.programVerify
        let f = PlanFieldNumbers.shared.streamHeader
        var w = ProtoWriter()
        w.uint(f.planFormatVersion, h.formatVersion)
        w.string(f.toolVersion, h.toolVersion)
        w.message(f.source) { PlanEncoding.sourceModel(&$0, h.source) }
        w.string(f.deviceSpecJSON, h.device.jsonText)
        for name in context.layerNames { w.string(alwaysAt: f.layers, name) }
        w.packedInts(f.arrays, context.arrays)
        w.string(f.algorithm, pv.algorithm.rawValue)
        for (field, v) in [(f.setStart, pv.set.start_V), (f.setStep, pv.set.step_V), (f.setStop, pv.set.stop_V),
                           (f.resetStart, pv.reset.start_V), (f.resetStep, pv.reset.step_V), (f.resetStop, pv.reset.stop_V),
                           (f.gateSet, pv.gate.set_V), (f.gateReset, pv.gate.reset_V), (f.pulseWidth, pv.pulseWidth_s),
                           (f.readBias, pv.readBias_V), (f.readTime, pv.readTime_s)] {
            w.double(field, v)
        }
        w.uint(f.readsAveraged, pv.readsAveraged); w.uint(f.readsDiscarded, pv.readsDiscarded)
        w.uint(f.maxIterations, pv.maxIterations); w.uint(f.maxPulsesAtCeiling, pv.maxPulsesAtCeiling)
        w.bool(f.offsetMode, h.isOffsetMode)
        w.uint(f.referenceColumns, h.referenceColumns)
        w.string(f.belowGMin, pv.belowGMin.rawValue)
        w.double(f.gateSetStep, pv.gate.setStep_V ?? 0); w.double(f.gateSetStop, pv.gate.setStop_V ?? 0)
        w.bool(f.defectMap, h.hasDefectMap)
        try output.write(Self.magic + ProtoWriter.lengthPrefix(w.bytes.count) + w.bytes)
    }

    func add(_ tile: Tile, index: Int, marks: TouchupMarks?, _ context: EmitContext) throws(PlanFileError) {
        let (columns, numbers) = (self.columns, Self.fieldNumbers)
        context.forEachDevice(in: tile, index: index, marks: marks) { (d: DeviceRecord) in
            var r = ProtoWriter(capacity: 120)
            for field in columns {
                let n = numbers[field.rawValue]
                switch field.storage {
                case .index: r.uint(n, field.integer(d))
                case .role: r.enumValue(n, field.integer(d))
                case .flag: r.bool(n, field.flag(d))
                case .double: r.double(n, d.slot.significance)
                case .float: r.float(n, field.float(d))
                case .reason: break
                }
            }
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
    /// Every field but `array` (the group), each as the type its storage needs.
    private let fields: [DeviceField]

    private struct Columns {
        var integers = [[Int64]](repeating: [], count: DeviceField.allCases.count)
        var floats = [[Float]](repeating: [], count: DeviceField.allCases.count)
        var roles = [Int8](), reasons = [Int8]()
        var flags = [[UInt8]](repeating: [], count: DeviceField.allCases.count)
    }

    /// Opened before the records arrive, so a bad destination fails before the work.
    private let output: OutputFile
    private var arrays = [Int: Columns]()

    init(output destination: OutputDestination, context: EmitContext) throws(PlanFileError) {
        output = try OutputFile(destination)
        fields = context.columns.filter { $0 != .array }
    }

    func add(_ tile: Tile, index: Int, marks: TouchupMarks?, _ context: EmitContext) throws(PlanFileError) {
        guard context.includes(array: tile.array) else { return }
        var c = arrays[tile.array] ?? Columns()
        arrays[tile.array] = nil  // keep the arrays uniquely referenced while appending
        let fields = self.fields
        context.forEachDevice(in: tile, index: index, marks: marks) { (d: DeviceRecord) in
            for field in fields {
                switch field.storage {
                case .index: c.integers[field.rawValue].append(Int64(field.integer(d)))
                case .role: c.roles.append(Int8(field.integer(d)))
                case .flag: c.flags[field.rawValue].append(field.flag(d) ? 1 : 0)
                case .reason: c.reasons.append(Int8(field.integer(d)))
                case .double, .float: c.floats[field.rawValue].append(field.float(d))
                }
            }
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
            ("units", "conductances in uS (microsiemens, *_uS), resistances in ohm (*_ohm), read currents in uA at read_bias_V (*_uA), voltages in V, times in s"),
            ("weight_formula", WeightFormula.text(h)),
            ("role_codes", "1 = pos, 2 = neg, 3 = single (offset mode), 4 = ref (reference device)"),
            ("force_meaning", "1: target at or below g_min; apply below_g_min instead of verifying"),
            ("stuck_meaning", "1 (plans compiled against a defect map): the device is known stuck at target_uS; do not program it"),
            ("below_g_min", h.device.programVerify.belowGMin.rawValue),
            ("source_model", h.source.fileName), ("source_sha256", h.source.sha256),
            ("tool_version", h.toolVersion), ("device_spec_json", h.device.jsonText),
            ("algorithm", h.device.programVerify.algorithm.rawValue),
            ("read_bias_V", h.device.programVerify.readBias_V.description),
        ]
        for (name, value) in attributes { try w.setAttribute(name, string: value) }
        if context.touchup {
            try w.setAttribute("reason_codes", string: TouchupReason.allCases.map { "\($0.code) = \($0.rawValue)" }.joined(separator: ", "))
        }
        try w.setAttribute("plan_format_version", value: Int32(h.formatVersion))
        try w.write(strings: context.layerNames, dataset: "/layers")
        for a in context.arrays {
            let c = arrays[a] ?? Columns()
            let g = String(format: "/array_%04d", a)
            try w.createGroup(g)
            try w.setAttribute("rows", value: Int64(h.arrays[a].rows), on: g)
            try w.setAttribute("columns", value: Int64(h.arrays[a].columns), on: g)
            for field in fields {
                let path = g + "/" + field.name
                switch field.storage {
                case .index: try w.write(c.integers[field.rawValue], dataset: path)
                case .role: try w.write(c.roles, dataset: path)
                case .flag: try w.write(c.flags[field.rawValue], dataset: path)
                case .reason: try w.write(c.reasons, dataset: path)
                case .double, .float: try w.write(c.floats[field.rawValue], dataset: path)
                }
            }
        }
        return try w.fileImage()
    }
}
