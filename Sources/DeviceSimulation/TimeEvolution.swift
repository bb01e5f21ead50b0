import Foundation
import Devices

/// How read noise enters an evaluation at one time point (issue 4).
public enum ReadNoiseMode: String, Sendable, Hashable, CaseIterable {
    /// No read noise: the drifted/relaxed conductances only (σ reported as 0).
    case off
    /// One read per device per time point, drawn from the device's stream for that time's value and
    /// added to the conductance (the peers' convention).
    case frozen
    /// Conductances without noise plus each device's σ, for the exact output-referred Gaussian of
    /// every matrix product (`ReadNoise.weightVariance`).
    case perRead = "per-read"
}

extension DeviceSimulator {
    /// Conductances of a programmed tile at `t_s` (s since programming) into `g_uS`,
    /// and each device's read-noise σ into `readSigma_uS` (both resized to the tile).
    ///
    /// PCM: g(t) = g_prog·((t + t0)/t0)^−ν, σ_read = g(t)·Q_s(x_prog)·sqrt(ln((t + t0 + t_read)/(2 t_read))),
    /// frozen reads clamped ≥ 0. RRAM: g(t) = g_prog + mean shift + relaxation deviation, clamped to
    /// the device's bounds, σ from the spec's read-noise model; stuck devices neither drift nor relax.
    /// Every draw is keyed by the time's value, so a time's conductances do not depend on which other
    /// times a run asks for (RRAM relaxation walks a fixed decade grid, see `RRAMRelaxation`).
    ///
    /// The tile is split into `threads` chunks evaluated concurrently; every device's numbers come
    /// from its own key, so the result is bitwise the same for any thread count.
    ///
    /// `measuredAt_s` (one entry per device, or nil): a device with a time T there was *measured* at T
    /// and holds the measured conductance in `programmed_uS` (and its drift exponent, not stuck); it
    /// continues from that measurement (`TileReading.evaluateMeasured`). NaN: simulated from programming.
    public func evaluate(_ tile: ProgrammedTile, targets_uS: [Float], measuredAt_s: [Double]? = nil, key: TileKey, t_s: Double,
                         readNoise: ReadNoiseMode, threads: Int = 1, g_uS: inout [Float], readSigma_uS: inout [Float]) {
        precondition(targets_uS.count == tile.count, "targets and programmed tile differ in size")
        precondition(measuredAt_s.map { $0.count == tile.count } ?? true, "measurement times and programmed tile differ in size")
        let n = tile.count
        // Every element of both outputs is written below before anything reads it, so new buffers
        // are not zeroed first (0.4 GB of writes for a 51 M-device plan).
        if g_uS.count != n { g_uS = [Float](unsafeUninitializedCapacity: n) { _, count in count = n } }
        if readSigma_uS.count != n { readSigma_uS = [Float](unsafeUninitializedCapacity: n) { _, count in count = n } }
        guard n > 0 else { return }
        let reading = TileReading(simulator: self, key: key, t_s: t_s, readNoise: readNoise)
        g_uS.withUnsafeMutableBufferPointer { out in
        readSigma_uS.withUnsafeMutableBufferPointer { sig in
        tile.programmed_uS.withUnsafeBufferPointer { prog in
        tile.driftExponent.withUnsafeBufferPointer { nu in
        tile.stuck.withUnsafeBufferPointer { stuckState in
        targets_uS.withUnsafeBufferPointer { targets in
        (measuredAt_s ?? []).withUnsafeBufferPointer { measuredAt in
            let buffers = TileReadingBuffers(programmed_uS: prog.baseAddress!, driftExponent: nu.baseAddress!,
                                             stuck: stuckState.baseAddress!, targets_uS: targets.baseAddress!,
                                             g_uS: out.baseAddress!, readSigma_uS: sig.baseAddress!,
                                             measuredAt_s: measuredAt_s == nil ? nil : measuredAt.baseAddress)
            forEachChunk(count: n, threads: threads) { range in reading.evaluate(range, buffers) }
        }}}}}}}
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

/// Raw views of one tile's inputs and outputs for `TileReading`; callers give each thread its own
/// device range, so no output element is written twice.
struct TileReadingBuffers: @unchecked Sendable {
    let programmed_uS: UnsafePointer<Float>
    let driftExponent: UnsafePointer<Float>
    let stuck: UnsafePointer<StuckState>
    let targets_uS: UnsafePointer<Float>
    let g_uS: UnsafeMutablePointer<Float>
    let readSigma_uS: UnsafeMutablePointer<Float>
    /// Per device, when it was measured (NaN: not measured); nil for a chip simulated from programming.
    var measuredAt_s: UnsafePointer<Double>? = nil
}

/// One read of a tile at one time point, with everything that is the same for all devices (the
/// drift log-time, the 1/f time factor, RRAM's mean shift and relaxation chain) computed once.
struct TileReading: Sendable {
    enum Model: Sendable {
        /// ln((t + t0)/t0), so the drift factor is one `exp` per device instead of a `pow`.
        case pcm(PCMSimulation, logTimeRatio: Float, timeFactor: Float)
        case rram(RRAMModel, RRAMRelaxation, shift_uS: Double, chain: [RRAMRelaxation.Step], bounds: ClosedRange<Double>)
    }

    let model: Model
    let key: TileKey
    let t_s: Double
    let readNoise: ReadNoiseMode
    /// The tile's key for the frozen reads at `t_s` (`TileKey.at(time:)`).
    let readKey: TileKey
    let gMax_uS: Double

    /// Devices evaluated before their frozen read noise is added: small enough that the second
    /// pass finds the first pass's outputs in L1/L2 cache (2 × 4 KiB of Float per block).
    static let block = 1024

    init(simulator: DeviceSimulator, key: TileKey, t_s t: Double, readNoise: ReadNoiseMode) {
        switch simulator.engine {
        case .pcm(let pcm):
            let m = pcm.model
            model = .pcm(pcm, logTimeRatio: Float(Foundation.log((t + m.t0_s) / m.t0_s)),
                         timeFactor: Float(m.readNoiseTimeFactor(t_s: t)))
        case .rramPulse(_, let m), .rramStatistical(_, let m):
            let relax = RRAMRelaxation(m.relaxation)
            model = .rram(m, relax, shift_uS: relax.meanShift_uS(t_s: t),
                          chain: RRAMRelaxation.chain(to: t, key: key),
                          bounds: simulator.conductanceBounds_uS(m))
        }
        self.key = key
        t_s = t
        self.readNoise = readNoise
        readKey = key.at(time: t)
        gMax_uS = simulator.rules.gMax_uS
    }

    /// Evaluates devices `range`, block by block: noise-free conductance and σ first, then the
    /// frozen read noise on top.
    func evaluate(_ range: Range<Int>, _ io: TileReadingBuffers) {
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min((start / Self.block + 1) * Self.block, range.upperBound)
            switch model {
            case .pcm(let pcm, let logTimeRatio, let timeFactor) where io.measuredAt_s != nil:
                evaluateMeasuredPCM(start..<end, io, pcm.model, logTimeRatio: logTimeRatio, timeFactor: timeFactor)
                if readNoise == .frozen { addFrozenNoise(start..<end, io, lower: 0, upper: .infinity) }
            case .rram(let m, let relax, let shift, let chain, let bounds) where io.measuredAt_s != nil:
                evaluateMeasuredRRAM(start..<end, io, m, relax, shift_uS: shift, chain: chain, bounds: bounds)
                if readNoise == .frozen {
                    addFrozenNoise(start..<end, io, lower: Float(bounds.lowerBound), upper: Float(bounds.upperBound))
                }
            case .pcm(let pcm, let logTimeRatio, let timeFactor):
                evaluatePCM(start..<end, io, pcm.model, logTimeRatio: logTimeRatio, timeFactor: timeFactor)
                if readNoise == .frozen { addFrozenNoise(start..<end, io, lower: 0, upper: .infinity) }
            case .rram(let m, let relax, let shift, let chain, let bounds):
                evaluateRRAM(start..<end, io, m, relax, shift_uS: shift, chain: chain, bounds: bounds)
                if readNoise == .frozen {
                    addFrozenNoise(start..<end, io, lower: Float(bounds.lowerBound), upper: Float(bounds.upperBound))
                }
            }
            start = end
        }
    }

    /// g(t) = g_prog·exp(−ν·ln((t + t0)/t0)) and σ = g(t)·Q_s(x_prog)·time factor, in Float (the
    /// precision they are stored in); Q_s as in `PCMReadNoise.q`.
    func evaluatePCM(_ range: Range<Int>, _ io: TileReadingBuffers, _ m: PCMModel,
                             logTimeRatio: Float, timeFactor: Float) {
        let noisy = readNoise != .off
        let inverseGMax = Float(1 / gMax_uS)
        let q = m.readNoise
        let qCoefficient = Float(q.qCoefficient), qExponent = Float(q.qExponent)
        let qFloor = Float(q.qPowerFloor), qMax = Float(q.qMax)
        for d in range {
            let g0 = io.programmed_uS[d]
            let g = g0 * Foundation.exp(-io.driftExponent[d] * logTimeRatio)
            io.g_uS[d] = g
            if noisy {
                let x = max(g0 * inverseGMax, 0)
                let qs = min(qCoefficient / max(Foundation.pow(x, qExponent), qFloor), qMax)
                io.readSigma_uS[d] = g * qs * timeFactor
            } else {
                io.readSigma_uS[d] = 0
            }
        }
    }

    func evaluateRRAM(_ range: Range<Int>, _ io: TileReadingBuffers, _ m: RRAMModel, _ relax: RRAMRelaxation,
                              shift_uS: Double, chain: [RRAMRelaxation.Step], bounds: ClosedRange<Double>) {
        for d in range {
            var g = Double(io.programmed_uS[d])
            if io.stuck[d] == .none {
                g += shift_uS + relax.deviation_uS(target_uS: Double(io.targets_uS[d]), device: d, chain: chain)
            }
            g = min(max(g, bounds.lowerBound), bounds.upperBound)
            io.g_uS[d] = Float(g)
            io.readSigma_uS[d] = readNoise == .off ? 0 : Float(m.readNoise.sigma_uS(g_uS: g, t_s: t_s, gMax_uS: gMax_uS))
        }
    }

    /// One frozen read per device: g + σ·N, clamped to [lower, upper]. Devices 2k and 2k + 1 take
    /// the two normals of the Box–Muller pair from device 2k's read block, so a block, a logarithm
    /// and an angle serve two devices; a range starting or ending inside a pair computes that pair's
    /// block alone and takes its half, so the numbers do not depend on how the tile was split.
    private func addFrozenNoise(_ range: Range<Int>, _ io: TileReadingBuffers, lower: Float, upper: Float) {
        @inline(__always) func apply(_ d: Int, _ z: Float) {
            io.g_uS[d] = min(max(io.g_uS[d] + io.readSigma_uS[d] * z, lower), upper)
        }
        var d = range.lowerBound
        if d < range.upperBound && d & 1 == 1 {
            apply(d, GaussianPair.from(readKey.firstBlock(device: d - 1, purpose: .read)).1)
            d += 1
        }
        while d + 8 <= range.upperBound {   // four pairs' blocks per Philox call, the same numbers
            let (w0, w1, w2, w3) = readKey.firstBlocks(devices: d, stride: 2, purpose: .read)
            for i in 0..<4 {
                let (z0, z1) = GaussianPair.from(SIMD4(w0[i], w1[i], w2[i], w3[i]))
                apply(d + 2 * i, z0); apply(d + 2 * i + 1, z1)
            }
            d += 8
        }
        while d + 1 < range.upperBound {
            let (z0, z1) = GaussianPair.from(readKey.firstBlock(device: d, purpose: .read))
            apply(d, z0); apply(d + 1, z1)
            d += 2
        }
        if d < range.upperBound {
            apply(d, GaussianPair.from(readKey.firstBlock(device: d, purpose: .read)).0)
        }
    }
}
