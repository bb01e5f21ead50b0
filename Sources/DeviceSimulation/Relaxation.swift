import Foundation
import Devices

/// RRAM conductance change after programming, growing with log time (devices.md §2).
///
/// A device's relaxation is a random walk in the variance through a FIXED grid of times (every decade
/// from 1 s, `anchors_s`) and then the time asked: between consecutive steps the deviation gains an
/// independent Gaussian increment of variance σ²(t_j) − σ²(t_{j−1}), each drawn from the device's
/// stream for that step's time value. The marginal σ at every time is exactly the published one, a
/// device's deviations at two times share the walk up to the last decade before the earlier one (so
/// they are correlated as a physical drift would be), and the value at a time depends on nothing but
/// the time itself: not on which other times were asked, their order or how many.
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

    /// One step of a device's relaxation walk: a time asked and the key of its increments
    /// (`TileKey.at(time:)`), so an increment is keyed by the time's value, not its place in a list.
    public struct Step: Sendable {
        public let t_s: Double
        public let key: TileKey
    }

    /// The walk's fixed steps: every decade from 1 s to 10^12 s (far beyond a device's life).
    public static let anchors_s: [Double] = (0...12).map { Foundation.pow(10, Double($0)) }

    /// The steps of the walk to `t_s`: the anchors before it, then `t_s` itself.
    public static func chain(to t_s: Double, key: TileKey) -> [Step] {
        (anchors_s.filter { $0 < t_s } + [t_s]).map { Step(t_s: $0, key: key.at(time: $0)) }
    }

    /// The relaxation deviation (µS, mean shift excluded) of one device at the last time of `chain`.
    @inlinable
    public func deviation_uS(target_uS: Double, device: Int, chain: [Step]) -> Double {
        var total = 0.0, previousVariance = 0.0
        for step in chain {
            let s = extraSigma_uS(target_uS: target_uS, t_s: step.t_s)
            let v = s * s
            if v > previousVariance {
                var stream = step.key.stream(device: device, purpose: .relaxation)
                total += (v - previousVariance).squareRoot() * stream.normal()
                previousVariance = v
            }
        }
        return total
    }
}
