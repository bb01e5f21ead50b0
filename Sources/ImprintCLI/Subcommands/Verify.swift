import ArgumentParser
import Datasets
import DeviceSimulation
import Devices
import FileSupport
import Foundation
import Plan
import TesterFiles
import Verifier
import VerifyReport

/// `imprint verify PLAN --data DATA`: Monte-Carlo accuracy of the programmed chip over time.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate programmed chips from a plan and report accuracy over time (Monte Carlo).",
        discussion: """
            Each trial programs every tile once (programming error, drift exponents, stuck \
            devices), then reads the chip at each time and runs the data set through the plan's \
            network with the simulated crossbars. The baseline is the plan's network as compiled \
            (clipped and snapped).

            Examples:

              imprint compile examples/models/fmnist_cnn_k2.h5 --device pcm \\
                  --output cnn.plan
              imprint verify cnn.plan --data fashion-mnist --times 1s,1d,1y \\
                  --trials 3 --compensation none,gdc,adabs --report cnn.html
              imprint verify cnn.plan --data fashion-mnist --json > result.json

            With a read-back of the programmed chip (formats/tester-plan.md, "Read-back files"), \
            every trial starts from the measured conductances and simulates only what happens \
            after the measurement (drift, relaxation, read noise):

              imprint verify cnn.plan --data fashion-mnist --measured readback.csv \\
                  --measured-at 60s --times 60s,1d,1y
            """
    )

    @Argument(help: ArgumentHelp("The programming plan (.plan).", valueName: "plan"),
              completion: .file(extensions: ["plan"]))
    var plan: String

    @OptionGroup var dataOptions: DataOptions

    @Option(parsing: .unconditional,   // so "--times -1h" reaches our one-line error, not the parser's
            help: ArgumentHelp("Times after programming, comma-separated: seconds or a number with a unit \(TimeParsing.unitList) (mo = y/12, y = 365.25 d). Example: 1s,1h,1d,1y",
                               valueName: "list"))
    var times = "1s,1h,1d,1y"

    @Option(parsing: .unconditional, help: "Programmed chips to simulate.")
    var trials = 10

    @Option(parsing: .unconditional,
            help: "Random seed; the same seed gives the same numbers with any --threads and --batch, and a time gives the same numbers alone or among other --times.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Drift compensations to report, comma-separated: none, gdc (one factor per layer), gdc-column (one per output), adabs (per-channel statistics re-estimated on the chip from --calibration). Example: none,gdc,adabs",
                               valueName: "list"),
            completion: .list(Compensation.allCases.map(\.rawValue)))
    var compensation = "none"

    @Option(help: ArgumentHelp("Calibration samples for adabs (like --data; labels not needed). Default: the first --calibration-limit samples of the data set's training split (fashion-mnist:train).",
                               valueName: "data"),
            completion: .dataSets)
    var calibration: String?

    @Option(parsing: .unconditional, help: "Calibration samples adabs uses (default 1000).")
    var calibrationLimit: Int?

    @Option(help: ArgumentHelp("Converters around each tile: ideal (exact products), default (7-bit DAC with per-sample abs-max scaling, 9-bit ADC saturating at ±12, output noise 0.06), or a JSON file with dac_bits, adc_bits, adc_bound, output_noise, ir_drop, wire_resistance_per_cell_ohm.",
                               valueName: "ideal|default|file.json"),
            completion: .presets(PeripheryPreset.allCases.map(\.rawValue), orFilesEndingIn: "json"))
    var periphery = PeripheryPreset.ideal.rawValue

    @Option(help: "frozen (one read per device and time), per-read (fresh noise for every product, exact), or off.")
    var readNoise: ReadNoiseMode = .frozen

    @Option(help: "RRAM plans only: pulse (every pulse of program-and-verify, the default) or statistical (fast).")
    var rramMode: RRAMMode?

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Probability that a device is stuck, split evenly between g_min and g_max (overrides the device spec).",
                               valueName: "p"))
    var stuckRate: Double?

    @Option(help: ArgumentHelp("A read-back of the programmed chip: CSV or JSON Lines with array,row,col,measured_uS and optionally time_s, pulses, success (formats/tester-plan.md). Every trial starts from these conductances instead of simulated programming.",
                               valueName: "file"),
            completion: .file(extensions: ["csv", "jsonl"]))
    var measured: String?

    @Option(parsing: .unconditional,
            help: ArgumentHelp("When the read-back was taken, after programming (a time like --times; default 0, the device model's reference read). A time_s column overrides it per device.",
                               valueName: "time"))
    var measuredAt: String?

    @Flag(help: "With --measured: accept a read-back without a record for every device; those devices are simulated as in a plain verify.")
    var partial = false

    @Option(help: ArgumentHelp("Simulate exactly these known stuck devices, a defect map (CSV array,row,col,kind[,value_uS]; formats/tester-plan.md), in every trial, on top of the spec's random stuck rates (--stuck-rate 0 for the map's faults alone).",
                               valueName: "file.csv"),
            completion: .file(extensions: ["csv", "jsonl"]))
    var defects: String?

    @Flag(help: "Print the result as one JSON document on stdout instead of the table (formats/verify.schema.json).")
    var json = false

    @Option(help: ArgumentHelp("Write the result document to a file as well (atomically).", valueName: "file.json"),
            completion: .file(extensions: ["json"]))
    var output: String?

    @Option(help: ArgumentHelp("Write a self-contained HTML report (atomically): accuracy over time, conductance histograms per device role, per-tile error map.",
                               valueName: "file.html"),
            completion: .file(extensions: ["html"]))
    var report: String?

    func validate() throws {
        try OutputFiles.check(output, option: "--output", what: "the result (use --json to print it on stdout)")
        try OutputFiles.check(report, option: "--report", what: "the report")
        if trials < 1 || trials > Verifier.maxTrials { throw ValidationError("--trials must be between 1 and \(Verifier.maxTrials.grouped) (got \(trials))") }
        if let stuckRate, !(stuckRate >= 0 && stuckRate <= 1) { throw ValidationError("--stuck-rate must be between 0 and 1 (got \(stuckRate))") }
        if let calibrationLimit, calibrationLimit < 1 { throw ValidationError("--calibration-limit must be at least 1 (got \(calibrationLimit))") }
        let timeList: [Double]
        do { timeList = try TimeParsing.list(times) } catch { throw ValidationError("--times: \(error)") }
        if timeList.count > Verifier.maxTimes {
            throw ValidationError("--times lists \(timeList.count) times; a run takes at most \(Verifier.maxTimes)")
        }
        let modes: [Compensation] = try OptionValues.parseList(compensation, option: "--compensation")
        if !modes.contains(.adabs) {
            if calibration != nil { throw ValidationError("--calibration applies to --compensation adabs only") }
            if calibrationLimit != nil { throw ValidationError("--calibration-limit applies to --compensation adabs only") }
        }
        if measured == nil {
            if measuredAt != nil { throw ValidationError("--measured-at applies to --measured only") }
            if partial { throw ValidationError("--partial applies to --measured only") }
        } else if !partial {
            // Every device comes from the read-back: nothing is programmed, so nothing can stick.
            if stuckRate != nil { throw ValidationError("--stuck-rate applies to simulated programming; with --measured it needs --partial (devices without a record)") }
            if rramMode != nil { throw ValidationError("--rram-mode applies to simulated programming; with --measured it needs --partial (devices without a record)") }
        }
        if let measuredAt {
            let at: Double
            do { at = try TimeParsing.seconds(measuredAt) } catch { throw ValidationError("--measured-at: \(error)") }
            if let early = timeList.first(where: { $0 < at }) {
                throw ValidationError("--times: \(TimeParsing.label(early)) is earlier than the measurement (--measured-at \(TimeParsing.label(at))); a simulation starts from what was measured")
            }
        }
        if PeripheryPreset(rawValue: periphery) == nil, !periphery.lowercased().hasSuffix(".json"),
           !FileManager.default.fileExists(atPath: periphery) {
            throw ValidationError("--periphery takes ideal, default or a .json file (got '\(periphery)')")
        }
    }

    func run() throws {
        try InputFiles.requireReadable(plan)
        if PeripheryPreset(rawValue: periphery) == nil { try InputFiles.requireReadable(periphery) }
        if let measured { try InputFiles.requireReadable(measured) }
        // Classified before anything is read or run: a bad path or an output that is an input fails now.
        let inputs = [plan, periphery] + (measured.map { [$0] } ?? []) + dataOptions.inputFiles + (calibration.map(DatasetLoader.files(of:)) ?? []) + (defects.map { [$0] } ?? [])
        let outputDestination = try output.map { try OutputDestination($0, inputs: inputs) }
        let reportDestination = try report.map { try OutputDestination($0, inputs: inputs) }
        let planValue = try PlanFile.read(URL(fileURLWithPath: plan))
        let planSHA256 = SHA256Digest.hex(try SHA256Digest.hash(fileAt: URL(fileURLWithPath: plan)))
        if rramMode != nil, planValue.device.technology != .rram {
            throw ValidationError("--rram-mode applies to RRAM plans; \(plan) is for \(planValue.device.technology.rawValue.uppercased()) device '\(planValue.device.name)'")
        }
        if planValue.isOffsetMode, !planValue.hasReferences, let shift = planValue.device.levelIndependentShiftPerLn_uS {
            Terminal.warning("\(plan): offset mode with a digital zero point on '\(planValue.device.name)', whose model shifts every device by "
                + String(format: "%g", shift) + " µS per ln t: the shift becomes a weight offset that compensation cannot undo; compile with --pairs offset --reference column")
        }
        var options = try verifierOptions()
        if let measured { options.measured = try readBack(measured, plan: planValue, planSHA256: planSHA256, times: options.times_s) }
        var known: VerificationDocument.KnownFaults? = nil
        if let defects {
            let map = try DefectMap.read(defects)
            options.knownFaults = try TileFaults.of(plan: planValue, defects: map.defects, file: defects)
            known = .init(defectMap: defects, defectMapSHA256: map.sha256, devices: options.knownFaults.reduce(0) { $0 + $1.count })
        } else if planValue.tiles.contains(where: { !$0.stuckDevices.isEmpty }) {
            known = .init(defectMap: nil, defectMapSHA256: nil, devices: planValue.tiles.reduce(0) { $0 + $1.stuckDevices.count })
        }
        let set = try dataOptions.load()
        if set.labels == nil { throw ValidationError("\(dataOptions.data) has no labels, and verify needs them to measure accuracy; give --labels") }
        let verifier = try Verifier(plan: planValue, options: options)
        try verifier.check(set)
        let calibrationSet = options.compensations.contains(.adabs) ? try calibrationData() : nil
        // Open the destinations before the long run, so a bad path fails fast and nothing is written.
        let writer = try outputDestination.map { try AtomicFileWriter($0) }
        let reportWriter = try reportDestination.map { try AtomicFileWriter($0) }
        let start = Date()
        var bar: ProgressBar? = nil
        let result = try verifier.run(set, calibration: calibrationSet) { done, total in
            if bar == nil { bar = ProgressBar(total: total, label: "verify") }
            bar?.update(done: done)
        }
        bar?.finish()
        let document = VerificationDocument(result, options: options, plan: plan, planSHA256: planSHA256,
                                            toolVersion: ImprintVersion.string, data: set.source, device: planValue.device.name,
                                            calibration: calibrationSet, testerTimes: documentTesterTimes(result.programming, plan: planValue),
                                            output: output, report: report, knownFaults: known)
        if let writer {
            try writer.write(try JSONDocument.text(document))
            try writer.commit()
        }
        if let reportWriter {
            try reportWriter.write(VerifyReport(document: document, result: result, network: planValue.network.name,
                                                layerNames: planValue.layers.map(\.node)).html())
            try reportWriter.commit()
        }
        if json {
            try printDocument(document)
        } else {
            printTable(result, plan: planValue, set: set, calibration: calibrationSet, options: options, seconds: Date().timeIntervalSince(start),
                       knownFaults: known)
            if let output { Terminal.wrote(output, "result (JSON)") }
            if let report { Terminal.wrote(report, "report (HTML; open it in a browser)") }
        }
    }

    func verifierOptions() throws -> VerifierOptions {
        var o = VerifierOptions()
        o.times_s = try TimeParsing.list(times)
        o.trials = trials
        o.seed = seed
        o.compensations = try OptionValues.parseList(compensation, option: "--compensation")
        o.readNoise = readNoise
        if let rramMode { o.rramMode = rramMode }
        if let stuckRate { o.stuckRates = StuckRates(atGMin_probability: stuckRate / 2, atGMax_probability: stuckRate / 2) }
        if let threads = dataOptions.threads { o.threads = threads }
        o.batchSize = dataOptions.batch
        o.pixelScale = dataOptions.pixelScale
        o.periphery = try Periphery.named(periphery)
        return o
    }

    /// `--measured`, joined to the plan; `--times` must not precede a `time_s` of the file.
    func readBack(_ file: String, plan: Plan, planSHA256: String, times: [Double]) throws -> Measured {
        let at = try measuredAt.map { try TimeParsing.seconds($0) } ?? 0
        let m: Measured
        do {
            m = try ReadBack.read(URL(fileURLWithPath: file), plan: plan, planSHA256: planSHA256, measuredAt_s: at, partial: partial)
        } catch .missingDevices(let file, let count, let first) {
            throw CLIFailure(.dataError, ReadBackError.missingDevices(file: file, count: count, first: first).description
                             + "; give --partial to simulate them as in a plain verify")
        } catch {
            throw error
        }
        let latest = m.latestTime_s
        if let early = times.first(where: { $0 < latest }) {
            throw CLIFailure.usage("--times: \(TimeParsing.label(early)) is earlier than the measurement (\(TimeParsing.label(latest)) after programming, from the time_s column of \(file)); a simulation starts from what was measured")
        }
        return m
    }

    /// `--calibration`, or the training split of a named data set, limited to `--calibration-limit`.
    func calibrationData() throws -> Dataset {
        let limit = calibrationLimit ?? 1000
        if let calibration {
            try InputFiles.requireReadable(data: calibration)
            return try DatasetLoader.load(calibration).prefix(limit)
        }
        guard let name = DatasetLoader.trainingSplit(of: dataOptions.data) else {
            throw ValidationError("--compensation adabs needs calibration samples: give --calibration DATA (\(dataOptions.data) has no training split imprint knows)")
        }
        return try DatasetLoader.load(name).prefix(limit)
    }
}
