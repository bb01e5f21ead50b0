import FileSupport
import Plan

/// Why a touch-up file lists a device (its `reason` column; formats/tester-plan.md, "Touch-up files").
public enum TouchupReason: String, CaseIterable, Sendable, Codable {
    /// Outside its window: programmed again to its compiled target.
    case reprogram
    /// Given a new target so that its pair holds the weight against the partner's *measured* conductance
    /// (the partner overshot, and lowering it would cost a RESET, or the partner failed).
    case retargetPartner = "retarget-partner"
    /// A least-significant-pair device given the residual of the weight against the measured MSP pair.
    case retargetLSP = "retarget-lsp"

    /// The code in HDF5's `reason` dataset (0: not listed); the file's `reason_codes` attribute spells them out.
    public var code: Int {
        switch self {
        case .reprogram: 1
        case .retargetPartner: 2
        case .retargetLSP: 3
        }
    }

    public init?(code: Int) {
        guard let r = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = r
    }
}

/// What a touch-up adds to a tile whose `targets_uS` are the new targets: per device (the tile's
/// slot-major layout) the read-back's conductance and the reason code (0: not listed).
public struct TouchupMarks: Sendable {
    public var measured_uS: [Float]
    public var reasons: [UInt8]
    public init(measured_uS: [Float], reasons: [UInt8]) { self.measured_uS = measured_uS; self.reasons = reasons }
}

/// Writes a touch-up file tile by tile, in the record format `emit` uses (so the tester's script
/// runs it unchanged) plus `measured_uS` and `reason`. Nothing is left behind unless `finish` runs.
public final class TouchupWriter {
    private let sink: any DeviceSink
    private let context: EmitContext
    public private(set) var devices = 0

    /// - Parameter planSHA256: the plan file's SHA-256 (hex), written as the CSV's `# plan_sha256:` line.
    public init(header: PlanHeader, format: EmitFormat, to output: OutputDestination, planSHA256: String? = nil) throws(PlanFileError) {
        context = EmitContext(header: header, selection: nil, touchup: true, planSHA256: planSHA256)
        sink = try PlanEmitter.makeSink(format, output: output, context: context)
    }

    /// Adds the listed devices of `tile` (its targets the new ones; `index`: its place in the plan).
    public func add(_ tile: Tile, index: Int, marks: TouchupMarks) throws(PlanFileError) {
        precondition(marks.reasons.count == tile.targets_uS.count && marks.measured_uS.count == tile.targets_uS.count)
        try sink.add(tile, index: index, marks: marks, context)
        devices += marks.reasons.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
    }

    /// Commits the file.
    public func finish() throws(PlanFileError) { try sink.finish(context) }
}
