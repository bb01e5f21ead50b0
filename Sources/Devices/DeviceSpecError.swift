import Foundation

/// Why a device spec could not be used, naming the file (or preset) and each field concerned, so a
/// lab engineer can fix a JSON file from the message alone.
public struct DeviceSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case unknownPreset(available: [String])
        case unreadable(String)
        case malformedJSON(String)
        /// Schema or semantic violations, all of them, in document order.
        case invalid([SpecProblem])
    }

    /// The file path or preset name as the user gave it.
    public var file: String
    public var reason: Reason

    public init(file: String, reason: Reason) {
        self.file = file
        self.reason = reason
    }

    /// One line per problem, each starting with the file: "spec.json: program_verify.set.step_V: must be > 0 (got -0.1)".
    public var lines: [String] {
        switch reason {
        case .unknownPreset(let available):
            return ["\(file): not a device preset or a .json file (presets: \(available.joined(separator: ", ")))"]
        case .unreadable(let why): return ["\(file): cannot read the file: \(why)"]
        case .malformedJSON(let why): return ["\(file): not valid JSON: \(why)"]
        case .invalid(let problems): return problems.map { "\(file): \($0)" }
        }
    }

    public var problems: [SpecProblem] {
        if case .invalid(let p) = reason { return p }
        return []
    }

    public var description: String { lines.joined(separator: "\n") }
}
