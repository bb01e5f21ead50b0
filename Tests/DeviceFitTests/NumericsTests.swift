@testable import DeviceFit
import Foundation
import Testing

@Suite struct NumericsTests {
    /// The folded-normal inversion returns the parameters whose folded moments it was given
    /// (moments computed here by numerical integration, independently of `FoldedNormal.mean`).
    @Test(arguments: [(0.1, 0.04), (0.05, 0.01), (0.02, 0.03), (0.3, 0.1)])
    func foldedNormalInverts(_ p: (Double, Double)) {
        let (mu, sigma) = p
        var m1 = 0.0, m2 = 0.0
        let steps = 200_000, lo = mu - 12 * sigma, hi = mu + 12 * sigma, h = (hi - lo) / Double(steps)
        for i in 0..<steps {
            let x = lo + (Double(i) + 0.5) * h
            let w = exp(-(x - mu) * (x - mu) / (2 * sigma * sigma)) / (sigma * (2 * Double.pi).squareRoot()) * h
            m1 += abs(x) * w; m2 += x * x * w
        }
        let (m, s) = FoldedNormal.parameters(m1: m1, m2: m2)
        #expect(abs(m - mu) < 1e-6 && abs(s - sigma) < 1e-6, "got \(m), \(s)")
    }

    /// A clamped line through exact points is found exactly, both plateaus identified.
    @Test func clampedLineRecoversExactForm() throws {
        let f = { (u: Double) in min(max(-0.0155 * u + 0.0244, 0.049), 0.1) }
        let points = stride(from: -7.0, through: 0, by: 0.5).map { WeightedPoint(x: $0, y: f($0), weight: 1) }
        let fit = try #require(ClampedLineFit.fit(points))
        #expect(abs(fit.slope + 0.0155) < 2e-4 && abs(fit.intercept - 0.0244) < 1e-3)
        #expect(abs(min(fit.left, fit.right) - 0.049) < 1e-9 && abs(max(fit.left, fit.right) - 0.1) < 1e-9)
        #expect(fit.leftIdentified && fit.rightIdentified)
        for p in points { #expect(abs(fit(p.x) - p.y) < 1e-3) }
    }

    /// Trimming ignores a 1 % cluster far away and keeps a normal sample's variance.
    @Test func trimmedMomentsIgnoreGrossOutliers() {
        var values = (0..<1000).map { i -> Double in
            let u = (Double(i) + 0.5) / 1000   // normal quantiles: an exact N(0, 1) sample shape
            return (2.0).squareRoot() * erfinv(2 * u - 1)
        }
        let clean = RobustMoments(values)
        values += [Double](repeating: 40, count: 10)
        let dirty = RobustMoments(values)
        #expect(abs(dirty.mean - clean.mean) < 1e-12 && abs(dirty.variance - clean.variance) < 1e-12)
        #expect(abs(clean.variance - 1) < 0.02)
    }

    /// Kolmogorov's Q at tabulated points (Q(1.0) = 0.2700, Q(1.36) = 0.0494), and the two-sample D of
    /// two samples whose empirical CDFs the test works out by hand.
    @Test func kolmogorovSmirnov() {
        #expect(abs(GoodnessOfFit.kolmogorovQ(1.0) - 0.270) < 1e-3)
        #expect(abs(GoodnessOfFit.kolmogorovQ(1.36) - 0.0494) < 2e-4)
        // a = 1…10, b = 6…15: the CDFs differ most at 5 (a at 0.5, b at 0), D = 0.5.
        let (d, p) = GoodnessOfFit.twoSample((1...10).map(Double.init), (6...15).map(Double.init))
        #expect(d == 0.5)
        #expect(p > 0.05 && p < 0.2)
    }

    private func erfinv(_ y: Double) -> Double {
        var lo = -10.0, hi = 10.0
        for _ in 0..<200 { let m = (lo + hi) / 2; if erf(m) < y { lo = m } else { hi = m } }
        return (lo + hi) / 2
    }
}
