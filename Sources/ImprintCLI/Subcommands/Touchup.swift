import ArgumentParser
import FileSupport
import Foundation
import Plan
import TesterFiles
import TesterLoop

/// `imprint touchup PLAN --measured FILE`: the second programming pass, planned from a read-back.
struct Touchup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plan a touch-up from a tester's read-back: the devices to program again, in emit's record format.",
        discussion: """
            Joins the read-back to the plan by address (formats/tester-plan.md, "Read-back files") and \
            lists every device to program again, with its (possibly new) target, window and schedule \
            as `emit` writes them plus `measured_uS` and `reason`: `reprogram` (outside its window), \
            `retarget-partner` (a pair restored against its partner's measured conductance: the \
            partner overshot and lowering PCM costs a RESET, or the partner failed), `retarget-lsp` \
            (--pairs dual: the LSP written against the measured MSP). Devices that failed (success 0, \
            or pinned at a rail far from their target) are not listed; --defects-out writes them as a \
            defect map. The summary gives devices read, in window, re-targeted, re-programmed and \
            declared defective, and per layer the weight error rebuilt from the read-back and after \
            the touch-up (every listed device at its new target). Nothing is written on bad input.

            Examples:

              imprint touchup model.plan --measured readback.csv --output touchup.csv
              imprint touchup model.plan --measured readback.jsonl --output touchup.h5 \\
                  --format hdf5 --defects-out defects.csv --json
            """
    )

    @Argument(help: ArgumentHelp("The plan file written by `imprint compile`.", valueName: "plan"),
              completion: .file(extensions: ["plan"]))
    var plan: String

    @Option(help: ArgumentHelp("The tester's read-back: CSV or JSON Lines with array,row,col,measured_uS[,time_s,pulses,success].",
                               valueName: "file"),
            completion: .file(extensions: ["csv", "jsonl"]))
    var measured: String

    @Option(help: ArgumentHelp("The touch-up file (written atomically).", valueName: "file"),
            completion: .file(extensions: ["csv", "jsonl", "pb", "h5"]))
    var output: String

    @Option(help: "Output format (proto carries the programming fields only, not measured_uS and reason).")
    var format: EmitFormat = .csv

    @Option(name: .customLong("defects-out"),
            help: ArgumentHelp("Write the devices declared defective as a defect map (CSV).", valueName: "file"),
            completion: .file(extensions: ["csv"]))
    var defectsOut: String?

    @Flag(help: "Print the summary as one JSON document on stdout.")
    var json = false

    func validate() throws {
        try OutputFiles.check(output, option: "--output", what: "a touch-up file")
        try OutputFiles.check(defectsOut, option: "--defects-out", what: "a defect map")
        if let defectsOut, defectsOut == output { throw ValidationError("--defects-out and --output name the same file") }
    }

    func run() throws {
        try InputFiles.requireReadable(plan)
        try InputFiles.requireReadable(measured)
        let inputs = [plan, measured]
        let destination = try OutputDestination(output, inputs: inputs)
        let defectsDestination = try defectsOut.map { try OutputDestination($0, inputs: inputs) }
        let planURL = URL(fileURLWithPath: plan)
        let planValue = try PlanFile.read(planURL)
        let planSHA256 = SHA256Digest.hex(try SHA256Digest.hash(fileAt: planURL))
        let readback = try ReadBack.read(URL(fileURLWithPath: measured), plan: planValue, planSHA256: planSHA256)
        let writer = try TouchupWriter(header: planValue.header, format: format, to: destination, planSHA256: planSHA256)
        var (summary, defects) = try TouchupPlanner.touchup(planValue, measured: readback, writer: writer)
        if let defectsDestination {
            try DefectMap(defects: defects).write(to: defectsDestination, comments: [
                ("written by", "imprint touchup \(plan) --measured \(measured)"), ("plan_sha256", planSHA256),
            ])
        }
        try writer.finish()
        summary.plan = plan
        summary.measured = measured
        summary.output = output
        summary.format = format.rawValue
        summary.defectsOut = defectsOut
        if json {
            try printDocument(summary)
        } else {
            print("Touch-up of \(plan) (\(planValue.device.name), \(counted(planValue.deviceCount, "device"))) from \(measured)")
            for line in summary.text { print(line) }
        }
        if let defectsOut { Terminal.wrote(defectsOut, "defect map (\(counted(defects.count, "device")))") }
        Terminal.wrote(output, "touch-up file (\(counted(summary.listed, "device")))")
    }
}
