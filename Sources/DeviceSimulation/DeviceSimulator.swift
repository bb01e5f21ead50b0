import Devices
import Parallel

/// How RRAM programming is simulated.
public enum RRAMMode: String, Sendable, Hashable, CaseIterable {
    /// Every pulse and verify read of the plan's algorithm (the reference).
    case pulseLevel = "pulse"
    /// Spread from the spec's table, pulses and success estimated (fast).
    case statistical
}

/// The device layer the verifier calls per tile: programming a tile's targets into a hardware
/// instance, and reading that instance at a time after programming. The model is chosen once here,
/// so the per-device loops see only concrete types.
public struct DeviceSimulator: Sendable {
    public let spec: DeviceSpec
    public let rules: TargetRules
    public let rramMode: RRAMMode
    public let stuck: StuckDevices
    @usableFromInline let engine: Engine

    @usableFromInline enum Engine: Sendable {
        case pcm(PCMSimulation)
        case rramPulse(RRAMPulseSimulation, RRAMModel)
        case rramStatistical(RRAMStatistical, RRAMModel)
    }

    /// - Parameters:
    ///   - devicesPerConductance: the plan's value (`Plan.devicesPerConductance`), which sets the
    ///     per-device range.
    ///   - stuckRates: overrides the spec's rates (`--stuck-rate`).
    public init(spec: DeviceSpec, devicesPerConductance: Int, rramMode: RRAMMode = .pulseLevel, stuckRates: StuckRates? = nil) {
        self.spec = spec
        rules = TargetRules(device: spec, devicesPerConductance: devicesPerConductance)
        self.rramMode = rramMode
        stuck = StuckDevices(rates: stuckRates ?? spec.stuck, rules: rules)
        switch spec.model {
        case .pcm(let m), .pcmHermes(let m):
            engine = .pcm(PCMSimulation(model: m, gMax_uS: rules.gMax_uS))
        case .rram(let m):
            let pulse = RRAMPulseSimulation(model: m.pulse, schedule: spec.programVerify, rules: rules)
            switch rramMode {
            case .pulseLevel: engine = .rramPulse(pulse, m)
            case .statistical: engine = .rramStatistical(RRAMStatistical(spread: m.programmingSpread, pulse: pulse), m)
            }
        }
    }

    /// Programs devices `range` of a tile into `out` (the same indices). Safe to call concurrently
    /// for disjoint ranges: every device's numbers come from its own key.
    public func program(targets_uS: UnsafePointer<Float>, range: Range<Int>, key: TileKey, into out: ProgrammedTileBuffers) {
        switch engine {
        case .pcm(let s): s.program(targets_uS: targets_uS, range: range, key: key, into: out)
        case .rramPulse(let s, _): s.program(targets_uS: targets_uS, range: range, key: key, into: out)
        case .rramStatistical(let s, _): s.program(targets_uS: targets_uS, range: range, key: key, into: out)
        }
        stuck.apply(targets_uS: targets_uS, range: range, key: key, into: out)
    }

    /// Programs a whole tile (targets per device in µS, packed as `Tile.targets_uS`), splitting it
    /// into `threads` chunks run concurrently. The result is bitwise the same for any thread count.
    /// Every engine writes all five buffers of every device in its range, so the tile's buffers are
    /// not zeroed first.
    public func program(targets_uS: [Float], key: TileKey, threads: Int = 1) -> ProgrammedTile {
        targets_uS.withUnsafeBufferPointer { t in
            ProgrammedTile(count: t.count) { out in
                let targets = SendablePointer(pointer: t.baseAddress!)
                forEachChunk(count: t.count, threads: threads) { range in
                    program(targets_uS: targets.pointer, range: range, key: key, into: out)
                }
            }
        }
    }
}

/// A read-only pointer handed to worker threads that only read through it.
@usableFromInline struct SendablePointer<T>: @unchecked Sendable {
    @usableFromInline let pointer: UnsafePointer<T>
    @usableFromInline init(pointer: UnsafePointer<T>) { self.pointer = pointer }
}

/// Runs `body` over up to `threads` contiguous chunks of 0..<count (`Parallelism.forEach`). A
/// device's programming or read is worth a thread hand-off on its own, so a tile is always split
/// over all threads.
func forEachChunk(count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    Parallelism(threads: threads).forEach(count, workPerItem: Parallelism.grain, body)
}
