import Devices

/// Devices of one tile known to be stuck (a defect map, or a plan's recorded stuck devices), indexed
/// like the tile's targets. Unlike `StuckDevices`, nothing is drawn: the same devices are stuck at the
/// same conductances in every trial. Applied after programming and after the random stuck devices,
/// which they override; like those, they neither drift nor relax, and read noise still applies.
public struct TileFaults: Sendable, Equatable {
    /// Device indices, ascending and distinct.
    public private(set) var devices: [Int] = []
    public private(set) var conductances_uS: [Float] = []
    public private(set) var states: [StuckState] = []

    public init() {}

    public var isEmpty: Bool { devices.isEmpty }
    public var count: Int { devices.count }

    /// Builds from unordered (device, conductance, state) triples; a device given twice keeps the last.
    public init(_ entries: [(device: Int, g_uS: Float, state: StuckState)]) {
        var last = [Int: Int]()
        for (i, e) in entries.enumerated() { last[e.device] = i }
        for d in last.keys.sorted() {
            guard let i = last[d] else { continue }
            devices.append(d)
            conductances_uS.append(entries[i].g_uS)
            states.append(entries[i].state)
        }
    }

    /// Overrides the programmed state of the faulty devices (all of them inside `out`'s tile).
    public func apply(targets_uS: UnsafePointer<Float>, rules: TargetRules, into out: ProgrammedTileBuffers) {
        for (i, d) in devices.enumerated() {
            let g = conductances_uS[i]
            out.stuck[d] = states[i]
            out.programmed_uS[d] = g
            out.driftExponent[d] = 0
            out.pulses[d] = 0
            out.success[d] = rules.acceptanceBounds_uS(target_uS: Double(targets_uS[d])).contains(Double(g))
        }
    }
}

extension DeviceSimulator {
    /// Programs a whole tile like `program(targets_uS:key:threads:)`, then sets its known faulty
    /// devices to their stuck conductances.
    public func program(targets_uS: [Float], key: TileKey, threads: Int = 1, faults: TileFaults) -> ProgrammedTile {
        var tile = program(targets_uS: targets_uS, key: key, threads: threads)
        guard !faults.isEmpty else { return tile }
        targets_uS.withUnsafeBufferPointer { t in
            tile.withBuffers { faults.apply(targets_uS: t.baseAddress!, rules: rules, into: $0) }
        }
        return tile
    }
}
