import ArgumentParser
import Foundation
import DeviceSimulation
import Devices
import Plan
import TesterFiles
import Verifier

// Enum-valued options parse straight into the library's enums, so `--help` lists their values,
// shells complete them, and a bad value is a usage error (64) before anything runs.
extension ScaleMode: ExpressibleByArgument {}
extension EmitFormat: ExpressibleByArgument {}
extension ReadNoiseMode: ExpressibleByArgument {}
extension RRAMMode: ExpressibleByArgument {}
extension Technology: ExpressibleByArgument {}

/// `--pairs`: a `PairMode` without its factor, which `--significance` gives.
enum PairsArgument: String, CaseIterable, ExpressibleByArgument {
    case single, offset, dual
}

/// `--reference`: what an offset-mode weight is read against.
enum ReferenceArgument: String, CaseIterable, ExpressibleByArgument {
    /// Reference bit lines on every tile, programmed to the zero point and read with the weights.
    case column
    /// The fixed digital zero point.
    case digital
}

/// The `--periphery` presets (besides a JSON file).
enum PeripheryPreset: String, CaseIterable {
    case ideal, `default`
}

extension CompletionKind {
    /// Completes the given preset names and the JSON files of the current folder.
    static func presets(_ names: [String], orFilesEndingIn ext: String) -> CompletionKind {
        .shellCommand("printf '%s\\n' \(names.joined(separator: " ")); ls -1 -- *.\(ext) 2>/dev/null")
    }

    static var dataSets: CompletionKind {
        .shellCommand("printf '%s\\n' fashion-mnist fashion-mnist:train; ls -1 -- *.npy *.idx *-ubyte *-ubyte.gz *.h5 2>/dev/null")
    }
}

enum OptionValues {
    /// "a, b or c" for messages.
    static func list(_ values: [String]) -> String {
        values.count < 2 ? values.joined() : values.dropLast().joined(separator: ", ") + " or " + values.last!
    }

    /// A comma-separated list of enum values, each checked, duplicates dropped in order.
    static func parseList<E: RawRepresentable & CaseIterable>(_ text: String, option: String) throws -> [E] where E.RawValue == String {
        var out = [E]()
        for name in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let value = E(rawValue: trimmed) else {
                throw ValidationError("\(option): unknown value '\(trimmed)'; use \(list(E.allCases.map(\.rawValue)))")
            }
            if !out.contains(where: { $0.rawValue == value.rawValue }) { out.append(value) }
        }
        return out
    }
}
