import Foundation

/// The closed-loop programming a tester runs per device: pulse, read, compare with the window, repeat.
/// The compiler copies it into each plan record and estimates tester time from it; the verifier's
/// pulse-level RRAM simulation replays it.
public struct ProgramVerify: Sendable, Hashable, Codable {
    public var algorithm: Algorithm
    /// SET amplitude schedule (RRAM: bit-line voltage; PCM: partial-SET pulse amplitude).
    public var set: VoltageRamp
    /// RESET amplitude schedule (RRAM: source-line voltage; PCM: RESET pulse amplitude).
    public var reset: VoltageRamp
    /// Access-transistor gate (word-line) voltages; they set the compliance current.
    public var gate: GateVoltages
    /// Width of every programming pulse; with the pulse count it gives tester time.
    public var pulseWidth_s: Double
    /// Verify-read voltage: low enough not to disturb the state.
    public var readBias_V: Double
    /// Reads averaged into one verify value: read noise can defeat a single verify read.
    public var readsAveraged: Int
    /// Reads taken first and thrown away (settling after a pulse) before the averaged ones.
    public var readsDiscarded: Int
    /// Duration of one verify read including its settling, in s; a verify costs
    /// (readsDiscarded + readsAveraged) of them. Specs written without it get `defaultReadTime_s`.
    public var readTime_s: Double
    /// Program-read iterations before a device is reported as failed.
    public var maxIterations: Int
    /// Pulses allowed once the ramp has reached its stop voltage, before giving up.
    public var maxPulsesAtCeiling: Int
    /// What happens to targets below g_min (the plan's `force` flag).
    public var belowGMin: BelowGMinAction
    /// Whether a second pass re-verifies every cell and re-programs the ones that relaxed out of the window.
    public var secondPass: Bool

    public init(algorithm: Algorithm, set: VoltageRamp, reset: VoltageRamp, gate: GateVoltages,
                pulseWidth_s: Double, readBias_V: Double, readsAveraged: Int, readsDiscarded: Int,
                readTime_s: Double = ProgramVerify.defaultReadTime_s, maxIterations: Int, maxPulsesAtCeiling: Int, belowGMin: BelowGMinAction, secondPass: Bool) {
        self.algorithm = algorithm
        self.set = set
        self.reset = reset
        self.gate = gate
        self.pulseWidth_s = pulseWidth_s
        self.readBias_V = readBias_V
        self.readsAveraged = readsAveraged
        self.readsDiscarded = readsDiscarded
        self.readTime_s = readTime_s
        self.maxIterations = maxIterations
        self.maxPulsesAtCeiling = maxPulsesAtCeiling
        self.belowGMin = belowGMin
        self.secondPass = secondPass
    }

    enum CodingKeys: String, CodingKey {
        case algorithm, set, reset, gate
        case pulseWidth_s = "pulse_width_s"
        case readBias_V = "read_bias_V"
        case readsAveraged = "reads_averaged"
        case readsDiscarded = "reads_discarded"
        case readTime_s = "read_time_s"
        case maxIterations = "max_iterations"
        case maxPulsesAtCeiling = "max_pulses_at_ceiling"
        case belowGMin = "below_g_min"
        case secondPass = "second_pass"
    }

    /// The read time of a spec that does not give one (specs written before the field existed).
    /// [check] devices.md gives no verify-read duration; 1 µs is the order of the read windows it
    /// does give (t_read 250 ns / 512 ns in §1, 1 µs in §2), and the value estimates used before.
    public static let defaultReadTime_s = 1e-6

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        algorithm = try c.decode(Algorithm.self, forKey: .algorithm)
        set = try c.decode(VoltageRamp.self, forKey: .set)
        reset = try c.decode(VoltageRamp.self, forKey: .reset)
        gate = try c.decode(GateVoltages.self, forKey: .gate)
        pulseWidth_s = try c.decode(Double.self, forKey: .pulseWidth_s)
        readBias_V = try c.decode(Double.self, forKey: .readBias_V)
        readsAveraged = try c.decode(Int.self, forKey: .readsAveraged)
        readsDiscarded = try c.decode(Int.self, forKey: .readsDiscarded)
        readTime_s = try c.decodeIfPresent(Double.self, forKey: .readTime_s) ?? Self.defaultReadTime_s
        maxIterations = try c.decode(Int.self, forKey: .maxIterations)
        maxPulsesAtCeiling = try c.decode(Int.self, forKey: .maxPulsesAtCeiling)
        belowGMin = try c.decode(BelowGMinAction.self, forKey: .belowGMin)
        secondPass = try c.decode(Bool.self, forKey: .secondPass)
    }

    public enum Algorithm: String, Sendable, Hashable, Codable, CaseIterable {
        /// PCM iterative program-and-verify (Nandakumar 2019, Papandreou 2011).
        case pcmIterative = "pcm-iterative"
        /// Incremental step pulse with verify: fixed gate, rising SET amplitude (Milo 2021).
        case ispva
        /// Incremental gate voltage with verify: fixed SET amplitude, rising gate (Milo 2021).
        case igvva
        /// SET and RESET pulses both ramp, whichever direction the error needs (NeuRRAM, Wan 2022).
        case bipolarIncremental = "bipolar-incremental"
    }
}

/// A pulse amplitude that starts at `start_V` and rises by `step_V` per unsuccessful iteration up to `stop_V`.
extension ProgramVerify {
    /// Most program-verify iterations (and pulses at the ceiling) a spec may ask for per device: far
    /// beyond NeuRRAM's 50 (devices.md §2), far below what would stall a simulated chip.
    public static let maxIterationLimit = 10_000
}

public struct VoltageRamp: Sendable, Hashable, Codable {
    public var start_V: Double
    public var step_V: Double
    public var stop_V: Double

    public init(start_V: Double, step_V: Double, stop_V: Double) {
        self.start_V = start_V
        self.step_V = step_V
        self.stop_V = stop_V
    }

    /// Amplitude of the n-th pulse (n from 0), held at the ceiling once reached.
    public func amplitude_V(pulse n: Int) -> Double { min(start_V + Double(n) * step_V, stop_V) }

    /// Pulses needed to reach the ceiling, the point after which `max_pulses_at_ceiling` counts
    /// (a tolerance keeps 2.8 V / 0.1 V from rounding up to 29).
    /// Largest `stepsToCeiling` a valid spec may have: far above any real schedule (tens of
    /// pulses), and small enough that the count and sums of it stay integers.
    public static let maxStepsToCeiling = 1_000_000

    public var stepsToCeiling: Int { max(Int(((stop_V - start_V) / step_V - 1e-9).rounded(.up)), 0) }
}

/// Word-line (gate) voltages. ISPVA and bipolar schemes hold `set_V`; IGVVA raises it by `setStep_V`
/// up to `setStop_V`, which gives the smallest spread at a higher energy cost (Milo 2021).
public struct GateVoltages: Sendable, Hashable, Codable {
    public var set_V: Double
    /// Gate increment per iteration, IGVVA only.
    public var setStep_V: Double?
    /// Highest gate voltage, IGVVA only.
    public var setStop_V: Double?
    public var reset_V: Double

    public init(set_V: Double, setStep_V: Double? = nil, setStop_V: Double? = nil, reset_V: Double) {
        self.set_V = set_V
        self.setStep_V = setStep_V
        self.setStop_V = setStop_V
        self.reset_V = reset_V
    }

    enum CodingKeys: String, CodingKey {
        case set_V = "set_V"
        case setStep_V = "set_step_V"
        case setStop_V = "set_stop_V"
        case reset_V = "reset_V"
    }
}

/// Targets below g_min cannot be verified into a window; the tester instead drives the device down.
public enum BelowGMinAction: String, Sendable, Hashable, Codable, CaseIterable {
    /// RESET pulses until G ≤ g_min (NeuRRAM).
    case resetUntilBelow = "reset-until-below"
    /// One full RESET pulse to the amorphous state, no verify (PCM: the unused device of a pair).
    case fullReset = "full-reset"
    /// Program to g_min like any other target.
    case programToGMin = "program-to-g-min"
}
