import DeviceSimulation
import Devices
import Plan

/// A chip read back by a tester (`Measured`), as the trials of `verify --measured` see it: every
/// trial starts from the measured conductances instead of sampled programming, and only what the
/// device model predicts after the measurement is simulated (`MeasuredEvolution`).
///
/// Per trial and tile: the drift exponents are the trial's (PCM programming draws them from the
/// device's own key, with no stuck devices: a device stuck on the chip is in the measurement); devices
/// without a record (a partial read-back) are programmed exactly as in a plain verify, stuck devices
/// included, so their numbers are the plain verify's.
struct MeasuredChip: Sendable {
    let measured: Measured
    /// Programming without stuck devices, for the drift exponents of measured devices.
    let unstuck: DeviceSimulator?
    /// Per tile: whether every device has a record (then RRAM tiles skip programming altogether).
    let complete: [Bool]
    /// Whether programming is needed for measured devices (PCM: their drift exponents).
    let needsExponents: Bool

    init(measured: Measured, plan: Plan, simulator: DeviceSimulator?) {
        self.measured = measured
        complete = plan.tiles.indices.map { measured.isComplete(tile: $0) }
        if let s = simulator {
            unstuck = DeviceSimulator(spec: s.spec, devicesPerConductance: plan.devicesPerConductance, rramMode: s.rramMode,
                                      stuckRates: StuckRates(atGMin_probability: 0, atGMax_probability: 0))
            needsExponents = s.spec.technology == .pcm
        } else {
            unstuck = nil
            needsExponents = false
        }
    }

    /// The state of tile `t` at its measurement, in programmed-tile form: measured devices hold their
    /// measured conductance, the trial's drift exponent, not stuck, the tester's success flag (else
    /// whether the read is inside the window) and pulses (else 0); the others as programmed.
    /// `faults`: the tile's known stuck devices (a defect map), applied like the random ones to the
    /// devices without a record; a measured device's fault is in its measurement.
    func state(tile t: Int, plan: Plan, simulator: DeviceSimulator, key: TileKey, threads: Int,
               faults: TileFaults = TileFaults()) -> ProgrammedTile {
        let targets = plan.tiles[t].targets_uS
        let g = measured.conductance_uS[t]
        var state: ProgrammedTile
        if !complete[t] || needsExponents {
            state = unstuck!.program(targets_uS: targets, key: key, threads: threads)
        } else {
            state = ProgrammedTile(count: targets.count)
        }
        let exponents = state.driftExponent
        if !complete[t] && simulator.stuck.isActive {
            // Stuck devices as the plain verify draws them, for the devices without a record.
            targets.withUnsafeBufferPointer { tp in
                state.withBuffers { simulator.stuck.apply(targets_uS: tp.baseAddress!, range: 0..<targets.count, key: key, into: $0) }
            }
        }
        let rules = plan.targetRules
        if !complete[t] && !faults.isEmpty {
            targets.withUnsafeBufferPointer { tp in
                state.withBuffers { faults.apply(targets_uS: tp.baseAddress!, rules: rules, into: $0) }
            }
        }
        let success = measured.success?[t], pulses = measured.pulses?[t]
        for d in targets.indices where !g[d].isNaN {
            state.programmed_uS[d] = g[d]
            state.driftExponent[d] = exponents[d]
            state.stuck[d] = .none
            let flag = success?[d] ?? Measured.unknown
            state.success[d] = flag == Measured.unknown ? rules.acceptanceBounds_uS(target_uS: Double(targets[d])).contains(Double(g[d])) : flag == 1
            let p = pulses?[d] ?? Measured.unknownPulses
            state.pulses[d] = p == Measured.unknownPulses ? 0 : UInt16(min(p, UInt32(UInt16.max)))
        }
        return state
    }

    /// Per device of tile `t`: when it was measured, NaN for a device without a record.
    func measuredAt(tile t: Int) -> [Double] {
        let g = measured.conductance_uS[t]
        return g.indices.map { g[$0].isNaN ? .nan : measured.time_s(tile: t, device: $0) }
    }

    /// Like `HardwareInstance.streamTiles`, from the measured chip: each tile's state at the
    /// measurement, its conductances at `t_s` and read σ. `simulator` nil (ideal devices): the
    /// measured conductances as they are, the targets for devices without a record.
    func streamTiles<T: Sendable>(
        plan: Plan, simulator: DeviceSimulator?, seed: UInt64, trial: Int, t_s: Double,
        readNoise: ReadNoiseMode, threads: Int, faults: [TileFaults] = [],
        _ body: @Sendable (_ tile: Int, _ state: ProgrammedTile?, _ g_uS: [Float], _ sigma_uS: [Float]) -> T
    ) -> [T] {
        TileSchedule(sizes: plan.tiles.map(\.targets_uS.count), threads: threads).map(tileCount: plan.tiles.count) { t, inner in
            let targets = plan.tiles[t].targets_uS
            guard let simulator else {
                return body(t, nil, measured.conductances_uS(tile: t, targets_uS: targets), [Float](repeating: 0, count: targets.count))
            }
            let key = TileKey(seed: seed, trial: trial, tile: t)
            let state = state(tile: t, plan: plan, simulator: simulator, key: key, threads: inner,
                              faults: faults.isEmpty ? TileFaults() : faults[t])
            var g = [Float](), sigma = [Float]()
            simulator.evaluate(state, targets_uS: targets, measuredAt_s: measuredAt(tile: t), key: key, t_s: t_s,
                               readNoise: readNoise, threads: inner, g_uS: &g, readSigma_uS: &sigma)
            return body(t, state, g, sigma)
        }
    }
}
