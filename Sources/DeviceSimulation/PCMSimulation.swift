import Foundation
import Devices

/// The PCM statistical model of Nandakumar et al. (ICECS 2019) as used by Joshi et al. (Nat. Commun.
/// 2020), devices.md §1, applied per device. It describes the *outcome* of iterative
/// program-and-verify, so there is no pulse loop: one Gaussian programming error and one drift
/// exponent per device and trial. The HERMES variant uses the same formulas with its own parameters.
///
/// Normalisation is per device: x = g / g_max of the device (g_max/N with N devices per conductance),
/// and σ_prog scales with that g_max relative to the fit's reference g_max.
public struct PCMSimulation: Sendable {
    public let model: PCMModel
    /// Per-device g_max (µS).
    public let gMax_uS: Double

    public init(model: PCMModel, gMax_uS: Double) {
        self.model = model
        self.gMax_uS = gMax_uS
    }

    /// Programs devices `range` of a tile: `g_prog = max(g_T + σ_prog(x_T)·N, 0)` and
    /// `ν = |μ_ν(x_T) + σ_ν(x_T)·N|`, each normal from its own purpose stream.
    public func program(targets_uS: UnsafePointer<Float>, range: Range<Int>, key: TileKey, into out: ProgrammedTileBuffers) {
        for d in range {
            let target = Double(targets_uS[d])
            let x = target / gMax_uS
            var ps = key.stream(device: d, purpose: .programming)
            let g = max(target + model.programSigma_uS(x: x, gMax_uS: gMax_uS) * ps.normal(), 0)
            var ds = key.stream(device: d, purpose: .drift)
            let nu = abs(model.driftExponentMean(x: x) + model.driftExponentStd(x: x) * ds.normal())
            out.programmed_uS[d] = Float(g)
            out.driftExponent[d] = Float(nu)
            out.pulses[d] = 0
            out.success[d] = true
            out.stuck[d] = .none
        }
    }

    /// g(t) = g_prog · ((t + t0)/t0)^−ν: the conductance at time t since programming, read noise aside.
    @inlinable
    public func conductance_uS(programmed_uS g: Double, nu: Double, t_s: Double) -> Double {
        g * model.driftFactor(t_s: t_s, nu: nu)
    }

    /// σ_read(t) = g(t)·Q_s(x_prog)·sqrt(ln((t + t0 + t_read)/(2 t_read))), with x from the
    /// programmed conductance (devices.md §1), in µS.
    @inlinable
    public func readSigma_uS(conductance g_t: Double, programmed_uS g: Double, timeFactor: Double) -> Double {
        g_t * model.readNoiseQ(x: g / gMax_uS) * timeFactor
    }
}
