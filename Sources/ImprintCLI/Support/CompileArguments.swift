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

    /// `--reference` and `--reference-columns` → reference lines per tile (0: digital zero point;
    /// nil: the technology's default, which the compiler chooses).
    static func referenceColumns(_ reference: ReferenceArgument?, columns: Int?, pairs: PairsArgument) throws -> Int? {
        if pairs != .offset {
            if let reference { throw ValidationError("--reference applies to --pairs offset only (got --pairs \(pairs.rawValue), --reference \(reference.rawValue))") }
            if columns != nil { throw ValidationError("--reference-columns applies to --pairs offset only (got --pairs \(pairs.rawValue))") }
            return nil
        }
        if let n = columns {
            guard n >= 1 else { throw ValidationError("--reference-columns must be at least 1 (got \(n)); use --reference digital for none") }
            guard n <= maximumSide else { throw ValidationError("--reference-columns: at most \(maximumSide) (got \(n))") }
            if reference == .digital { throw ValidationError("--reference-columns applies to --reference column (got --reference digital)") }
        }
        switch reference {
        case .digital?: return 0
        case .column?: return columns ?? CompileOptions.defaultReferenceColumns
        case nil: return columns
        }
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
