import ArgumentParser
import Plan

/// Parsers for `compile`'s option values, so a typo is a one-line usage error naming the option.
enum CompileArguments {
    /// The largest tile or array side accepted: well beyond any crossbar built, small enough that a
    /// typo (100000x100000) is refused instead of allocating billions of devices.
    static let maximumSide = 16_384

    /// The largest significance factor F of dual pairs (published values are 2–8).
    static let maximumSignificance = 1_000.0

    /// "256x256" → (256, 256).
    static func size(_ text: String, option: String) throws -> (Int, Int) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let r = Int(parts[0]), let c = Int(parts[1]), r > 0, c > 0 else {
            throw ValidationError("\(option) takes ROWSxCOLS with positive numbers, e.g. 256x256 (got '\(text)')")
        }
        guard r <= maximumSide, c <= maximumSide else {
            throw ValidationError("\(option): at most \(maximumSide) rows and columns (got '\(text)')")
        }
        return (r, c)
    }

    /// "max", "percentile:95", "sigma:3".
    static func clip(_ text: String) throws -> ClipMode {
        let lower = text.lowercased()
        if lower == "max" { return .max }
        let parts = lower.split(separator: ":", maxSplits: 1).map(String.init)
        if parts.count == 2, let v = Double(parts[1]), v.isFinite {
            switch parts[0] {
            case "percentile" where v > 0 && v <= 100: return .percentile(v)
            case "sigma" where v > 0: return .sigma(v)
            default: break
            }
        }
        throw ValidationError("--clip takes max, percentile:P (0 < P ≤ 100) or sigma:K (K > 0) (got '\(text)')")
    }

    static func pairs(_ mode: PairsArgument, significance: Double?) throws -> PairMode {
        switch mode {
        case .single, .offset:
            if significance != nil { throw ValidationError("--significance applies to --pairs dual only (got --pairs \(mode.rawValue))") }
            return mode == .single ? .single : .offset
        case .dual:
            // F = 3: the significance factor of Ambrogio et al. 2018 (devices.md §3).
            let f = significance ?? 3
            guard f.isFinite, f > 1, f <= maximumSignificance else {
                throw ValidationError("--significance must be greater than 1 and at most \(Int(maximumSignificance)) (got \(f))")
            }
            return .dual(significance: f)
        }
    }
}
