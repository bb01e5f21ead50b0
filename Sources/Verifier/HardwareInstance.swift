import DeviceSimulation
import Plan

/// One programmed chip (a trial): every tile of the plan programmed once, keyed by
/// `TileKey(seed, trial, tile index)`, and read at the run's time points.
public struct HardwareInstance: Sendable {
    /// Programmed state per tile (nil in ideal mode, where every device holds its target exactly).
    public let tiles: [ProgrammedTile]?
    public let seed: UInt64
    public let trial: Int

    /// Programs all tiles over `threads` threads (`TileSchedule`); `simulator` nil means ideal
    /// devices (no programming error, drift or noise). Bitwise the same for any thread count.
    /// `faults`: per tile, devices known stuck (`KnownFaults`); empty = none.
    public init(plan: Plan, simulator: DeviceSimulator?, seed: UInt64, trial: Int, threads: Int, faults: [TileFaults] = []) {
        self.seed = seed
        self.trial = trial
        guard let simulator else { tiles = nil; return }
        tiles = TileSchedule(sizes: plan.tiles.map { $0.deviceCount(slots: plan.roles.count) }, threads: threads).map(tileCount: plan.tiles.count) { t, inner in
            simulator.program(targets_uS: plan.tiles[t].deviceTargets_uS, key: TileKey(seed: seed, trial: trial, tile: t), threads: inner,
                              faults: faults.isEmpty ? TileFaults() : faults[t])
        }
    }

    /// Conductances and read-noise σ of every device at `t_s` (packed like `Tile.deviceTargets_uS`:
    /// reference devices after the weights), per tile, over
    /// `threads` threads (`TileSchedule`). Bitwise the same for any thread count.
    public func read(plan: Plan, simulator: DeviceSimulator?, t_s: Double,
                     readNoise: ReadNoiseMode, threads: Int = 1) -> (g_uS: [[Float]], sigma_uS: [[Float]]) {
        guard let simulator, let tiles else {
            return (plan.tiles.map(\.deviceTargets_uS), plan.tiles.map { [Float](repeating: 0, count: $0.deviceCount(slots: plan.roles.count)) })
        }
        let (seed, trial) = (seed, trial)
        let reads = TileSchedule(sizes: tiles.map(\.count), threads: threads).map(tileCount: tiles.count) { t, inner in
            var g = [Float](), sigma = [Float]()
            simulator.evaluate(tiles[t], targets_uS: plan.tiles[t].deviceTargets_uS, key: TileKey(seed: seed, trial: trial, tile: t),
                               t_s: t_s, readNoise: readNoise, threads: inner,
                               g_uS: &g, readSigma_uS: &sigma)
            return (g, sigma)
        }
        return (reads.map(\.0), reads.map(\.1))
    }

    /// Per-read weight variances of every mapped layer from per-device σ.
    public static func variances(plan: Plan, nodes: [Int], sigma_uS: [[Float]]) -> LayerMatrices {
        LayerMatrices.planes(plan: plan, nodes: nodes,
                             tilePlanes: plan.tiles.indices.map { variancePlane(plan: plan, tile: $0, sigma_uS: sigma_uS[$0]) })
    }

    /// The `[rows × columns]` per-read weight variances of tile `t` from its devices' read σ (packed
    /// like its targets, or with its reference devices like `deviceTargets_uS`, `ReferenceSubtraction.sigma`).
    public static func variancePlane(plan: Plan, tile t: Int, sigma_uS: [Float]) -> [Float] {
        let tile = plan.tiles[t]
        var v = [Float]()
        ReadNoise.weightVariance(readSigma_uS: ReferenceSubtraction.sigma(plan: plan, tile: t, sigma_uS: sigma_uS), rows: tile.rows.count, columns: tile.columns.count,
                                 significances: plan.roles.map(\.significance), weightPerMicrosiemens: tile.weightPerMicrosiemens,
                                 into: &v)
        return v
    }

    /// Programs every tile and reads it at `t_s` without keeping the chip, handing
    /// each tile's programmed state (nil for ideal devices), conductances and read σ to `body`, whose
    /// per-tile results come back in tile order.
    ///
    /// Programming is a pure function of (seed, trial, tile, device), so programming again at every
    /// time gives the same chip as `init` + `read`, bit for bit, while memory holds one tile's devices
    /// per thread instead of the whole chip (12 bytes per device) and its reads (8 bytes per device).
    /// Re-programming costs about as much as a read (`make bench`), far less than an evaluation.
    public static func streamTiles<T: Sendable>(
        plan: Plan, simulator: DeviceSimulator?, seed: UInt64, trial: Int, t_s: Double,
        readNoise: ReadNoiseMode, threads: Int, faults: [TileFaults] = [],
        _ body: @Sendable (_ tile: Int, _ programmed: ProgrammedTile?, _ g_uS: [Float], _ sigma_uS: [Float]) -> T
    ) -> [T] {
        TileSchedule(sizes: plan.tiles.map { $0.deviceCount(slots: plan.roles.count) }, threads: threads).map(tileCount: plan.tiles.count) { t, inner in
            let targets = plan.tiles[t].deviceTargets_uS   // a tile's reference devices after its weights
            guard let simulator else { return body(t, nil, targets, [Float](repeating: 0, count: targets.count)) }
            let key = TileKey(seed: seed, trial: trial, tile: t)
            let programmed = simulator.program(targets_uS: targets, key: key, threads: inner,
                                               faults: faults.isEmpty ? TileFaults() : faults[t])
            var g = [Float](), sigma = [Float]()
            simulator.evaluate(programmed, targets_uS: targets, key: key, t_s: t_s,
                               readNoise: readNoise, threads: inner, g_uS: &g, readSigma_uS: &sigma)
            return body(t, programmed, g, sigma)
        }
    }
}
