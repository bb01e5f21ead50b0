import Foundation

// JSON forms of the tagged RRAM variants: a `kind` field names the variant, the rest are its fields.

extension SpreadModel: Codable {
    enum CodingKeys: String, CodingKey {
        case kind, slope
        case intercept_uS = "intercept_uS"
        case min_uS = "min_uS"
        case points
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "linear":
            self = .linear(slope: try c.decode(Double.self, forKey: .slope),
                           intercept_uS: try c.decode(Double.self, forKey: .intercept_uS),
                           min_uS: try c.decode(Double.self, forKey: .min_uS))
        case "table": self = .table(try c.decode([SpreadPoint].self, forKey: .points))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown spread kind \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .linear(let a, let b, let m):
            try c.encode("linear", forKey: .kind)
            try c.encode(a, forKey: .slope)
            try c.encode(b, forKey: .intercept_uS)
            try c.encode(m, forKey: .min_uS)
        case .table(let points):
            try c.encode("table", forKey: .kind)
            try c.encode(points, forKey: .points)
        }
    }
}

extension Relaxation: Codable {
    enum CodingKeys: String, CodingKey {
        case kind
        case meanShiftPerLn_uS = "mean_shift_per_ln_s_uS"
        case spreadAt1s_uS = "spread_at_1s_uS"
        case spreadPerLn_uS = "spread_per_ln_s_uS"
        case anchors
        case spreadIsTotal = "spread_is_total"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "log-time":
            self = .logTime(meanShiftPerLn_uS: try c.decode(Double.self, forKey: .meanShiftPerLn_uS),
                            spreadAt1s_uS: try c.decode(Double.self, forKey: .spreadAt1s_uS),
                            spreadPerLn_uS: try c.decode(Double.self, forKey: .spreadPerLn_uS))
        case "spread-table":
            self = .spreadTable(anchors: try c.decode([RelaxationAnchor].self, forKey: .anchors),
                                meanShiftPerLn_uS: try c.decode(Double.self, forKey: .meanShiftPerLn_uS),
                                spreadIsTotal: try c.decode(Bool.self, forKey: .spreadIsTotal))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown relaxation kind \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .logTime(let m, let s0, let s1):
            try c.encode("log-time", forKey: .kind)
            try c.encode(m, forKey: .meanShiftPerLn_uS)
            try c.encode(s0, forKey: .spreadAt1s_uS)
            try c.encode(s1, forKey: .spreadPerLn_uS)
        case .spreadTable(let anchors, let m, let total):
            try c.encode("spread-table", forKey: .kind)
            try c.encode(anchors, forKey: .anchors)
            try c.encode(m, forKey: .meanShiftPerLn_uS)
            try c.encode(total, forKey: .spreadIsTotal)
        }
    }
}

extension RRAMReadNoise: Codable {
    enum CodingKeys: String, CodingKey {
        case kind
        case coefficient_uS = "coefficient_uS"
        case tRead_s = "t_read_s"
        case fraction
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "log10-flicker":
            self = .log10Flicker(coefficient_uS: try c.decode(Double.self, forKey: .coefficient_uS),
                                 tRead_s: try c.decode(Double.self, forKey: .tRead_s))
        case "fraction-of-g-max": self = .fractionOfGMax(fraction: try c.decode(Double.self, forKey: .fraction))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown read-noise kind \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .log10Flicker(let k, let t):
            try c.encode("log10-flicker", forKey: .kind)
            try c.encode(k, forKey: .coefficient_uS)
            try c.encode(t, forKey: .tRead_s)
        case .fractionOfGMax(let f):
            try c.encode("fraction-of-g-max", forKey: .kind)
            try c.encode(f, forKey: .fraction)
        }
    }
}
