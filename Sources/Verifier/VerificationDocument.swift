import Datasets
import Plan

/// What `imprint verify` reports, as the JSON document `--json` prints and `--output` writes
/// (`formats/verify.schema.json` describes every key). Built here, beside the result, so an
/// ImprintKit user gets exactly what the command line writes. Accuracies are fractions (0–1).
public struct VerificationDocument: Sendable, Equatable, Encodable {
    public struct Periphery: Sendable, Equatable, Encodable {
        public var dacBits: Int?
        public var adcBits: Int?
        public var adcBound: Double?
        public var outputNoise: Double
        public var irDrop: Bool
        public var wireResistancePerCell_ohm: Double?

        enum CodingKeys: String, CodingKey {
            case dacBits = "dac_bits", adcBits = "adc_bits", adcBound = "adc_bound", outputNoise = "output_noise"
            case irDrop = "ir_drop", wireResistancePerCell_ohm = "wire_resistance_per_cell_ohm"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(dacBits, forKey: .dacBits); try c.encode(adcBits, forKey: .adcBits)
            try c.encode(adcBound, forKey: .adcBound); try c.encode(outputNoise, forKey: .outputNoise)
            try c.encode(irDrop, forKey: .irDrop); try c.encode(wireResistancePerCell_ohm, forKey: .wireResistancePerCell_ohm)
        }
    }

    public struct Calibration: Sendable, Equatable, Encodable {
        public var source: String
        public var samples: Int
    }

    public struct Result: Sendable, Equatable, Encodable {
        public var time_s: Double
        public var compensation: String
        public var accuracyMean: Double
        public var accuracyStd: Double
        public var accuracyMin: Double
        public var accuracyPerTrial: [Double]

        enum CodingKeys: String, CodingKey {
            case time_s, compensation, accuracyMean = "accuracy_mean", accuracyStd = "accuracy_std"
            case accuracyMin = "accuracy_min", accuracyPerTrial = "accuracy_per_trial"
        }
    }

    /// Programming statistics; the tester-time estimate is the compiler's model, given by the caller.
    public struct Programming: Sendable, Equatable, Encodable {
        public var devices: Int
        /// Fraction of programmed devices inside their acceptance window.
        public var successRate: Double
        /// Pulses per device; nil when the device model gives no pulse counts (PCM).
        public var meanPulses: Double?
        public var maxPulses: Int?
        /// Stuck devices summed over all trials.
        public var stuckDevices: Int
        public var estimatedTesterTime_s: Double
        public var estimatedTesterPulses: Double
        public var estimatedTesterReads: Double
        /// "simulated_pulses" or "pulse_schedule".
        public var testerTimeSource: String

        enum CodingKeys: String, CodingKey {
            case devices, successRate = "success_rate", meanPulses = "mean_pulses", maxPulses = "max_pulses"
            case stuckDevices = "stuck_devices", estimatedTesterTime_s = "estimated_tester_time_s"
            case estimatedTesterPulses = "estimated_tester_pulses", estimatedTesterReads = "estimated_tester_reads"
            case testerTimeSource = "tester_time_source"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(devices, forKey: .devices); try c.encode(successRate, forKey: .successRate)
            try c.encode(meanPulses, forKey: .meanPulses); try c.encode(maxPulses, forKey: .maxPulses)
            try c.encode(stuckDevices, forKey: .stuckDevices); try c.encode(estimatedTesterTime_s, forKey: .estimatedTesterTime_s)
            try c.encode(estimatedTesterPulses, forKey: .estimatedTesterPulses)
            try c.encode(estimatedTesterReads, forKey: .estimatedTesterReads)
            try c.encode(testerTimeSource, forKey: .testerTimeSource)
        }
    }

    /// The compiler's tester-time estimate for one chip (Verifier does not depend on Compiler).
    public struct TesterTime: Sendable, Equatable {
        public var seconds: Double
        public var pulses: Double
        public var reads: Double
        public var source: String
        public init(seconds: Double, pulses: Double, reads: Double, source: String) {
            self.seconds = seconds; self.pulses = pulses; self.reads = reads; self.source = source
        }
    }

    public struct Layer: Sendable, Equatable, Encodable {
        public var node: String
        public var rows: Int
        public var columns: Int
        public var groups: Int
        public var tiles: Int
        /// ‖y_analog − y_exact‖ / ‖y_exact‖ at each time, in the order of `times_s`.
        public var relativeError: [Double]

        enum CodingKeys: String, CodingKey { case node, rows, columns, groups, tiles, relativeError = "relative_error" }
    }

    public struct LayerErrorSetting: Sendable, Equatable, Encodable {
        public var compensation: String
        public var samples: Int
    }

    /// The plan and data as the user named them.
    public var plan: String
    public var data: String
    public var device: String
    public var baselineAccuracy: Double
    public var samples: Int
    public var trials: Int
    public var seed: UInt64
    public var times_s: [Double]
    public var readNoise: String
    public var periphery: Periphery
    public var calibration: Calibration?
    public var results: [Result]
    public var programming: Programming
    public var layers: [Layer]
    public var layerError: LayerErrorSetting
    /// Files written by the run (JSON result, HTML report), nil when not asked for.
    public var output: String?
    public var report: String?

    enum CodingKeys: String, CodingKey {
        case plan, data, device, baselineAccuracy = "baseline_accuracy", samples, trials, seed, times_s
        case readNoise = "read_noise", periphery, calibration, results, programming, layers
        case layerError = "layer_error", output, report
    }

    public init(_ r: VerificationResult, options: VerifierOptions, plan: String, data: String, device: String,
                calibration: Dataset?, testerTime t: TesterTime, output: String? = nil, report: String? = nil) {
        self.plan = plan
        self.data = data
        self.device = device
        baselineAccuracy = r.baselineAccuracy
        samples = r.samples
        trials = options.trials
        seed = options.seed
        times_s = options.times_s
        readNoise = options.readNoise.rawValue
        let q = options.periphery
        periphery = Periphery(dacBits: q.inputBits, adcBits: q.outputBits, adcBound: q.outputBound.isFinite ? q.outputBound : nil,
                              outputNoise: q.outputNoise, irDrop: q.wireResistancePerCell_ohm != nil,
                              wireResistancePerCell_ohm: q.wireResistancePerCell_ohm)
        self.calibration = calibration.map { Calibration(source: $0.source, samples: $0.count) }
        results = r.results.map {
            Result(time_s: $0.time_s, compensation: $0.compensation.rawValue, accuracyMean: $0.mean, accuracyStd: $0.std,
                   accuracyMin: $0.min, accuracyPerTrial: $0.accuracyPerTrial)
        }
        let p = r.programming
        programming = Programming(devices: p.devices, successRate: p.successRate,
                                  meanPulses: p.pulses > 0 ? p.meanPulses : nil, maxPulses: p.pulses > 0 ? p.maxPulses : nil,
                                  stuckDevices: p.stuck, estimatedTesterTime_s: t.seconds, estimatedTesterPulses: t.pulses,
                                  estimatedTesterReads: t.reads, testerTimeSource: t.source)
        layers = r.layers.map {
            Layer(node: $0.node, rows: $0.matrix.rows, columns: $0.matrix.columns, groups: $0.matrix.groups,
                  tiles: $0.tiles, relativeError: $0.relativeError)
        }
        layerError = LayerErrorSetting(compensation: options.layerErrorCompensation.rawValue,
                                       samples: min(r.samples, Verifier.layerErrorSamples))
        self.output = output
        self.report = report
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(plan, forKey: .plan); try c.encode(data, forKey: .data); try c.encode(device, forKey: .device)
        try c.encode(baselineAccuracy, forKey: .baselineAccuracy); try c.encode(samples, forKey: .samples)
        try c.encode(trials, forKey: .trials); try c.encode(seed, forKey: .seed); try c.encode(times_s, forKey: .times_s)
        try c.encode(readNoise, forKey: .readNoise); try c.encode(periphery, forKey: .periphery)
        try c.encode(calibration, forKey: .calibration); try c.encode(results, forKey: .results)
        try c.encode(programming, forKey: .programming); try c.encode(layers, forKey: .layers)
        try c.encode(layerError, forKey: .layerError); try c.encode(output, forKey: .output); try c.encode(report, forKey: .report)
    }
}
