import ArgumentParser
import DeviceFit
import Devices
import FileSupport
import Foundation
import VerifyReport

/// `imprint fit DATA --technology pcm|rram --output SPEC.json`: a device spec from a lab's own
/// characterisation reads, with standard errors, provenance and goodness of fit.
struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a device spec to characterisation data (reads of programmed devices over time).",
        discussion: """
            DATA holds one record per read (formats/characterisation.md): device (or array,row,col), \
            target_uS, time_s, measured_uS, and optionally read. The fitted spec starts from --base \
            for what the data cannot tell (pulse schedule, windows) and passes `imprint devices \
            --check`; compile and verify take it as --device.

            Examples:

              imprint fit examples/characterisation/pcm.csv --technology pcm \\
                  --output fitted.json --report fit.html
              imprint compile examples/models/fmnist_cnn_k2.h5 \\
                  --device fitted.json --output cnn.plan
              imprint verify cnn.plan --data fashion-mnist --trials 3
            """
    )

    @Argument(help: ArgumentHelp("Characterisation data (.csv or .jsonl).", valueName: "data"),
              completion: .file(extensions: ["csv", "jsonl"]))
    var data: String

    @Option(help: "Device technology of the data.")
    var technology: Technology

    @Option(parsing: .unconditional,
            help: ArgumentHelp("PCM: time_s of the reference read after programming; drift counts from it. Default: the earliest time_s of the data.", valueName: "seconds"))
    var t0: Double?

    @Option(name: .customLong("g-max"), parsing: .unconditional,
            help: ArgumentHelp("g_max in µS. Default for PCM: the 99.5th percentile of the reference reads at the top target; for RRAM: the base spec's.", valueName: "µS"))
    var gMax: Double?

    @Option(help: ArgumentHelp("Spec for what the data cannot tell: a preset (\(DeviceSpec.presetNames.joined(separator: ", "))) or a JSON file. Default: pcm or rram-hfox.",
                               valueName: "preset|file.json"),
            completion: .presets(DeviceSpec.presetNames, orFilesEndingIn: "json"))
    var base: String?

    @Option(parsing: .unconditional, help: "Seed of the bootstrap over devices that gives the standard errors.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Bootstrap replicates (standard errors to about ±1/√(2·N)).")
    var bootstrap = 40

    @Option(parsing: .unconditional, help: "Threads for the bootstrap (default: all cores); the result is the same for any count.")
    var threads: Int?

    @Option(help: ArgumentHelp("Write the fitted device spec (atomically).", valueName: "spec.json"),
            completion: .file(extensions: ["json"]))
    var output: String

    @Option(help: ArgumentHelp("Write a self-contained HTML report: fitted curves against binned data with error bars, and the goodness-of-fit table.",
                               valueName: "fit.html"),
            completion: .file(extensions: ["html"]))
    var report: String?

    @Flag(help: "Print every fitted constant with its standard error, and the goodness of fit, as one JSON document on stdout.")
    var json = false

    func validate() throws {
        try OutputFiles.check(output, option: "--output", what: "the spec")
        try OutputFiles.check(report, option: "--report", what: "the report")
        if let t0, !(t0 > 0 && t0.isFinite) { throw ValidationError("--t0 must be a number of seconds > 0 (got \(t0))") }
        if let gMax, !(gMax > 0 && gMax.isFinite) { throw ValidationError("--g-max must be a number of µS > 0 (got \(gMax))") }
        if t0 != nil, technology != .pcm { throw ValidationError("--t0 applies to --technology pcm only (RRAM relaxation counts from programming)") }
        if !(1...10_000).contains(bootstrap) { throw ValidationError("--bootstrap must be between 1 and 10,000 (got \(bootstrap))") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
    }

    func run() throws {
        try InputFiles.requireReadable(data)
        let baseSpec = try DeviceSpec.load(presetOrPath: base ?? (technology == .pcm ? DeviceSpec.pcm.name : DeviceSpec.rramHfOx.name))
        if baseSpec.technology != technology {
            throw ValidationError("--base \(baseSpec.name) is a \(baseSpec.technology.rawValue) spec, but --technology is \(technology.rawValue)")
        }
        let inputs = [data] + (base.map { FileManager.default.fileExists(atPath: $0) ? [$0] : [] } ?? [])
        let outputDestination = try OutputDestination(output, inputs: inputs)
        let reportDestination = try report.map { try OutputDestination($0, inputs: inputs) }
        let start = Date()
        let characterisation = try CharacterisationData.load(url: URL(fileURLWithPath: data), name: data)
        let options = FitOptions(technology: technology, base: baseSpec, t0_s: t0, gMax_uS: gMax, seed: seed,
                                 bootstrapReplicates: bootstrap, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                 toolVersion: ImprintVersion.string)
        let result = try DeviceFitter.fit(characterisation, options: options)
        let writer = try AtomicFileWriter(outputDestination)
        let reportWriter = try reportDestination.map { try AtomicFileWriter($0) }
        try writer.write(Array(result.spec.jsonText.utf8))
        if let reportWriter { try reportWriter.write(Array(FitReport(result: result).html().utf8)) }
        try writer.commit()
        try reportWriter?.commit()
        let document = FitDocument(result, output: output, report: report, seconds: Date().timeIntervalSince(start))
        if json {
            try printDocument(document)
        } else {
            printSummary(result, seconds: document.seconds)
            Terminal.wrote(output, "device spec")
            if let report { Terminal.wrote(report, "report (HTML; open it in a browser)") }
        }
    }

    func printSummary(_ r: FitResult, seconds: Double) {
        let p = r.spec.provenance
        print("Data: \(data) (\(grouped(r.devices)) devices, \(grouped(p?.reads ?? 0)) reads, time \(formatNumber(p?.timeMin_s ?? 0))–\(formatNumber(p?.timeMax_s ?? 0)) s)")
        print("Fit: \(technology.rawValue), base \(base ?? (technology == .pcm ? "pcm" : "rram-hfox")), \(bootstrap) bootstrap replicates, seed \(seed)")
        print("Stuck: \(grouped(r.stuckLow)) low, \(grouped(r.stuckHigh)) high (left out of the fit)")
        print("")
        var rows = [["constant", "value", "std. error", "unit"]]
        for c in r.constants {
            rows.append([c.name, String(format: "%.6g", c.value), c.fitted ? c.standardError.map { String(format: "%.2g", $0) } ?? "—" : "not fitted", c.unit])
        }
        TextTable.render(rows, rightAligned: [1, 2]).forEach { print($0) }
        print("")
        let failed = r.goodness.filter(\.failed)
        print("Goodness of fit: \(r.goodness.count) target × time cells, Kolmogorov–Smirnov against the fitted model; \(failed.count) below p = \(String(format: "%.2g", 0.05 / Double(max(r.goodness.count, 1)))) (Bonferroni)")
        for c in failed.prefix(10) {
            print(String(format: "  failed: target %.4g µS at %.4g s: KS %.3f, p %.2g, mean %.4g vs %.4g µS, σ %.4g vs %.4g µS",
                         c.target_uS, c.time_s, c.ks, c.pValue, c.measuredMean_uS, c.modelMean_uS, c.measuredSigma_uS, c.modelSigma_uS))
        }
        for n in r.notes { print("Note: \(n)") }
        print(String(format: "Time: %.1f s", seconds))
    }
}

