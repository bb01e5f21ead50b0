import Foundation

/// Times after programming, read and written one way everywhere (the `--times` list, the verify
/// table, the report's axis and tables): plain seconds (`3600`) or a number with a unit.
public enum TimeParsing {
    /// Every unit a label or the report uses, largest first. A month is a twelfth of a year and a
    /// year 365.25 days, so `12mo` = `1y`.
    public static let units: [(name: String, seconds: Double)] = [
        ("y", 365.25 * 86_400), ("mo", 365.25 * 86_400 / 12), ("w", 604_800), ("d", 86_400), ("h", 3600),
        ("min", 60), ("s", 1), ("ms", 0.001),
    ]

    /// The unit names, for help texts: "ms, s, min, h, d, w, mo, y".
    public static var unitList: String { units.reversed().map(\.name).joined(separator: ", ") }

    /// Seconds for one time; errors name the text and what is allowed.
    public static func seconds(_ text: String) throws(VerifierError) -> Double {
        let t = text.trimmingCharacters(in: .whitespaces)
        var number = Substring(t), factor = 1.0
        // The longest matching unit wins, so "ms" is not read as "s" and "min" not as "n".
        if let unit = units.filter({ t.hasSuffix($0.name) }).max(by: { $0.name.count < $1.name.count }) {
            number = t.dropLast(unit.name.count); factor = unit.seconds
        }
        guard let value = Double(number), value.isFinite else {
            throw VerifierError("'\(text)' is not a time: write seconds (3600) or a number with a unit \(unitList) (1.5d)")
        }
        guard value >= 0 else { throw VerifierError("time '\(text)' is negative; times count from programming") }
        guard (value * factor).isFinite else { throw VerifierError("time '\(text)' is too large to count in seconds") }
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

    /// A time as a short label in the largest unit that gives a short number (at most three
    /// significant digits, at least 0.5): 0.5 y → "0.5y", 30 d → "30d", 0.1 s → "100ms", 90 s →
    /// "1.5min". Times with no short form fall back to seconds ("1234.5s"). `seconds(label(t)) ≈ t`.
    public static func label(_ s: Double) -> String {
        guard s.isFinite, s > 0 else { return s == 0 ? "0s" : "\(s)s" }
        for unit in units {
            let v = s / unit.seconds
            guard v >= 0.5 else { continue }
            let short = Double(String(format: "%.3g", v)) ?? v
            if abs(short - v) <= 1e-9 * v { return number(short) + unit.name }
        }
        return number(s) + "s"
    }

    private static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%g", v)
    }
}
