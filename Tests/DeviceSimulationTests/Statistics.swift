import Foundation

/// Sample moments and the tolerances the distribution tests derive from the sample size.
struct Moments {
    var n: Double
    var mean: Double
    var variance: Double
    var kurtosis: Double
    var sigma: Double { variance.squareRoot() }

    init<S: Sequence>(_ values: S) where S.Element == Double {
        var count = 0.0, sum = 0.0
        var xs = [Double]()
        for v in values { xs.append(v); sum += v; count += 1 }
        n = count
        mean = sum / count
        var m2 = 0.0, m4 = 0.0
        for v in xs { let d = v - mean; m2 += d * d; m4 += d * d * d * d }
        variance = m2 / (count - 1)
        kurtosis = (m4 / count) / pow(m2 / count, 2)
    }

    /// Standard error of the mean.
    var meanError: Double { sigma / n.squareRoot() }
    /// Standard error of the sample σ: σ·sqrt((κ − 1)/(4n)), which is σ/√(2n) for a Gaussian (κ = 3).
    var sigmaError: Double { sigma * max((kurtosis - 1) / (4 * n), 0).squareRoot() }
}

/// Standard normal CDF.
func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.squareRoot()) }

/// Kolmogorov–Smirnov statistic of a sample against a CDF.
func ksStatistic(_ sample: [Double], cdf: (Double) -> Double) -> Double {
    let sorted = sample.sorted(), n = Double(sorted.count)
    var d = 0.0
    for (i, x) in sorted.enumerated() {
        let f = cdf(x)
        d = max(d, Double(i + 1) / n - f, f - Double(i) / n)
    }
    return d
}
