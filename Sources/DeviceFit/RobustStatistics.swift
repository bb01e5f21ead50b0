import Foundation

/// Location and spread of a sample after trimming gross outliers: values more than `cut` robust
/// standard deviations (1.4826 · MAD, the normal-consistent median absolute deviation) from the median
/// are dropped, then the ordinary mean and unbiased variance are taken of the rest. With `cut` = 5 a
/// normal sample loses a fraction 6·10⁻⁷ of its values (a negligible bias), while stuck devices or
/// a wild read, which sit tens of σ away, cannot move the estimate: the "trimmed" estimator the
/// characterisation issue asks for, chosen over a Huber fit because it keeps the variance exact.
public struct RobustMoments: Sendable, Hashable {
    public var count: Int
    public var kept: Int
    public var mean: Double
    public var variance: Double

    /// Trimming distance in robust σ; the default 5 is explained above.
    public static let defaultCut = 5.0

    public init(_ values: [Double], cut: Double = defaultCut) {
        count = values.count
        guard !values.isEmpty else { kept = 0; mean = .nan; variance = .nan; return }
        let sorted = values.sorted()
        let median = Quantiles.sortedQuantile(sorted, 0.5)
        let deviations = sorted.map { abs($0 - median) }.sorted()
        let robustSigma = 1.4826 * Quantiles.sortedQuantile(deviations, 0.5)
        let limit = robustSigma > 0 ? cut * robustSigma : .infinity
        var n = 0, sum = 0.0
        for v in sorted where abs(v - median) <= limit { n += 1; sum += v }
        let m = sum / Double(max(n, 1))
        var ss = 0.0
        for v in sorted where abs(v - median) <= limit { ss += (v - m) * (v - m) }
        kept = n
        mean = m
        variance = n > 1 ? ss / Double(n - 1) : .nan
    }

    public var standardDeviation: Double { variance.squareRoot() }
}

public enum Quantiles {
    /// Linear interpolation between order statistics (Hyndman & Fan type 7, numpy's default).
    public static func sortedQuantile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let h = Double(sorted.count - 1) * min(max(p, 0), 1)
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    public static func quantile(_ values: [Double], _ p: Double) -> Double { sortedQuantile(values.sorted(), p) }
}

/// Mean and spread of a folded normal |N(μ, σ²)|, the law of the PCM drift exponent ν = |μ_ν + σ_ν N|.
public enum FoldedNormal {
    /// E|X| for X ~ N(μ, σ²).
    public static func mean(mu: Double, sigma: Double) -> Double {
        guard sigma > 0 else { return abs(mu) }
        let r = mu / sigma
        return sigma * (2 / Double.pi).squareRoot() * exp(-r * r / 2) + mu * (1 - erfc(r / 2.squareRoot()))
    }

    /// (μ, σ) of the underlying normal from the folded sample's first moment `m1` = E|X| and second
    /// moment `m2` = E X² (the same folded or not, which is what makes the fold invertible):
    /// σ² = m2 − μ² and E|X|(μ) = m1, solved for μ ≥ 0 by bisection (E|X| rises with μ on that curve).
    /// Moments outside the attainable set clamp to its edge (μ = 0, or σ = 0).
    public static func parameters(m1: Double, m2: Double) -> (mu: Double, sigma: Double) {
        guard m2 > 0, m1 > 0 else { return (max(m1, 0), 0) }
        let top = m2.squareRoot()
        if m1 >= top { return (top, 0) }
        if m1 <= mean(mu: 0, sigma: top) { return (0, top) }
        var lo = 0.0, hi = top
        for _ in 0..<100 {
            let mid = (lo + hi) / 2
            if mean(mu: mid, sigma: max(m2 - mid * mid, 0).squareRoot()) < m1 { lo = mid } else { hi = mid }
        }
        let mu = (lo + hi) / 2
        return (mu, max(m2 - mu * mu, 0).squareRoot())
    }
}
