import FileSupport
import Foundation
import Plan

/// Tester file formats of `imprint emit` (formats/tester-plan.md describes each field).
public enum EmitFormat: String, CaseIterable, Sendable, Encodable {
    case csv, jsonl, proto, hdf5
}

/// What an emit wrote: the document `imprint emit --json` prints.
public struct EmitSummary: Sendable, Equatable, Encodable {
    public var devices: Int
    /// Arrays included, ascending.
    public var arrays: [Int]
    public var format: EmitFormat
    /// The file written (its path as given).
    public var output: String
}

/// A destination for device records. `finish` commits the output; a sink dropped before that
/// leaves nothing behind (its AtomicFileWriter removes the temporary file).
protocol DeviceSink: AnyObject {
    /// Adds a tile's devices (`index`: the tile's place in the plan); with `marks`, only those a touch-up lists.
    func add(_ tile: Tile, index: Int, marks: TouchupMarks?, _ context: EmitContext) throws(PlanFileError)
    func finish(_ context: EmitContext) throws(PlanFileError)
}

public enum PlanEmitter {
    /// Emits a plan held in memory.
    @discardableResult
    public static func emit(_ plan: Plan, format: EmitFormat, to url: URL, arrays: ArraySelection? = nil) throws(PlanFileError) -> EmitSummary {
        try emit(plan, format: format, to: try OutputFile.destination(url.path), arrays: arrays)
    }

    /// Emits a plan held in memory to a classified destination.
    @discardableResult
    public static func emit(_ plan: Plan, format: EmitFormat, to output: OutputDestination, arrays: ArraySelection? = nil) throws(PlanFileError) -> EmitSummary {
        try arrays?.check(arrayCount: plan.arrays.count, file: output.path)
        let context = EmitContext(header: plan.header, selection: arrays)
        let sink = try makeSink(format, output: output, context: context)
        var devices = 0
        for (index, tile) in plan.tiles.enumerated() {
            try sink.add(tile, index: index, marks: nil, context)
            if context.includes(array: tile.array) { devices += tile.deviceCount(slots: plan.roles.count) }
        }
        try sink.finish(context)
        return EmitSummary(devices: devices, arrays: context.arrays, format: format, output: output.path)
    }

    /// Emits a plan file tile by tile, so CSV, JSONL and proto output cost constant memory whatever
    /// the plan's size. The plan's checksum is verified before the output is committed.
    @discardableResult
    public static func emit(planAt planURL: URL, format: EmitFormat, to url: URL, arrays: ArraySelection? = nil) throws(PlanFileError) -> EmitSummary {
        try emit(planAt: planURL, format: format, to: try OutputFile.destination(url.path, inputs: [planURL.path]), arrays: arrays)
    }

    /// Emits a plan file to a classified destination (which must not be the plan file itself).
    @discardableResult
    public static func emit(planAt planURL: URL, format: EmitFormat, to output: OutputDestination, arrays: ArraySelection? = nil) throws(PlanFileError) -> EmitSummary {
        let reader = try PlanFileReader(url: planURL)
        try arrays?.check(arrayCount: reader.header.arrays.count, file: planURL.path)
        var context = EmitContext(header: reader.header, selection: arrays)
        do { context.planSHA256 = SHA256Digest.hex(try SHA256Digest.hash(fileAt: planURL)) } catch {
            throw PlanFileError(file: planURL.path, .unreadable(error.reason))
        }
        let sink = try makeSink(format, output: output, context: context)
        var devices = 0
        var index = 0
        while let tile = try reader.nextTile() {
            try sink.add(tile, index: index, marks: nil, context)
            if context.includes(array: tile.array) { devices += tile.deviceCount(slots: reader.header.roles.count) }
            index += 1
        }
        try sink.finish(context)
        return EmitSummary(devices: devices, arrays: context.arrays, format: format, output: output.path)
    }

    static func makeSink(_ format: EmitFormat, output: OutputDestination, context: EmitContext) throws(PlanFileError) -> any DeviceSink {
        switch format {
        case .csv: return try TextSink.csv(output: output, context: context)
        case .jsonl: return try TextSink.jsonLines(output: output, context: context)
        case .proto: return try ProtoSink(output: output, context: context)
        case .hdf5: return try HDF5Sink(output: output, context: context)
        }
    }
}

/// Number and string text shared by the CSV and JSONL emitters.
enum RecordText {
    /// Swift's shortest representation that reads back as the same float32 ("0.1", "1e-05", "inf").
    @inline(__always) static func append(_ x: Float, to out: inout [UInt8]) { out.append(contentsOf: x.description.utf8) }
    @inline(__always) static func append(_ x: Double, to out: inout [UInt8]) { out.append(contentsOf: x.description.utf8) }
    @inline(__always) static func append(_ x: Int, to out: inout [UInt8]) { out.append(contentsOf: String(x).utf8) }

    /// A CSV field, quoted only when it needs to be (RFC 4180).
    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The program-verify algorithm and schedule columns, the same for every device of a plan.
    static func schedule(_ context: EmitContext) -> [(String, String?)] {
        let pv = context.header.device.programVerify
        return [
            ("algorithm", pv.algorithm.rawValue),
            ("set_start_V", pv.set.start_V.description), ("set_step_V", pv.set.step_V.description), ("set_stop_V", pv.set.stop_V.description),
            ("reset_start_V", pv.reset.start_V.description), ("reset_step_V", pv.reset.step_V.description),
            ("reset_stop_V", pv.reset.stop_V.description),
            ("gate_set_V", pv.gate.set_V.description), ("gate_reset_V", pv.gate.reset_V.description),
            ("pulse_width_s", pv.pulseWidth_s.description), ("read_bias_V", pv.readBias_V.description),
            ("reads_averaged", String(pv.readsAveraged)), ("reads_discarded", String(pv.readsDiscarded)),
            ("read_time_s", pv.readTime_s.description),
            ("max_iterations", String(pv.maxIterations)), ("max_pulses_at_ceiling", String(pv.maxPulsesAtCeiling)),
            ("gate_set_step_V", pv.gate.setStep_V?.description), ("gate_set_stop_V", pv.gate.setStop_V?.description),
            ("below_g_min", pv.belowGMin.rawValue),
        ]
    }
}
