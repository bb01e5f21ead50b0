import Foundation

/// The verifier's statistical description of a device, tagged by `kind` in JSON so a spec says which
/// published model its numbers belong to. The two PCM kinds share one parameter set; the tag tells
/// which fit the numbers came from (and reports name it).
public enum DeviceModel: Sendable, Hashable {
    /// Nandakumar et al. ICECS 2019 as used by Joshi et al. Nat. Commun. 2020 (devices.md §1).
    case pcm(PCMModel)
    /// The HERMES-chip fit of Le Gallo et al. 2023 (devices.md §1, last paragraph).
    case pcmHermes(PCMModel)
    /// Pulse-level program-verify, statistical spread, relaxation and read noise (devices.md §2).
    case rram(RRAMModel)

    public var kind: String {
        switch self {
        case .pcm: "pcm"
        case .pcmHermes: "pcm-hermes"
        case .rram: "rram"
        }
    }

    public static let kinds = ["pcm", "pcm-hermes", "rram"]

    public var technology: Technology {
        switch self {
        case .pcm, .pcmHermes: .pcm
        case .rram: .rram
        }
    }

    /// The PCM parameters whichever PCM fit they come from.
    public var pcm: PCMModel? {
        switch self {
        case .pcm(let m), .pcmHermes(let m): m
        case .rram: nil
        }
    }

    public var rram: RRAMModel? {
        if case .rram(let m) = self { return m }
        return nil
    }
}

extension DeviceModel: Codable {
    enum KindKey: String, CodingKey { case kind }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: KindKey.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "pcm": self = .pcm(try PCMModel(from: decoder))
        case "pcm-hermes": self = .pcmHermes(try PCMModel(from: decoder))
        case "rram": self = .rram(try RRAMModel(from: decoder))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown model kind \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: KindKey.self)
        try c.encode(kind, forKey: .kind)
        switch self {
        case .pcm(let m), .pcmHermes(let m): try m.encode(to: encoder)
        case .rram(let m): try m.encode(to: encoder)
        }
    }
}

/// `clamp(slope · ln x + intercept, min, max)`: the form of the PCM drift-exponent statistics, where
/// low-conductance (more amorphous) states drift faster.
public struct ClampedLogLinear: Sendable, Hashable, Codable {
    public var slope: Double
    public var intercept: Double
    public var min: Double
    public var max: Double

    public init(slope: Double, intercept: Double, min: Double, max: Double) {
        self.slope = slope
        self.intercept = intercept
        self.min = min
        self.max = max
    }

    public func callAsFunction(_ x: Double) -> Double {
        Swift.min(Swift.max(slope * Foundation.log(x) + intercept, min), max)
    }
}
