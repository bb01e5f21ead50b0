import Devices
import Foundation

/// A chip read back by a tester: each measured device continues from its measured conductance g_m,
/// read at T seconds after programming, with what the device model predicts for later times. The
/// measurement already contains everything up to T (programming error, drift or relaxation so far,
/// stuck devices), so only the change from T to t is added:
///
/// - PCM: g(t) = g_m·((t + t0)/(T + t0))^−ν, ν the trial's drift exponent of the device; read-noise σ
///   as in `evaluatePCM` with x = g_m/g_max and the time factor of t since programming.
/// - RRAM: g(t) = g_m + [μ(t) − μ(T)] + [δ(t) − δ(T)], μ the mean shift and δ the device's relaxation
///   walk (`RRAMRelaxation`) at t and at T, clamped to the device's bounds widened to include g_m (a
///   read outside the model's range is kept, not moved); σ from the spec's read-noise model at g(t).
///
/// At t = T both add exactly nothing, so a read without noise at the measurement time returns the
/// measured conductances bit for bit. Devices whose time is NaN were not measured and follow
/// `evaluatePCM`/`evaluateRRAM` unchanged.
extension TileReading {
    /// Runs of devices measured at the same T (a read-back usually has one T) go through
    /// `evaluatePCM` with the log-time ratio ln((t + t0)/t0) − ln((T + t0)/t0), which is the formula
    /// above with σ's x from the measured value; runs without a measurement with the tile's ratio.
    func evaluateMeasuredPCM(_ range: Range<Int>, _ io: TileReadingBuffers, _ m: PCMModel, logTimeRatio: Float, timeFactor: Float) {
        let measuredAt = io.measuredAt_s!
        var d = range.lowerBound
        while d < range.upperBound {
            let T = measuredAt[d]
            var end = d + 1
            while end < range.upperBound, measuredAt[end] == T || (T.isNaN && measuredAt[end].isNaN) { end += 1 }
            // The same expression as the tile's ratio, so T = t gives a difference of exactly 0.
            let ratio = T.isNaN ? logTimeRatio : logTimeRatio - Float(Foundation.log((T + m.t0_s) / m.t0_s))
            evaluatePCM(d..<end, io, m, logTimeRatio: ratio, timeFactor: timeFactor)
            d = end
        }
    }

    func evaluateMeasuredRRAM(_ range: Range<Int>, _ io: TileReadingBuffers, _ m: RRAMModel, _ relax: RRAMRelaxation,
                              shift_uS: Double, chain: [RRAMRelaxation.Step], bounds: ClosedRange<Double>) {
        let measuredAt = io.measuredAt_s!
        var lastT = Double.nan, shiftAtT = 0.0, chainToT = [RRAMRelaxation.Step]()
        for d in range {
            let T = measuredAt[d]
            if T.isNaN {
                evaluateRRAM(d..<(d + 1), io, m, relax, shift_uS: shift_uS, chain: chain, bounds: bounds)
                continue
            }
            if T != lastT {
                // Computed exactly as the tile's own shift and chain are for t, so T = t cancels exactly.
                shiftAtT = relax.meanShift_uS(t_s: T)
                chainToT = T == t_s ? chain : RRAMRelaxation.chain(to: T, key: key)
                lastT = T
            }
            let gm = Double(io.programmed_uS[d])
            let target = Double(io.targets_uS[d])
            let change = (shift_uS - shiftAtT) + (relax.deviation_uS(target_uS: target, device: d, chain: chain)
                                                  - relax.deviation_uS(target_uS: target, device: d, chain: chainToT))
            let g = min(max(gm + change, min(bounds.lowerBound, gm)), max(bounds.upperBound, gm))
            io.g_uS[d] = Float(g)
            io.readSigma_uS[d] = readNoise == .off ? 0 : Float(m.readNoise.sigma_uS(g_uS: g, t_s: t_s, gMax_uS: gMax_uS))
        }
    }
}
