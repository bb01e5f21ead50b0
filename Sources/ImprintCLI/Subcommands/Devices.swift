import ArgumentParser
import Devices
import Foundation

/// `imprint devices`: the device presets, one as JSON, or a user spec checked and normalised.
struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List device presets, print one as JSON, or check a device spec file.",
        discussion: """
            A device spec gives a technology's conductance range, acceptance window, program-verify
            schedule and statistical model. Start a spec of your own from a preset.

            Example:
              imprint devices                          # one line per preset
              imprint devices rram > my-rram.json      # a preset as JSON, to edit
              imprint devices --check my-rram.json     # validate; prints it normalised, or every error
              imprint devices --schema                 # formats/device.schema.json
            """
    )

    @Argument(help: "A preset to print as JSON (pcm, pcm-hermes, rram, rram-hfox).")
    var name: String?

    @Option(name: .customLong("check"), help: ArgumentHelp(
        "Validate a device spec JSON file; print it normalised, or list its errors and exit 1.",
        valueName: "file.json"))
    var checkFile: String?

    @Flag(help: "Print the JSON Schema of device spec files.")
    var schema = false

    func validate() throws {
        if [name != nil, checkFile != nil, schema].filter({ $0 }).count > 1 {
            throw ValidationError("Give a preset name, --check FILE or --schema, not several.")
        }
    }

    func run() throws {
        try reportingErrors {
            do throws(DeviceSpecError) {
                if schema {
                    print(DeviceSchema.jsonText, terminator: "")
                } else if let checkFile {
                    let spec = try DeviceSpec.load(contentsOf: URL(fileURLWithPath: checkFile), named: checkFile)
                    print(spec.jsonText, terminator: "")
                } else if let name {
                    print(try DeviceSpec.preset(named: name).jsonText, terminator: "")
                } else {
                    print(Self.listing())
                }
            } catch {
                // Several problems in one file: one `imprint: error:` line each.
                for line in error.lines { Terminal.standardError("imprint: error: \(line)") }
                throw ExitCode(1)
            }
        }
    }

    static func listing() -> String {
        let width = DeviceSpec.presetNames.map(\.count).max() ?? 0
        return DeviceSpec.presets.map { spec in
            let name = spec.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let range = "\(formatted(spec.gMin_uS))–\(formatted(spec.gMax_uS)) µS"
            let per = spec.devicesPerConductance == 1 ? "1 device" : "\(spec.devicesPerConductance) devices"
            let window: String = switch spec.acceptance {
            case .absolute(let w): "±\(formatted(w)) µS"
            case .relative(let p, _): "±\(formatted(p)) %"
            }
            return "\(name)  \(spec.technology.rawValue.uppercased().padding(toLength: 4, withPad: " ", startingAt: 0))"
                + "  \(range), \(per)/conductance, window \(window), \(spec.programVerify.algorithm.rawValue), model \(spec.model.kind)"
        }.joined(separator: "\n")
    }

    private static func formatted(_ d: Double) -> String {
        d == d.rounded() ? String(Int(d)) : String(d)
    }
}
