import Foundation

/// One device technology as every later stage sees it: the compiler reads the range, the window and
/// the pulse schedule to write a plan; the verifier reads `model` and `stuck` to simulate the chip.
/// A spec is plain data — presets are compiled in, user specs come from JSON checked against
/// `formats/device.schema.json` — so a lab can change a device without changing code.
///
/// Conductances are per *conductance*, not per device: with `devicesPerConductance = 2` the two
/// devices together span `gMin_uS…gMax_uS` (HERMES: 20.7 µS as 2 × 10.35 µS).
public struct DeviceSpec: Sendable, Hashable, Codable {
    /// Short identifier used on the command line and in plans (`pcm`, `rram-hfox`).
    public var name: String
    public var technology: Technology
    /// Free-text citation of where the numbers come from, carried into plans and reports.
    public var source: String
    /// Lowest conductance the program-verify loop aims for; targets below it are `force`d.
    public var gMin_uS: Double
    /// Highest target conductance: the largest |weight| maps here.
    public var gMax_uS: Double
    /// Devices wired in parallel to form one conductance (averages out device-level noise).
    public var devicesPerConductance: Int
    /// When the verify read counts as "programmed".
    public var acceptance: AcceptanceWindow
    public var programVerify: ProgramVerify
    /// Discrete targets of a multilevel device, ascending; nil for a continuous device.
    public var levels_uS: [Double]?
    /// Statistical parameters the verifier samples from.
    public var model: DeviceModel
    /// Fractions of devices that do not respond to programming.
    public var stuck: StuckRates
    /// Set by `imprint fit`: the data the numbers were fitted to; nil for presets and hand-written specs.
    public var provenance: FitProvenance?

    public init(name: String, technology: Technology, source: String, gMin_uS: Double, gMax_uS: Double,
                devicesPerConductance: Int, acceptance: AcceptanceWindow, programVerify: ProgramVerify,
                levels_uS: [Double]? = nil, model: DeviceModel, stuck: StuckRates, provenance: FitProvenance? = nil) {
        self.name = name
        self.technology = technology
        self.source = source
        self.gMin_uS = gMin_uS
        self.gMax_uS = gMax_uS
        self.devicesPerConductance = devicesPerConductance
        self.acceptance = acceptance
        self.programVerify = programVerify
        self.levels_uS = levels_uS
        self.model = model
        self.stuck = stuck
        self.provenance = provenance
    }

    enum CodingKeys: String, CodingKey {
        case name, technology, source
        case gMin_uS = "g_min_uS"
        case gMax_uS = "g_max_uS"
        case devicesPerConductance = "devices_per_conductance"
        case acceptance
        case programVerify = "program_verify"
        case levels_uS = "levels_uS"
        case model, stuck, provenance
    }
}

public enum Technology: String, Sendable, Hashable, Codable, CaseIterable {
    case pcm, rram
}

/// The verify criterion. Absolute windows suit RRAM testers that tune to ±1 µS; relative bands suit
/// devices whose spread grows with conductance (HfOx, 0.2 % / 2 % bands).
public enum AcceptanceWindow: Sendable, Hashable {
    /// Accept when |G − target| ≤ `halfWidth_uS`.
    case absolute(halfWidth_uS: Double)
    /// Accept when |G − target| ≤ max(`halfWidth_percent` % of target, `floor_uS`); the floor keeps
    /// the band reachable for targets near zero, where a pure percentage collapses.
    case relative(halfWidth_percent: Double, floor_uS: Double?)

    /// Half-width of the window around a given target.
    public func halfWidth_uS(target_uS: Double) -> Double {
        switch self {
        case .absolute(let w): return w
        case .relative(let p, let floor): return max(abs(target_uS) * p / 100, floor ?? 0)
        }
    }

    /// The accepted interval for a target, as the plan's `window_lo_uS`/`window_hi_uS`.
    public func bounds_uS(target_uS: Double) -> ClosedRange<Double> {
        let w = halfWidth_uS(target_uS: target_uS)
        return (target_uS - w)...(target_uS + w)
    }
}

extension AcceptanceWindow: Codable {
    enum CodingKeys: String, CodingKey {
        case kind
        case halfWidth_uS = "half_width_uS"
        case halfWidth_percent = "half_width_percent"
        case floor_uS = "floor_uS"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "absolute": self = .absolute(halfWidth_uS: try c.decode(Double.self, forKey: .halfWidth_uS))
        case "relative":
            self = .relative(halfWidth_percent: try c.decode(Double.self, forKey: .halfWidth_percent),
                             floor_uS: try c.decodeIfPresent(Double.self, forKey: .floor_uS))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown window kind \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .absolute(let w):
            try c.encode("absolute", forKey: .kind)
            try c.encode(w, forKey: .halfWidth_uS)
        case .relative(let p, let floor):
            try c.encode("relative", forKey: .kind)
            try c.encode(p, forKey: .halfWidth_percent)
            try c.encodeIfPresent(floor, forKey: .floor_uS)
        }
    }
}

/// Stuck-device rates. A stuck device ignores every pulse; the compiler can exploit one in a pair
/// whose weight is zero, the verifier samples them per trial.
public struct StuckRates: Sendable, Hashable, Codable {
    /// Probability that a device stays at (or below) g_min — "stuck-OFF".
    public var atGMin_probability: Double
    /// Probability that a device stays at (or above) g_max — "stuck-ON".
    public var atGMax_probability: Double
    /// Probability that a device is stuck somewhere in between, uniform in [g_min, g_max] (a partly
    /// formed filament); optional in JSON, 0 when absent.
    public var atRandom_probability: Double

    public init(atGMin_probability: Double, atGMax_probability: Double, atRandom_probability: Double = 0) {
        self.atGMin_probability = atGMin_probability
        self.atGMax_probability = atGMax_probability
        self.atRandom_probability = atRandom_probability
    }

    /// Probability that a device is stuck at all.
    public var total: Double { atGMin_probability + atGMax_probability + atRandom_probability }

    /// No stuck devices: the published PCM statistical model has none, and adding some would break
    /// comparisons with peers that implement the same model.
    public static let none = StuckRates(atGMin_probability: 0, atGMax_probability: 0)
    /// A mature array [check]: devices.md §2 only says "far fewer" than the early chip; sweepable.
    public static let matureArray = StuckRates(atGMin_probability: 0.001, atGMax_probability: 0.001)
    /// The high case, an early 4-Mb HfO2 chip: ≈1.75 % stuck-OFF, ≈9 % stuck-ON [check] (devices.md §2).
    public static let hfo2FourMegabit = StuckRates(atGMin_probability: 0.0175, atGMax_probability: 0.09)

    enum CodingKeys: String, CodingKey {
        case atGMin_probability = "at_g_min_probability"
        case atGMax_probability = "at_g_max_probability"
        case atRandom_probability = "at_random_probability"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        atGMin_probability = try c.decode(Double.self, forKey: .atGMin_probability)
        atGMax_probability = try c.decode(Double.self, forKey: .atGMax_probability)
        atRandom_probability = try c.decodeIfPresent(Double.self, forKey: .atRandom_probability) ?? 0
    }

    /// The random rate is written only when set, so existing spec files round-trip unchanged.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(atGMin_probability, forKey: .atGMin_probability)
        try c.encode(atGMax_probability, forKey: .atGMax_probability)
        if atRandom_probability != 0 { try c.encode(atRandom_probability, forKey: .atRandom_probability) }
    }
}
