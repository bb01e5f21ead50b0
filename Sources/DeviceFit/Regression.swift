import Foundation

/// A weighted observation of y at x.
public struct WeightedPoint: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public var weight: Double
    public init(x: Double, y: Double, weight: Double) {
        self.x = x
        self.y = y
        self.weight = weight
    }
}

public enum Regression {
    /// Weighted least squares of y on the given basis functions: the coefficients, or nil when the
    /// normal equations are singular (fewer distinct x than coefficients). Normal equations solved by
    /// Gaussian elimination with partial pivoting: at most 4 unknowns here, on x scaled to [0, 1].
    public static func leastSquares(_ points: [WeightedPoint], basis: [(Double) -> Double]) -> [Double]? {
        let k = basis.count
        var a = [Double](repeating: 0, count: k * k), b = [Double](repeating: 0, count: k)
        var phi = [Double](repeating: 0, count: k)
        for p in points where p.weight > 0 {
            for i in 0..<k { phi[i] = basis[i](p.x) }
            for i in 0..<k {
                b[i] += p.weight * phi[i] * p.y
                for j in 0..<k { a[i * k + j] += p.weight * phi[i] * phi[j] }
            }
        }
        return solve(a, b, k)
    }

    /// Polynomial coefficients in ascending powers, by weighted least squares.
    public static func polynomial(_ points: [WeightedPoint], degree: Int) -> [Double]? {
        leastSquares(points, basis: (0...degree).map { d in { x in pow(x, Double(d)) } })
    }

    public static func evaluatePolynomial(_ c: [Double], at x: Double) -> Double {
        c.reversed().reduce(0) { $0 * x + $1 }
    }

    static func solve(_ a0: [Double], _ b0: [Double], _ k: Int) -> [Double]? {
        var a = a0, b = b0
        let scale = (0..<k).map { a[$0 * k + $0] }.max() ?? 0
        guard scale > 0 else { return nil }
        for col in 0..<k {
            var pivot = col
            for r in col..<k where abs(a[r * k + col]) > abs(a[pivot * k + col]) { pivot = r }
            guard abs(a[pivot * k + col]) > scale * 1e-13 else { return nil }
            if pivot != col {
                for c in 0..<k { a.swapAt(col * k + c, pivot * k + c) }
                b.swapAt(col, pivot)
            }
            for r in (col + 1)..<k {
                let f = a[r * k + col] / a[col * k + col]
                for c in col..<k { a[r * k + c] -= f * a[col * k + c] }
                b[r] -= f * b[col]
            }
        }
        var x = [Double](repeating: 0, count: k)
        for r in stride(from: k - 1, through: 0, by: -1) {
            var s = b[r]
            for c in (r + 1)..<k { s -= a[r * k + c] * x[c] }
            x[r] = s / a[r * k + r]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }
}

/// `clamp(slope · u + intercept, min, max)` fitted to weighted points, u = ln x: the form of the PCM
/// drift statistics μ_ν and σ_ν (devices.md §1), and, with only the left plateau, of ln Q_s.
///
/// The function is a plateau L left of a breakpoint u₁, a line from (u₁, L) to (u₂, R), and a
/// plateau R right of u₂. Given the breakpoints it is linear in (L, R), so every candidate pair of
/// breakpoints (between consecutive data u, refined on a grid within the interval) is one 2×2
/// weighted least-squares problem and the best is kept. A plateau with no data beyond its breakpoint
/// is not identified; `leftIdentified`/`rightIdentified` say which were, and the caller decides what
/// an unidentified bound becomes.
public struct ClampedLineFit: Sendable, Hashable {
    public var slope: Double
    public var intercept: Double
    /// Value of the left plateau (u → −∞) and the right one (u → +∞).
    public var left: Double
    public var right: Double
    public var leftIdentified: Bool
    public var rightIdentified: Bool
    public var sumOfSquares: Double

    public func callAsFunction(_ u: Double) -> Double {
        let lo = Swift.min(left, right), hi = Swift.max(left, right)
        return Swift.min(Swift.max(slope * u + intercept, lo), hi)
    }

    /// Subdivisions of each interval between data points searched for a breakpoint.
    static let refinement = 8

    /// Fits the form; `allowRight` false forbids a right plateau (ln Q_s has only a cap). Nil with
    /// fewer than two distinct u.
    public static func fit(_ points: [WeightedPoint], allowLeft: Bool = true, allowRight: Bool = true) -> ClampedLineFit? {
        let pts = points.filter { $0.weight > 0 && $0.x.isFinite && $0.y.isFinite }.sorted { $0.x < $1.x }
        let us = Array(Set(pts.map(\.x))).sorted()
        guard us.count >= 2 else { return nil }
        // Candidate breakpoints: grid points inside each gap between distinct u, plus "none" (±∞).
        var candidates = [Double]()
        for (a, b) in zip(us, us.dropFirst()) {
            for s in 0...refinement { candidates.append(a + (b - a) * Double(s) / Double(refinement)) }
        }
        var best: ClampedLineFit?
        var breaks: (Double?, Double?) = (nil, nil)
        func consider(_ u1: Double?, _ u2: Double?) {
            guard let f = fitGiven(pts, u1: u1, u2: u2) else { return }
            if best == nil || f.sumOfSquares < best!.sumOfSquares - 1e-15 * abs(best!.sumOfSquares) { best = f; breaks = (u1, u2) }
        }
        consider(nil, nil)
        for c in candidates {
            if allowLeft { consider(c, nil) }
            if allowRight { consider(nil, c) }
        }
        if allowLeft && allowRight {
            for (i, c1) in candidates.enumerated() {
                for c2 in candidates[(i + 1)...] where c2 > c1 { consider(c1, c2) }
            }
        }
        // Refine the breakpoints off the grid: coordinate descent with a halving step, so a form the
        // data follow exactly is found exactly rather than to the grid's spacing.
        var step = (us.last! - us.first!) / Double(refinement * max(us.count - 1, 1))
        for _ in 0..<40 {
            for sign in [-1.0, 1.0] {
                if let a = breaks.0 { let moved = a + sign * step; if breaks.1.map({ moved < $0 }) ?? true { consider(moved, breaks.1) } }
                if let b = breaks.1 { let moved = b + sign * step; if breaks.0.map({ moved > $0 }) ?? true { consider(breaks.0, moved) } }
            }
            step /= 2
        }
        return best
    }

    /// The best fit with the given breakpoints (nil: that plateau absent).
    static func fitGiven(_ pts: [WeightedPoint], u1: Double?, u2: Double?) -> ClampedLineFit? {
        let coefficients: [Double]?
        let shape: (Double) -> (Double, Double)
        switch (u1, u2) {
        case (nil, nil):
            shape = { u in (1, u) }                                   // intercept + slope·u
        case (let a?, nil):
            shape = { u in (1, max(u - a, 0)) }                       // L + slope·(u − u₁)⁺
        case (nil, let b?):
            shape = { u in (1, min(u - b, 0)) }                       // R + slope·(u − u₂)⁻
        case (let a?, let b?):
            shape = { u in let w = min(max((u - a) / (b - a), 0), 1); return (1 - w, w) } // L, R
        }
        coefficients = Regression.leastSquares(pts, basis: [{ shape($0).0 }, { shape($0).1 }])
        guard let c = coefficients else { return nil }
        var ss = 0.0
        for p in pts { let s = shape(p.x); let r = p.y - (c[0] * s.0 + c[1] * s.1); ss += p.weight * r * r }
        let lo = pts.first!.x, hi = pts.last!.x
        switch (u1, u2) {
        case (nil, nil):
            return ClampedLineFit(slope: c[1], intercept: c[0], left: c[1] > 0 ? -.infinity : .infinity,
                                  right: c[1] > 0 ? .infinity : -.infinity, leftIdentified: false, rightIdentified: false, sumOfSquares: ss)
        case (let a?, nil):
            let farRight = c[1] > 0 ? Double.infinity : -.infinity
            return ClampedLineFit(slope: c[1], intercept: c[0] - c[1] * a, left: c[0], right: farRight,
                                  leftIdentified: a > lo, rightIdentified: false, sumOfSquares: ss)
        case (nil, let b?):
            let farLeft = c[1] > 0 ? -Double.infinity : .infinity
            return ClampedLineFit(slope: c[1], intercept: c[0] - c[1] * b, left: farLeft, right: c[0],
                                  leftIdentified: false, rightIdentified: b < hi, sumOfSquares: ss)
        case (let a?, let b?):
            let slope = (c[1] - c[0]) / (b - a)
            return ClampedLineFit(slope: slope, intercept: c[0] - slope * a, left: c[0], right: c[1],
                                  leftIdentified: a > lo, rightIdentified: b < hi, sumOfSquares: ss)
        }
    }
}
