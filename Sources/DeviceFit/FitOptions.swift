import Devices
import FileSupport
import Foundation

/// What `imprint fit` is asked to do; the data cannot tell the technology or the parts of the spec
/// it has no reads for, so those come from here and from `base`.
public struct FitOptions: Sendable {
    public var technology: Technology
    /// The spec everything the data cannot tell is taken from (pulse schedule, windows, t_read).
    public var base: DeviceSpec
    /// PCM: time of the reference read after programming; nil takes the earliest read time of the data.
    public var t0_s: Double?
    /// PCM: g_max; nil estimates it from the data (99.5th percentile of reference reads at the top target).
    public var gMax_uS: Double?
    public var seed: UInt64
    /// Bootstrap replicates over devices. 40 gives standard errors to about ±11 % (1/√(2B)), enough
    /// to judge a constant; more only sharpens the error of the error.
    public var bootstrapReplicates: Int
    public var threads: Int
    public var toolVersion: String

    public init(technology: Technology, base: DeviceSpec, t0_s: Double? = nil, gMax_uS: Double? = nil, seed: UInt64 = 0,
                bootstrapReplicates: Int = 40, threads: Int = 1, toolVersion: String) {
        self.technology = technology
        self.base = base
        self.t0_s = t0_s
        self.gMax_uS = gMax_uS
        self.seed = seed
        self.bootstrapReplicates = bootstrapReplicates
        self.threads = threads
        self.toolVersion = toolVersion
    }
}

/// Fit failures that are not a line of the file: too little data for a constant, options that do
/// not fit the data (bad data, exit 65).
public struct FitError: Error, Sendable, Equatable, CustomStringConvertible, KindedError {
    public var failureKind: FailureKind { .badData }
    public var file: String
    public var message: String
    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }
    public var description: String { "\(file): \(message)" }
}
