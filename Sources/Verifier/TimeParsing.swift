import Foundation

/// Times after programming as users write them: plain seconds (`3600`) or a number with a unit
/// s, min, h, d, w, y (`1.5d`; a year is 365.25 days).
public enum TimeParsing {
    static let units: [(String, Double)] = [("min", 60), ("s", 1), ("h", 3600), ("d", 86_400), ("w", 604_800),
                                            ("y", 365.25 * 86_400)]

    /// Seconds for one time; errors name the text and what is allowed.
    public static func seconds(_ text: String) throws(VerifierError) -> Double {
        let t = text.trimmingCharacters(in: .whitespaces)
        var number = Substring(t), factor = 1.0
        if let (unit, f) = units.first(where: { t.hasSuffix($0.0) }) {
            number = t.dropLast(unit.count); factor = f
        }
        guard let value = Double(number), value.isFinite else {
            throw VerifierError("'\(text)' is not a time: write seconds (3600) or a number with a unit s, min, h, d, w, y (1.5d)")
        }
        guard value >= 0 else { throw VerifierError("time '\(text)' is negative; times count from programming") }
        guard (value * factor).isFinite else { throw VerifierError("time '\(text)' is too large to count in seconds") }
        return value * factor
    }

    /// The shortest unit text of a time, the inverse of `seconds`: 31557600 → "1y", 86400 → "1d",
    /// 90 → "90s"; times beyond whole-number range in exponent form (1e20y → "3.15576e+27s").
    public static func label(_ s: Double) -> String {
        // Whole numbers below 2^53 print exactly; anything larger would trap converting to Int.
        let exact = 9.0e15
        for (unit, f) in units.reversed() where f > 1 && s >= f && s / f < exact && (s / f).rounded() == s / f {
            return "\(Int(s / f))\(unit)"
        }
        return s == s.rounded() && s < exact ? "\(Int(s))s" : String(format: "%gs", s)
    }

    /// A comma-separated list, e.g. `1s,1h,1d,1y`.
    public static func list(_ text: String) throws(VerifierError) -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        var result = [Double]()
        for p in parts { result.append(try seconds(String(p))) }
        guard !result.isEmpty else { throw VerifierError("no times given") }
        return result
    }
}
