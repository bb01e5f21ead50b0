import Devices
import Foundation

/// A fitted constant with its bootstrap standard error. `fitted` is false when the data could not
/// tell the value (a clamp the data never reach, read noise without repeated reads): it is then the
/// base spec's, and its standard error is nil.
public struct FittedConstant: Sendable, Hashable, Codable {
    public var name: String
    public var value: Double
    public var standardError: Double?
    public var fitted: Bool
    public var unit: String

    public init(name: String, value: Double, standardError: Double?, fitted: Bool, unit: String) {
        self.name = name
        self.value = value
        self.standardError = standardError
        self.fitted = fitted
        self.unit = unit
    }

    enum CodingKeys: String, CodingKey {
        case name, value, fitted, unit
        case standardError = "standard_error"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(value, forKey: .value)
        try c.encode(standardError, forKey: .standardError)
        try c.encode(fitted, forKey: .fitted)
        try c.encode(unit, forKey: .unit)
    }
}

/// Measured against fitted distribution in one target bin at one read time.
public struct GoodnessOfFitCell: Sendable, Hashable, Codable {
    public var target_uS: Double
    public var time_s: Double
    /// Devices of the bin compared (at most `GoodnessOfFit.maxDevicesPerCell`, stuck devices excluded).
    public var devices: Int
    public var measuredMean_uS: Double
    public var modelMean_uS: Double
    public var measuredSigma_uS: Double
    public var modelSigma_uS: Double
    /// Two-sample Kolmogorov–Smirnov statistic against model draws, and its asymptotic p-value.
    public var ks: Double
    public var pValue: Double
    /// p below the Bonferroni threshold 0.05 / cells.
    public var failed: Bool

    enum CodingKeys: String, CodingKey {
        case target_uS = "target_uS"
        case time_s = "time_s"
        case devices
        case measuredMean_uS = "measured_mean_uS"
        case modelMean_uS = "model_mean_uS"
        case measuredSigma_uS = "measured_sigma_uS"
        case modelSigma_uS = "model_sigma_uS"
        case ks
        case pValue = "p_value"
        case failed
    }
}

/// A binned view of the data for the report's charts: a value per bin with its standard error.
public struct BinnedValue: Sendable, Hashable, Codable {
    public var x: Double
    public var value: Double
    public var standardError: Double
    public var devices: Int

    enum CodingKeys: String, CodingKey {
        case x, value, devices
        case standardError = "standard_error"
    }
}

/// The binned data behind each fitted curve (what the report draws with error bars).
public struct FitEvidence: Sendable, Hashable, Codable {
    /// PCM: σ_prog per target bin (x = target µS); RRAM: σ at the first read time per target bin.
    public var programSigma: [BinnedValue] = []
    /// PCM: μ_ν and σ_ν per target bin (x = target µS).
    public var driftMean: [BinnedValue] = []
    public var driftStd: [BinnedValue] = []
    /// PCM: Q_s per programmed-conductance bin (x = µS); RRAM: the read-noise coefficient per target bin.
    public var readNoise: [BinnedValue] = []
    /// RRAM: mean shift and spread of the relaxation per time bin (x = s).
    public var relaxationMean: [BinnedValue] = []
    public var relaxationSpread: [BinnedValue] = []

    enum CodingKeys: String, CodingKey {
        case programSigma = "program_sigma"
        case driftMean = "drift_nu_mean"
        case driftStd = "drift_nu_std"
        case readNoise = "read_noise"
        case relaxationMean = "relaxation_mean"
        case relaxationSpread = "relaxation_spread"
    }
}

/// Everything `imprint fit` found: the spec, every constant with its error, the evidence and the
/// goodness of fit.
public struct FitResult: Sendable {
    public var spec: DeviceSpec
    public var constants: [FittedConstant]
    public var evidence: FitEvidence
    public var goodness: [GoodnessOfFitCell]
    public var devices: Int
    public var stuckLow: Int
    public var stuckHigh: Int
    /// Notes on what was not fitted and why, one sentence each.
    public var notes: [String]
}
