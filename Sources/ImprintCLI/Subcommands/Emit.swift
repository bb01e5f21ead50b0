import ArgumentParser
import FileSupport
import Foundation
import Plan

/// `imprint emit PLAN`: the plan as one record per device, in a format a tester script reads.
struct Emit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a plan's devices for a tester: one record per device (CSV, JSON Lines, protobuf, HDF5).",
        discussion: """
            Each record holds the device's address (array, row, col), layer and matrix position,
            role and significance, target (µS, Ω), acceptance window, force flag, weight per µS,
            programming order and pulse schedule: the weights can be rebuilt from the file alone.
            Fields are described in formats/tester-plan.md. CSV, JSONL and proto stream in constant
            memory; the plan's checksum is verified before the output is put in place.

            Example:
              imprint emit model.plan --format csv --output model.csv
              imprint emit model.plan --format hdf5 --output model.h5 --arrays 0,2,5-7
            """
    )

    @Argument(help: "The plan file written by `imprint compile`.")
    var plan: String

    @Option(help: "Output format: csv, jsonl, proto or hdf5.")
    var format: String

    @Option(help: "Output file (written atomically).")
    var output: String

    @Option(help: "Only these arrays, as indices and ranges, e.g. 0,2,5-7.")
    var arrays: String?

    func validate() throws {
        guard EmitFormat(rawValue: format) != nil else {
            throw ValidationError("unknown format '\(format)'; use one of \(EmitFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        try reportingErrors {
            let selection = try arrays.map { (text) throws(PlanFileError) in try ArraySelection(parsing: text) }
            let destination = try OutputDestination(output, inputs: [plan])
            let summary = try PlanEmitter.emit(planAt: URL(fileURLWithPath: plan), format: EmitFormat(rawValue: format)!,
                                               to: destination, arrays: selection)
            // With the records on standard output, the summary goes to standard error.
            (destination.kind == .standardOutput ? Terminal.standardError : { print($0) })("wrote \(grouped(summary.devices)) devices of \(summary.arrays.count) arrays to \(output) (\(format))")
        }
    }
}
