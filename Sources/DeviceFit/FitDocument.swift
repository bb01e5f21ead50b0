import Devices
import Foundation

/// What `imprint fit --json` prints: every constant with its standard error, the goodness of fit,
/// the provenance and where the spec went. Every key always present (`null` where absent).
public struct FitDocument: Encodable, Sendable {
    public var dataFile: String
    public var dataSHA256: String
    public var technology: String
    public var devices: Int
    public var reads: Int
    public var stuckLow: Int
    public var stuckHigh: Int
    public var constants: [FittedConstant]
    public var goodness: [GoodnessOfFitCell]
    public var failedCells: Int
    public var evidence: FitEvidence
    public var notes: [String]
    public var toolVersion: String
    public var output: String?
    public var report: String?
    /// Wall time, for the text output only (not in the document, which stays the same run to run).
    public var seconds: Double

    public init(_ r: FitResult, output: String?, report: String?, seconds: Double) {
        let p = r.spec.provenance
        dataFile = p?.dataFile ?? ""
        dataSHA256 = p?.dataSHA256 ?? ""
        technology = r.spec.technology.rawValue
        devices = r.devices
        reads = p?.reads ?? 0
        stuckLow = r.stuckLow
        stuckHigh = r.stuckHigh
        constants = r.constants
        goodness = r.goodness
        failedCells = r.goodness.filter(\.failed).count
        evidence = r.evidence
        notes = r.notes
        toolVersion = p?.toolVersion ?? ""
        self.output = output
        self.report = report
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey {
        case dataFile = "data_file"
        case dataSHA256 = "data_sha256"
        case technology, devices, reads
        case stuckLow = "stuck_low"
        case stuckHigh = "stuck_high"
        case constants, goodness
        case failedCells = "failed_cells"
        case evidence, notes
        case toolVersion = "tool_version"
        case output, report
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dataFile, forKey: .dataFile)
        try c.encode(dataSHA256, forKey: .dataSHA256)
        try c.encode(technology, forKey: .technology)
        try c.encode(devices, forKey: .devices)
        try c.encode(reads, forKey: .reads)
        try c.encode(stuckLow, forKey: .stuckLow)
        try c.encode(stuckHigh, forKey: .stuckHigh)
        try c.encode(constants, forKey: .constants)
        try c.encode(goodness, forKey: .goodness)
        try c.encode(failedCells, forKey: .failedCells)
        try c.encode(evidence, forKey: .evidence)
        try c.encode(notes, forKey: .notes)
        try c.encode(toolVersion, forKey: .toolVersion)
        try c.encode(output, forKey: .output)
        try c.encode(report, forKey: .report)
    }
}
