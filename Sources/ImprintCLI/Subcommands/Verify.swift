import ArgumentParser
import Datasets
import DeviceSimulation
import Devices
import FileSupport
import Foundation
import Plan
import Verifier
import VerifyReport

/// `imprint verify PLAN --data DATA`: Monte-Carlo accuracy of the programmed chip over time.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate programmed chips from a plan and report accuracy over time (Monte Carlo).",
        discussion: """
            Each trial programs every tile once (programming error, drift exponents, stuck devices), \
            then reads the chip at each time and runs the data set through the plan's network with the \
            simulated crossbars. The baseline is the plan's network as compiled (clipped and snapped).

            Example:
              imprint compile examples/models/fmnist_cnn_k2.h5 --device pcm --output cnn.plan
              imprint verify cnn.plan --data fashion-mnist --times 1s,1d,1y --trials 3 --compensation none,gdc,adabs --report cnn.html
            """
    )

    @Argument(help: ArgumentHelp("The programming plan (.plan).", valueName: "plan"))
    var plan: String

    @OptionGroup var dataOptions: DataOptions

    @Option(parsing: .unconditional,   // so "--times -1h" reaches our one-line error, not the parser's
            help: ArgumentHelp("Times after programming, comma-separated: seconds or a number with s, min, h, d, w, y (a year is 365.25 d). Example: 1s,1h,1d,1y",
                               valueName: "list"))
    var times = "1s,1h,1d,1y"

    @Option(help: "Programmed chips to simulate.")
    var trials = 10

    @Option(help: "Random seed; the same seed gives the same numbers with any thread count (and any batch size that is a multiple of 64).")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Drift compensations to report, comma-separated: none, gdc (one factor per layer), gdc-column (one per output), adabs (per-channel statistics re-estimated on the chip from --calibration). Example: none,gdc,adabs",
                               valueName: "list"))
    var compensation = "none"

    @Option(help: ArgumentHelp("Calibration samples for adabs (like --data; labels not needed). Default: the first --calibration-limit images of the data set's training split (fashion-mnist:train).",
                               valueName: "data"))
    var calibration: String?

    @Option(help: "Calibration samples adabs uses.")
    var calibrationLimit = 1000

    @Option(help: ArgumentHelp("Converters around each tile: ideal (exact products), default (7-bit DAC with per-sample abs-max scaling, 9-bit ADC saturating at ±12, output noise 0.06), or a JSON file with dac_bits, adc_bits, adc_bound, output_noise, ir_drop, wire_resistance_per_cell_ohm.",
                               valueName: "ideal|default|file.json"))
    var periphery = "ideal"

    @Option(help: ArgumentHelp("frozen (one read per device and time), per-read (fresh noise for every product, exact), or off.",
                               valueName: "mode"))
    var readNoise = "frozen"

    @Option(help: ArgumentHelp("RRAM programming: pulse (every pulse of program-and-verify) or statistical (fast).", valueName: "mode"))
    var rramMode = "pulse"

    @Option(help: ArgumentHelp("Probability that a device is stuck, split evenly between g_min and g_max (overrides the device spec).",
                               valueName: "p"))
    var stuckRate: Double?

    @Option(help: ArgumentHelp("Write the results as JSON (atomically).", valueName: "file.json"))
    var json: String?

    @Option(help: ArgumentHelp("Write a self-contained HTML report (atomically): accuracy over time, conductance histograms per device role, per-tile error map. Example: --report verify.html",
                               valueName: "file.html"))
    var report: String?

    func validate() throws {
        if trials < 1 || trials > Verifier.maxTrials { throw ValidationError("--trials must be between 1 and \(Verifier.maxTrials.grouped)") }
        if let stuckRate, !(stuckRate >= 0 && stuckRate <= 1) { throw ValidationError("--stuck-rate must be between 0 and 1") }
        if calibrationLimit < 1 { throw ValidationError("--calibration-limit must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            // Classified before anything is read or run: a bad path or an output that is an input fails now.
            let inputs = [plan, periphery] + dataOptions.inputFiles + (calibration.map(DatasetLoader.files(of:)) ?? [])
            let jsonDestination = try json.map { try OutputDestination($0, inputs: inputs) }
            let reportDestination = try report.map { try OutputDestination($0, inputs: inputs) }
            let options = try verifierOptions()
            let planValue = try PlanFile.read(URL(fileURLWithPath: plan))
            let set = try dataOptions.load()
            let verifier = try Verifier(plan: planValue, options: options)
            try verifier.check(set)
            let calibrationSet = try options.compensations.contains(.adabs) ? calibrationData() : nil
            // Open the JSON destination before the long run, so a bad path fails fast and nothing is written.
            let writer = try jsonDestination.map { try AtomicFileWriter($0) }
            let reportWriter = try reportDestination.map { try AtomicFileWriter($0) }
            let start = Date()
            var bar: ProgressBar? = nil
            let result = try verifier.run(set, calibration: calibrationSet) { done, total in
                if bar == nil { bar = ProgressBar(total: total, label: "verify") }
                bar?.update(done: done)
            }
            bar?.finish()
            printTable(result, plan: planValue, set: set, calibration: calibrationSet, options: options, seconds: Date().timeIntervalSince(start))
            if let writer {
                try writer.write(jsonText(jsonDocument(result, plan: planValue, calibration: calibrationSet, options: options)) + "\n")
                try writer.commit()
            }
            if let reportWriter {
                try reportWriter.write(htmlReport(result, plan: planValue, set: set, options: options).html())
                try reportWriter.commit()
            }
        }
    }

    func verifierOptions() throws -> VerifierOptions {
        var o = VerifierOptions()
        o.times_s = try TimeParsing.list(times)
        o.trials = trials
        o.seed = seed
        var modes = [Compensation]()
        for name in compensation.split(separator: ",", omittingEmptySubsequences: false) {
            guard let mode = Compensation(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw VerifierError("unknown compensation '\(name)'; use none, gdc, gdc-column or adabs")
            }
            if !modes.contains(mode) { modes.append(mode) }
        }
        o.compensations = modes
        guard let noise = ReadNoiseMode(rawValue: readNoise) else {
            throw VerifierError("unknown read-noise mode '\(readNoise)'; use frozen, per-read or off")
        }
        o.readNoise = noise
        guard let rram = RRAMMode(rawValue: rramMode) else {
            throw VerifierError("unknown RRAM mode '\(rramMode)'; use pulse or statistical")
        }
        o.rramMode = rram
        if let stuckRate { o.stuckRates = StuckRates(atGMin_probability: stuckRate / 2, atGMax_probability: stuckRate / 2) }
        if let threads = dataOptions.threads { o.threads = threads }
        o.batchSize = dataOptions.batch
        o.pixelScale = dataOptions.pixelScale
        o.periphery = try Periphery.named(periphery)
        return o
    }

    /// `--calibration`, or the training split of a named data set, limited to `--calibration-limit`.
    func calibrationData() throws -> Dataset {
        let name: String
        if let calibration { name = calibration }
        else if dataOptions.data == "fashion-mnist" || dataOptions.data == "fashion-mnist:test" { name = "fashion-mnist:train" }
        else { throw VerifierError("adabs needs calibration samples: give --calibration DATA (\(dataOptions.data) has no training split imprint knows)") }
        return try DatasetLoader.load(name).prefix(calibrationLimit)
    }
}
