import FileSupport
import Foundation
import Plan

/// A read-back that cannot be joined to its plan.
public enum ReadBackError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A line of the file is wrong (format, a bad value, an address), or the file as a whole.
    case record(RecordFileError)
    /// Devices of the plan have no record, and the read-back was not declared partial.
    case missingDevices(file: String, count: Int, first: DeviceAddress)

    public var description: String {
        switch self {
        case .record(let e): return e.description
        case .missingDevices(let file, let count, let first):
            return "\(file): \(count.grouped) device\(count == 1 ? "" : "s") of the plan \(count == 1 ? "has" : "have") no record (the first: \(first))"
        }
    }
}

extension ReadBackError: KindedError {
    public var failureKind: FailureKind {
        switch self {
        case .record(let e): e.failureKind
        case .missingDevices: .badData
        }
    }
}

/// Reads a read-back file (formats/tester-plan.md, "Read-back files") and joins it to its plan by
/// address, streaming: per-device arrays in plan order, no table of addresses.
public enum ReadBack {
    /// The columns of a read-back; the rest of a line is ignored.
    static let columns = [RecordColumn("array"), RecordColumn("row"), RecordColumn("col"), RecordColumn("measured_uS"),
                          .optional("time_s"), .optional("pulses"), .optional("success")]

    /// - Parameters:
    ///   - planSHA256: the SHA-256 of the plan file (hex), checked against a `# plan_sha256:` comment;
    ///     nil for a plan without a file.
    ///   - measuredAt_s: the read time of records without `time_s`.
    ///   - partial: devices without a record are allowed (left NaN), rather than an error.
    public static func read(_ url: URL, plan: Plan, planSHA256: String?, measuredAt_s: Double = 0,
                            partial: Bool = false) throws(ReadBackError) -> Measured {
        do {
            return try join(url, plan: plan, planSHA256: planSHA256, measuredAt_s: measuredAt_s, partial: partial)
        } catch let e as ReadBackError {
            throw e
        } catch let e as RecordFileError {
            throw .record(e)
        } catch {
            throw .record(RecordFileError(file: url.path, line: nil, "\(error)"))
        }
    }

    private static func join(_ url: URL, plan: Plan, planSHA256: String?, measuredAt_s: Double, partial: Bool) throws -> Measured {
        // Reference devices (offset mode with reference columns) have no place in `Measured` yet:
        // refused rather than joined without them.
        guard !plan.hasReferences else {
            throw RecordFileError(file: url.path, line: nil,
                                  "the plan has reference columns, and read-backs of plans with reference devices are not supported yet")
        }
        var reader = try RecordReader(url: url, columns: columns)
        let file = reader.path
        if let claimed = reader.comment("plan_sha256"), let planSHA256, claimed.value.lowercased() != planSHA256.lowercased() {
            throw RecordFileError(file: file, line: claimed.line,
                                  "plan_sha256 \(claimed.value) is not the plan's SHA-256 (\(planSHA256)): this read-back belongs to another plan")
        }
        var addressing = PlanAddressing(plan)
        var g = plan.tiles.map { [Float](repeating: .nan, count: $0.targets_uS.count) }
        var times: [[Float]]? = nil
        // Allocated at the first value, so a file without the column (or a JSON Lines file whose
        // records never have the key) costs nothing for it.
        var success: [[UInt8]]? = nil
        var pulses: [[UInt32]]? = nil
        var uniform: Double? = nil
        var recorded = 0
        while let r = try reader.next() {
            let a = DeviceAddress(array: try r.int(0), row: try r.int(1), col: try r.int(2))
            func bad(_ why: String) -> RecordFileError { r.error("\(a): \(why)") }
            guard let l = addressing.locate(a) else { throw bad("not a device of the plan") }
            let v = try r.double(3)
            guard v.isFinite, v >= 0 else { throw bad("measured_uS must be a finite conductance ≥ 0 (got \(v))") }
            guard Float(v).isFinite else { throw bad("measured_uS \(v) is beyond a float32") }
            guard g[l.tile][l.device].isNaN else { throw bad("a second record for this address") }
            g[l.tile][l.device] = Float(v)
            recorded += 1
            let t = try r.optionalDouble(4) ?? measuredAt_s
            guard t.isFinite, t >= 0, Float(t).isFinite else { throw bad("time_s must be a finite time ≥ 0 in seconds (got \(t))") }
            if times != nil {
                times![l.tile][l.device] = Float(t)
            } else if let u = uniform, u != t {
                // The first time that differs: from here on, one time per device.
                times = plan.tiles.map { [Float](repeating: Float(u), count: $0.targets_uS.count) }
                times![l.tile][l.device] = Float(t)
            } else {
                uniform = t
            }
            if let s = try r.optionalBool(6) {
                if success == nil { success = plan.tiles.map { [UInt8](repeating: Measured.unknown, count: $0.targets_uS.count) } }
                success![l.tile][l.device] = s ? 1 : 0
            }
            if let p = try r.optionalInt(5) {
                guard p >= 0, p < Int(Measured.unknownPulses) else { throw bad("pulses must be a count ≥ 0 (got \(p))") }
                if pulses == nil { pulses = plan.tiles.map { [UInt32](repeating: Measured.unknownPulses, count: $0.targets_uS.count) } }
                pulses![l.tile][l.device] = UInt32(p)
            }
        }
        let missing = plan.deviceCount - recorded
        if missing > 0 && !partial {
            let first = g.indices.lazy.compactMap { t in g[t].firstIndex(where: \.isNaN).map { DeviceLocation(tile: t, device: $0) } }.first!
            throw ReadBackError.missingDevices(file: file, count: missing, first: PlanAddressing.address(of: first, in: plan))
        }
        return Measured(conductance_uS: g, time_s: times, uniformTime_s: uniform ?? measuredAt_s, success: success, pulses: pulses,
                        recordedDevices: recorded, missingDevices: missing, source: file)
    }
}
