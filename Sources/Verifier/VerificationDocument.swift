import Foundation
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

    /// Programming statistics per chip (mean over the simulated chips), and the tester time of one chip.
    public struct Programming: Sendable, Equatable, Encodable {
        public var chips: Int
        public var devicesPerChip: Int
        /// Fraction of devices whose programmed conductance lies inside the plan's acceptance window.
        public var inWindowFraction: Double?
        /// Fraction the verify loop reported successful; nil when the device model has no verify outcome.
        public var verifySuccessFraction: Double?
        /// Pulses per device; nil when the device model gives no pulse counts (PCM).
        public var meanPulsesPerDevice: Double?
        public var maxPulses: Int?
        public var stuckDevicesPerChip: Double
        public var testerTimePerChip: TesterTimes

        enum CodingKeys: String, CodingKey {
            case chips, devicesPerChip = "devices_per_chip", inWindowFraction = "in_window_fraction"
            case verifySuccessFraction = "verify_success_fraction", meanPulsesPerDevice = "mean_pulses_per_device"
            case maxPulses = "max_pulses", stuckDevicesPerChip = "stuck_devices_per_chip", testerTimePerChip = "tester_time_per_chip"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(chips, forKey: .chips); try c.encode(devicesPerChip, forKey: .devicesPerChip)
            try c.encode(inWindowFraction, forKey: .inWindowFraction)
            try c.encode(verifySuccessFraction, forKey: .verifySuccessFraction)
            try c.encode(meanPulsesPerDevice, forKey: .meanPulsesPerDevice); try c.encode(maxPulses, forKey: .maxPulses)
            try c.encode(stuckDevicesPerChip, forKey: .stuckDevicesPerChip); try c.encode(testerTimePerChip, forKey: .testerTimePerChip)
        }
    }

    /// One tester-time figure: the compiler's time model (Verifier does not depend on Compiler).
    public struct TesterTime: Sendable, Equatable, Encodable {
        public var seconds: Double
        public var pulses: Double
        public var verifyReads: Double
        enum CodingKeys: String, CodingKey { case seconds, pulses, verifyReads = "verify_reads" }
        public init(seconds: Double, pulses: Double, verifyReads: Double) {
            self.seconds = seconds; self.pulses = pulses; self.verifyReads = verifyReads
        }
    }

    /// The estimate from the device's pulse schedule, and the same model fed with the simulated pulse
    /// counts where the device model gives them.
    public struct TesterTimes: Sendable, Equatable, Encodable {
        public var scheduleEstimate: TesterTime
        public var simulatedPulses: TesterTime?
        enum CodingKeys: String, CodingKey { case scheduleEstimate = "schedule_estimate", simulatedPulses = "simulated_pulses" }
        public init(scheduleEstimate: TesterTime, simulatedPulses: TesterTime?) {
            self.scheduleEstimate = scheduleEstimate; self.simulatedPulses = simulatedPulses
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(scheduleEstimate, forKey: .scheduleEstimate); try c.encode(simulatedPulses, forKey: .simulatedPulses)
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

    /// Devices simulated as known stuck in every chip (a defect map, and the plan's recorded ones).
    public struct KnownFaults: Sendable, Equatable, Encodable {
        /// The defect map given to verify, nil when only the plan's recorded stuck devices are simulated.
        public var defectMap: String?
        public var defectMapSHA256: String?
        public var devices: Int
        enum CodingKeys: String, CodingKey { case defectMap = "defect_map", defectMapSHA256 = "defect_map_sha256", devices }
        public init(defectMap: String?, defectMapSHA256: String?, devices: Int) {
            self.defectMap = defectMap; self.defectMapSHA256 = defectMapSHA256; self.devices = devices
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(defectMap, forKey: .defectMap); try c.encode(defectMapSHA256, forKey: .defectMapSHA256)
            try c.encode(devices, forKey: .devices)
        }
    }

    public struct LayerErrorSetting: Sendable, Equatable, Encodable {
        public var compensation: String
        public var samples: Int
    }

    /// The plan and data as the user named them.
    public var plan: String
    /// SHA-256 of the plan file (what `sha256sum` prints), so a result names exactly the plan it judged.
    public var planSHA256: String
    /// The Imprint version that ran the verification, and when (ISO 8601, UTC).
    public var toolVersion: String
    public var date: String
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
    /// Known stuck devices simulated in every chip; nil when there are none.
    public var knownFaults: KnownFaults?
    public var results: [Result]
    public var programming: Programming
    public var layers: [Layer]
    public var layerError: LayerErrorSetting
    /// Files written by the run (JSON result, HTML report), nil when not asked for.
    public var output: String?
    public var report: String?
    /// With a read-back (`verify --measured`): how it compares with the targets; nil otherwise.
    public var measured: MeasuredComparison?

    enum CodingKeys: String, CodingKey {
        case plan, planSHA256 = "plan_sha256", toolVersion = "tool_version", date
        case data, device, baselineAccuracy = "baseline_accuracy", samples, trials, seed, times_s
        case readNoise = "read_noise", periphery, calibration, results, programming, layers
        case layerError = "layer_error", output, report, measured, knownFaults = "known_faults"
    }

    public init(_ r: VerificationResult, options: VerifierOptions, plan: String, planSHA256: String, toolVersion: String,
                date: Date = Date(), data: String, device: String,
                calibration: Dataset?, testerTimes: TesterTimes, output: String? = nil, report: String? = nil,
                knownFaults: KnownFaults? = nil) {
        self.knownFaults = knownFaults
        self.plan = plan
        self.planSHA256 = planSHA256
        self.toolVersion = toolVersion
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime]
        format.timeZone = TimeZone(identifier: "UTC")
        self.date = format.string(from: date)
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
        programming = Programming(chips: p.chips, devicesPerChip: p.devicesPerChip,
                                  inWindowFraction: p.devices > 0 ? p.inWindowFraction : nil,
                                  verifySuccessFraction: p.verifySuccessFraction, meanPulsesPerDevice: p.meanPulses,
                                  maxPulses: p.meanPulses != nil ? p.maxPulses : nil, stuckDevicesPerChip: p.stuckPerChip,
                                  testerTimePerChip: testerTimes)
        layers = r.layers.map {
            Layer(node: $0.node, rows: $0.matrix.rows, columns: $0.matrix.columns, groups: $0.matrix.groups,
                  tiles: $0.tiles, relativeError: $0.relativeError)
        }
        layerError = LayerErrorSetting(compensation: options.layerErrorCompensation.rawValue,
                                       samples: min(r.samples, Verifier.layerErrorSamples))
        self.output = output
        self.report = report
        measured = r.measured
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(plan, forKey: .plan); try c.encode(planSHA256, forKey: .planSHA256)
        try c.encode(toolVersion, forKey: .toolVersion); try c.encode(date, forKey: .date); try c.encode(data, forKey: .data); try c.encode(device, forKey: .device)
        try c.encode(baselineAccuracy, forKey: .baselineAccuracy); try c.encode(samples, forKey: .samples)
        try c.encode(trials, forKey: .trials); try c.encode(seed, forKey: .seed); try c.encode(times_s, forKey: .times_s)
        try c.encode(readNoise, forKey: .readNoise); try c.encode(periphery, forKey: .periphery)
        try c.encode(calibration, forKey: .calibration); try c.encode(results, forKey: .results)
        try c.encode(programming, forKey: .programming); try c.encode(layers, forKey: .layers)
        try c.encode(layerError, forKey: .layerError); try c.encode(output, forKey: .output); try c.encode(report, forKey: .report)
        try c.encode(measured, forKey: .measured)
        try c.encode(knownFaults, forKey: .knownFaults)
    }
}
