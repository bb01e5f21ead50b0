import ArgumentParser
import FileSupport
import Foundation
import Plan
import TesterFiles

/// `imprint emit PLAN`: the plan as one record per device, in a format a tester script reads.
struct Emit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a plan's devices for a tester: one record per device (CSV, JSON Lines, protobuf, HDF5).",
        discussion: """
            Each record holds the device's address (array, row, col), layer and matrix position, \
            role and significance, target (µS, Ω), acceptance window, force flag, weight per µS, \
            programming order and pulse schedule: the weights can be rebuilt from the file alone. \
            Fields are described in formats/tester-plan.md. CSV, JSONL and proto stream in constant \
            memory; the plan's checksum is verified before the output is put in place.

            Examples:

              imprint emit model.plan --format csv --output model.csv
              imprint emit model.plan --format hdf5 --output model.h5 \\
                  --arrays 0,2,5-7
            """
    )

    @Argument(help: ArgumentHelp("The plan file written by `imprint compile`.", valueName: "plan"),
              completion: .file(extensions: ["plan"]))
    var plan: String

    @Option(help: "Output format.")
    var format: EmitFormat

    @Option(help: ArgumentHelp("Output file (written atomically).", valueName: "file"),
            completion: .file(extensions: ["csv", "jsonl", "pb", "h5"]))
    var output: String

    @Option(help: ArgumentHelp("Only these arrays, as indices and ranges, e.g. 0,2,5-7.", valueName: "list"))
    var arrays: String?

    @Flag(help: "Print what was written (devices, arrays, format, output) as one JSON document on stdout.")
    var json = false

    func run() throws {
        try InputFiles.requireReadable(plan)
        let selection = try arrays.map { (text) throws(PlanFileError) in try ArraySelection(parsing: text) }
        let destination = try OutputDestination(output, inputs: [plan])
        if format == .proto || format == .hdf5 {
            try OutputFiles.refuseBinaryOnTerminal(destination, what: "a \(format.rawValue) tester file")
        }
        var summary = try PlanEmitter.emit(planAt: URL(fileURLWithPath: plan), format: format, to: destination, arrays: selection)
        summary.output = output
        let text = "\(counted(summary.devices, "device")) of \(counted(summary.arrays.count, "array")) (\(format.rawValue))"
        if destination.kind == .standardOutput {
            // The records are on standard output, so the summary goes to standard error.
            Terminal.standardError(json ? try JSONDocument.text(summary) : text)
            Terminal.wrote("standard output", "tester file")
        } else if json {
            try printDocument(summary)
        } else {
            print(text)
            Terminal.wrote(output, "tester file")
        }
    }
}
