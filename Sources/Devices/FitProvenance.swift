import Foundation

/// Where a fitted spec's numbers come from (`imprint fit`): the data file by name and content hash,
/// how much data, and the tool, so a spec found later can be traced to the measurement it states.
public struct FitProvenance: Sendable, Hashable, Codable {
    public var dataFile: String
    /// SHA-256 of the data file, lowercase hex.
    public var dataSHA256: String
    public var devices: Int
    public var reads: Int
    public var timeMin_s: Double
    public var timeMax_s: Double
    public var toolVersion: String
    /// Seed and replicates of the bootstrap that gave the standard errors.
    public var seed: UInt64
    public var bootstrapReplicates: Int

    public init(dataFile: String, dataSHA256: String, devices: Int, reads: Int, timeMin_s: Double, timeMax_s: Double,
                toolVersion: String, seed: UInt64, bootstrapReplicates: Int) {
        self.dataFile = dataFile
        self.dataSHA256 = dataSHA256
        self.devices = devices
        self.reads = reads
        self.timeMin_s = timeMin_s
        self.timeMax_s = timeMax_s
        self.toolVersion = toolVersion
        self.seed = seed
        self.bootstrapReplicates = bootstrapReplicates
    }

    enum CodingKeys: String, CodingKey {
        case dataFile = "data_file"
        case dataSHA256 = "data_sha256"
        case devices, reads
        case timeMin_s = "time_min_s"
        case timeMax_s = "time_max_s"
        case toolVersion = "tool_version"
        case seed
        case bootstrapReplicates = "bootstrap_replicates"
    }
}
