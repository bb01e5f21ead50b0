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
        return value * factor
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
