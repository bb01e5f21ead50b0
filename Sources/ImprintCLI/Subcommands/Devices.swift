import ArgumentParser
import Devices
import Foundation

/// `imprint devices`: the device presets, one as JSON, or a user spec checked and normalised.
struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List device presets, print one as JSON, or check a device spec file.",
        discussion: """
            A device spec gives a technology's conductance range, acceptance window, program-verify \
            schedule and statistical model. Start a spec of your own from a preset. A preset or a \
            checked spec is printed as JSON anyway; --json turns the list into a JSON document.

            Examples:

              imprint devices
              imprint devices rram > my-rram.json
              imprint devices --check my-rram.json
              imprint devices --schema
            """
    )

    @Argument(help: ArgumentHelp("A preset to print as JSON: \(DeviceSpec.presetNames.joined(separator: ", ")).", valueName: "preset"),
              completion: .list(DeviceSpec.presetNames))
    var name: String?

    @Option(name: .customLong("check"), help: ArgumentHelp(
        "Validate a device spec JSON file; print it normalised, or list its errors (exit 65).",
        valueName: "file.json"), completion: .file(extensions: ["json"]))
    var checkFile: String?

    @Flag(help: "Print the JSON Schema of device spec files.")
    var schema = false

    @Flag(help: "Print the preset list as one JSON document on stdout.")
    var json = false

    func validate() throws {
        if [name != nil, checkFile != nil, schema].filter({ $0 }).count > 1 {
            throw ValidationError("give a preset name, --check FILE or --schema, not several")
        }
    }

    func run() throws {
        if schema {
            print(DeviceSchema.jsonText, terminator: "")
        } else if let checkFile {
            try InputFiles.requireReadable(checkFile)
            print(try DeviceSpec.load(contentsOf: URL(fileURLWithPath: checkFile), named: checkFile).jsonText, terminator: "")
        } else if let name {
            print(try DeviceSpec.preset(named: name).jsonText, terminator: "")
        } else if json {
            try printDocument(DeviceListing())
        } else {
            print(Self.listing())
        }
    }

    static func listing() -> String {
        let width = DeviceSpec.presetNames.map(\.count).max() ?? 0
        return DeviceSpec.presets.map { spec in
            let name = spec.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let range = "\(formatted(spec.gMin_uS))–\(formatted(spec.gMax_uS)) µS"
            let window: String = switch spec.acceptance {
            case .absolute(let w): "±\(formatted(w)) µS"
            case .relative(let p, _): "±\(formatted(p)) %"
            }
            return "\(name)  \(spec.technology.rawValue.uppercased().padding(toLength: 4, withPad: " ", startingAt: 0))"
                + "  \(range), \(counted(spec.devicesPerConductance, "device"))/conductance, window \(window), \(spec.programVerify.algorithm.rawValue), model \(spec.model.kind)"
        }.joined(separator: "\n")
    }

    private static func formatted(_ d: Double) -> String {
        d == d.rounded() ? String(Int(d)) : String(d)
    }
}
