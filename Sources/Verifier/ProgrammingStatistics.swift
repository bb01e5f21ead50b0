import DeviceSimulation
import Devices

/// How programming went on the simulated chips of a run, counted per chip so that the figures
/// describe one chip (the plan's devices) whatever the number of trials.
///
/// Two different questions are kept apart:
/// - *in window*: whether the programmed conductance (PCM: at t0, before drift; RRAM: after the fast
///   relaxation of the first second) lies in the plan's acceptance window of its target. This is
///   counted from the simulated conductances for every technology, so a model that describes only the
///   outcome of program-and-verify (PCM, whose σ_prog of 0.26–1.06 µS leaves many devices outside a
///   ±0.5 µS window) is not reported as perfect.
/// - *verify success*: whether the simulated program-and-verify loop itself ended inside the window
///   (its success flag). Only models that simulate the loop have one (RRAM); a device can pass verify
///   and then relax out of its window.
public struct ProgrammingStatistics: Sendable, Equatable {
    /// Chips (trials) counted.
    public var chips = 0
    /// Devices counted, over all chips.
    public var devices = 0
    /// Devices whose programmed conductance lies in their acceptance window, over all chips.
    public var inWindow = 0
    /// Devices whose simulated verify loop reported success, over all chips (see `hasVerifyOutcome`).
    public var verifySuccesses = 0
    /// Programming pulses, over all chips (0 when the model gives none).
    public var pulses = 0
    public var maxPulses = 0
    public var stuck = 0
    /// Whether the device model simulates the program-and-verify loop (pulse counts and a success
    /// flag): RRAM. PCM's published model gives the outcome only.
    public var hasVerifyOutcome = false

    public init() {}

    /// Counts over one programmed tile of one chip; `rules` give each target's acceptance window.
    public init(_ tile: ProgrammedTile, targets_uS: [Float], rules: TargetRules, hasVerifyOutcome: Bool) {
        devices = tile.count
        self.hasVerifyOutcome = hasVerifyOutcome
        for d in 0..<tile.count {
            if rules.acceptanceBounds_uS(target_uS: Double(targets_uS[d])).contains(Double(tile.programmed_uS[d])) { inWindow += 1 }
            if tile.success[d] { verifySuccesses += 1 }
            let p = Int(tile.pulses[d])
            pulses += p
            maxPulses = max(maxPulses, p)
            if tile.stuck[d] != .none { stuck += 1 }
        }
    }

    /// Whether the device model is one that simulates program-and-verify (`hasVerifyOutcome`).
    public static func hasVerifyOutcome(_ spec: DeviceSpec) -> Bool {
        if case .rram = spec.model { return true }
        return false
    }

    /// Adds the counts of more devices of the same chip.
    public mutating func add(_ o: ProgrammingStatistics) {
        devices += o.devices; inWindow += o.inWindow; verifySuccesses += o.verifySuccesses; pulses += o.pulses
        maxPulses = max(maxPulses, o.maxPulses); stuck += o.stuck
        hasVerifyOutcome = hasVerifyOutcome || o.hasVerifyOutcome
    }

    /// Adds one whole chip (the sum of its tiles).
    public mutating func addChip(_ chip: ProgrammingStatistics) {
        add(chip)
        chips += 1
    }

    /// Devices of one chip (the plan's devices).
    public var devicesPerChip: Int { chips == 0 ? 0 : devices / chips }
    /// Fraction of devices in their window, the mean over chips (all chips have the same devices,
    /// so this is also the pooled fraction); 1 when nothing was programmed (ideal devices).
    public var inWindowFraction: Double { devices == 0 ? 1 : Double(inWindow) / Double(devices) }
    /// Fraction of devices whose verify loop succeeded, mean over chips; nil without a verify outcome.
    public var verifySuccessFraction: Double? {
        hasVerifyOutcome && devices > 0 ? Double(verifySuccesses) / Double(devices) : nil
    }
    /// Mean pulses per device; nil when the model gives no pulse counts.
    public var meanPulses: Double? { pulses > 0 && devices > 0 ? Double(pulses) / Double(devices) : nil }
    /// Stuck devices per chip, mean over chips.
    public var stuckPerChip: Double { chips == 0 ? 0 : Double(stuck) / Double(chips) }
}
