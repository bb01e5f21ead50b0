import Verifier
import Foundation
import Verifier

/// A tick: where it sits in data units and its label.
struct Tick: Equatable {
    var value: Double
    var label: String
}

/// Maps a data interval linearly onto a pixel interval.
struct LinearScale {
    var domain: ClosedRange<Double>
    var range: ClosedRange<Double>
    /// Pixel ranges may run backwards (y axes): `flipped` maps domain.lowerBound to range.upperBound.
    var flipped = false
    /// Tick spacing; nil: chosen from the domain by `ticks(count:)`.
    var step: Double? = nil

    /// A scale whose domain is widened to whole steps of about `count` ticks, so the axis starts and
    /// ends on a labelled tick.
    static func nice(_ lo: Double, _ hi: Double, count: Int, range: ClosedRange<Double>, flipped: Bool = false) -> LinearScale {
        let domain = nice(lo, hi, count: count)
        return LinearScale(domain: domain, range: range, flipped: flipped, step: niceStep(hi - lo, count: count))
    }

    func callAsFunction(_ v: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        let f = span > 0 ? (v - domain.lowerBound) / span : 0.5
        let g = flipped ? 1 - f : f
        return range.lowerBound + g * (range.upperBound - range.lowerBound)
    }

    /// About `count` ticks at 1, 2 or 5 × 10^k steps inside the domain.
    func ticks(count: Int = 5, format: (Double) -> String = LinearScale.plain) -> [Tick] {
        let step = self.step ?? Self.niceStep(domain.upperBound - domain.lowerBound, count: count)
        guard step > 0 else { return [Tick(value: domain.lowerBound, label: format(domain.lowerBound))] }
        var v = (domain.lowerBound / step).rounded(.up) * step
        var out = [Tick]()
        while v <= domain.upperBound + step * 1e-9, out.count < 50 {
            out.append(Tick(value: v, label: format(abs(v) < step * 1e-9 ? 0 : v)))
            v += step
        }
        return out
    }

    static func niceStep(_ span: Double, count: Int) -> Double {
        guard span > 0, span.isFinite, count > 0 else { return 0 }
        let raw = span / Double(count)
        let p = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 5, 10] where m * p >= raw { return m * p }
        return 10 * p
    }

    /// A domain widened to step boundaries, so the axis starts and ends on a tick.
    static func nice(_ lo: Double, _ hi: Double, count: Int = 5) -> ClosedRange<Double> {
        guard lo.isFinite, hi.isFinite else { return 0...1 }
        if hi <= lo { return (lo - 1)...(lo + 1) }
        let step = niceStep(hi - lo, count: count)
        return (floor(lo / step) * step)...(ceil(hi / step) * step)
    }

    static func plain(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(format: "%g", v)
    }
}

/// Maps a positive data interval logarithmically onto pixels.
struct LogScale {
    var domain: ClosedRange<Double>
    var range: ClosedRange<Double>

    func callAsFunction(_ v: Double) -> Double {
        let lo = log10(domain.lowerBound), hi = log10(domain.upperBound)
        let f = hi > lo ? (log10(max(v, domain.lowerBound)) - lo) / (hi - lo) : 0.5
        return range.lowerBound + f * (range.upperBound - range.lowerBound)
    }
}

/// Time axes: named ticks at 1 s, 1 min, 1 h, 1 d, 1 w, 1 y, with decades of seconds when too
/// few named ones fall inside the domain.
enum TimeTicks {
    static let named: [(Double, String)] = [
        (1, "1s"), (60, "1min"), (3600, "1h"), (86_400, "1d"), (604_800, "1w"), (30.4375 * 86_400, "1mo"),
        (365.25 * 86_400, "1y"), (3652.5 * 86_400, "10y"),
    ]

    static func ticks(in domain: ClosedRange<Double>) -> [Tick] {
        let inside = named.filter { domain.contains($0.0) }.map { Tick(value: $0.0, label: $0.1) }
        if inside.count >= 2 { return inside }
        var out = [Tick]()
        var e = floor(log10(domain.lowerBound))
        while pow(10, e) <= domain.upperBound, out.count < 30 {
            let v = pow(10, e)
            if v >= domain.lowerBound { out.append(Tick(value: v, label: LinearScale.plain(v) + "s")) }
            e += 1
        }
        return out.isEmpty ? inside : out
    }

    /// A log domain around the times with some margin; 0 s is drawn at `floor_s`.
    static func domain(_ times_s: [Double], floor_s: Double = 0.1) -> ClosedRange<Double> {
        let t = times_s.map { max($0, floor_s) }
        let lo = t.min() ?? 1, hi = t.max() ?? 1
        return (lo / 2.5)...(max(hi, lo) * 2.5)
    }

    /// The one time-label formatter (`TimeParsing.label`), so the axis, tables and `--times` agree.
    static func label(_ s: Double) -> String { TimeParsing.label(s) }
}
