import Foundation
import Devices

/// How read noise enters an evaluation at one time point (issue 4).
public enum ReadNoiseMode: String, Sendable, Hashable, CaseIterable {
    /// No read noise: the drifted/relaxed conductances only (σ reported as 0).
    case off
    /// One read per device per time point, drawn from the device's stream for that time index and
    /// added to the conductance (the peers' convention).
    case frozen
    /// Conductances without noise plus each device's σ, for the exact output-referred Gaussian of
    /// every matrix product (`ReadNoise.weightVariance`).
    case perRead = "per-read"
}

extension DeviceSimulator {
    /// Conductances of a programmed tile at `times_s[timeIndex]` (s since programming) into `g_uS`,
    /// and each device's read-noise σ into `readSigma_uS` (both resized to the tile).
    ///
    /// PCM: g(t) = g_prog·((t + t0)/t0)^−ν, σ_read = g(t)·Q_s(x_prog)·sqrt(ln((t + t0 + t_read)/(2 t_read))),
    /// frozen reads clamped ≥ 0. RRAM: g(t) = g_prog + mean shift + relaxation deviation, clamped to
    /// the device's bounds, σ from the spec's read-noise model; stuck devices neither drift nor relax.
    /// `times_s` is the whole list of the run's times: RRAM relaxation walks through the earlier ones.
    public func evaluate(_ tile: ProgrammedTile, targets_uS: [Float], key: TileKey, times_s: [Double], timeIndex: Int,
                         readNoise: ReadNoiseMode, g_uS: inout [Float], readSigma_uS: inout [Float]) {
        precondition(targets_uS.count == tile.count, "targets and programmed tile differ in size")
        let n = tile.count, t = times_s[timeIndex]
        if g_uS.count != n { g_uS = [Float](repeating: 0, count: n) }
        if readSigma_uS.count != n { readSigma_uS = [Float](repeating: 0, count: n) }
        let readPurpose = RandomPurpose.read(timeIndex: timeIndex)
        g_uS.withUnsafeMutableBufferPointer { out in
        readSigma_uS.withUnsafeMutableBufferPointer { sig in
        tile.programmed_uS.withUnsafeBufferPointer { prog in
        tile.driftExponent.withUnsafeBufferPointer { nu in
        tile.stuck.withUnsafeBufferPointer { stuckState in
        targets_uS.withUnsafeBufferPointer { targets in
            switch engine {
            case .pcm(let pcm):
                let timeFactor = pcm.model.readNoiseTimeFactor(t_s: t)
                for d in 0..<n {
                    let g0 = Double(prog[d])
                    let g = pcm.conductance_uS(programmed_uS: g0, nu: Double(nu[d]), t_s: t)
                    let s = readNoise == .off ? 0 : pcm.readSigma_uS(conductance: g, programmed_uS: g0, timeFactor: timeFactor)
                    var value = g
                    if readNoise == .frozen {
                        var r = key.stream(device: d, purpose: readPurpose)
                        value = max(g + s * r.normal(), 0)
                    }
                    out[d] = Float(value)
                    sig[d] = Float(s)
                }
            case .rramPulse(_, let m), .rramStatistical(_, let m):
                let relax = RRAMRelaxation(m.relaxation)
                let shift = relax.meanShift_uS(t_s: t)
                let chain = RRAMRelaxation.chain(times_s: times_s, upTo: timeIndex)
                let bounds = conductanceBounds_uS(m)
                for d in 0..<n {
                    var g = Double(prog[d])
                    if stuckState[d] == .none {
                        g += shift + relax.deviation_uS(target_uS: Double(targets[d]), device: d, key: key,
                                                        times_s: times_s, chain: chain)
                    }
                    g = min(max(g, bounds.lowerBound), bounds.upperBound)
                    let s = readNoise == .off ? 0 : m.readNoise.sigma_uS(g_uS: g, t_s: t, gMax_uS: rules.gMax_uS)
                    if readNoise == .frozen {
                        var r = key.stream(device: d, purpose: readPurpose)
                        g = min(max(g + s * r.normal(), bounds.lowerBound), bounds.upperBound)
                    }
                    out[d] = Float(g)
                    sig[d] = Float(s)
                }
            }
        }}}}}}
    }

    /// Where RRAM conductances are clamped after programming. A spec that programs every target
    /// into the range (HfOx, `program-to-g-min`) is clamped to [g_min, g_max] as devices.md §2
    /// prescribes; one that RESETs idle devices below g_min (NeuRRAM) keeps the physical range of
    /// the pulse model, [HRS floor, saturation], so neither RESET devices nor targets at g_max are cut.
    public func conductanceBounds_uS(_ m: RRAMModel) -> ClosedRange<Double> {
        if rules.belowGMin == .programToGMin { return rules.gMin_uS...rules.gMax_uS }
        return m.pulse.floor_uS...max(m.pulse.saturation_uS, m.pulse.floor_uS)
    }
}
