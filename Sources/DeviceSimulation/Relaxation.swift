import Foundation
import Devices

/// RRAM conductance change after programming, growing with log time (devices.md §2).
///
/// A device's relaxation is a random walk in the variance: between consecutive requested times the
/// deviation gains an independent Gaussian increment of variance σ²(t_j) − σ²(t_{j−1}), each drawn
/// from the device's stream for that time index. The marginal σ at every time is exactly the
/// published one, a device's deviations at two times are correlated as a physical drift would be,
/// and the value at time index k does not depend on evaluation order.
public struct RRAMRelaxation: Sendable {
    public let relaxation: Relaxation

    public init(_ relaxation: Relaxation) { self.relaxation = relaxation }

    /// Mean shift at time t since programming (HfOx: −0.089 ln t µS).
    @inlinable public func meanShift_uS(t_s: Double) -> Double { relaxation.meanShift_uS(t_s: t_s) }

    /// σ of the relaxation on top of the programmed spread, for a device whose target is `target_uS`.
    /// A table whose spreads are totals (NeuRRAM) already contains the programmed spread at its first
    /// time, which the programming step reproduces, so only the growth beyond it is added.
    public func extraSigma_uS(target_uS: Double, t_s: Double) -> Double {
        let s = relaxation.spread_uS(g_uS: target_uS, t_s: t_s)
        guard case .spreadTable(_, _, true) = relaxation else { return s }
        let s0 = relaxation.spread_uS(g_uS: target_uS, t_s: 0)
        return max(s * s - s0 * s0, 0).squareRoot()
    }

    /// Time indices at or before index `k`, in ascending time: the steps of the random walk.
    public static func chain(times_s: [Double], upTo k: Int) -> [Int] {
        times_s.indices.filter { times_s[$0] < times_s[k] || (times_s[$0] == times_s[k] && $0 <= k) }
            .sorted { (times_s[$0], $0) < (times_s[$1], $1) }
    }

    /// The relaxation deviation (µS, mean shift excluded) of one device at the last time of `chain`.
    @inlinable
    public func deviation_uS(target_uS: Double, device: Int, key: TileKey, times_s: [Double], chain: [Int]) -> Double {
        var total = 0.0, previousVariance = 0.0
        for j in chain {
            let s = extraSigma_uS(target_uS: target_uS, t_s: times_s[j])
            let v = s * s
            if v > previousVariance {
                var stream = key.stream(device: device, purpose: .relaxation(timeIndex: j))
                total += (v - previousVariance).squareRoot() * stream.normal()
                previousVariance = v
            }
        }
        return total
    }
}
