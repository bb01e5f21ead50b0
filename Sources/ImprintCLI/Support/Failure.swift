import ArgumentParser
import Compiler
import Datasets
import Devices
import Engine
import FileSupport
import Foundation
import ModelImport
import NetworkModel
import Plan
import Verifier

/// The exit statuses of sysexits(3), so scripts can tell a typo from a bad file from a full disk.
enum ExitStatus: Int32 {
    case usage = 64          // EX_USAGE: unknown option, bad value, options that contradict
    case dataError = 65      // EX_DATAERR: a malformed model, plan, data set or device spec
    case noInput = 66        // EX_NOINPUT: an input that does not exist or cannot be read
    case software = 70       // EX_SOFTWARE: an internal error
    case cannotCreate = 73   // EX_CANTCREAT: an output that cannot be created
}

extension ExitStatus {
    /// The status of a failure the library classified itself.
    init(_ kind: FailureKind) {
        switch kind {
        case .badData: self = .dataError
        case .missingInput: self = .noInput
        case .cannotCreateOutput: self = .cannotCreate
        }
    }
}

/// A failure as the command line reports it: one line (without the `imprint: error: ` prefix) and
/// its exit status. Library errors become one through `init(_:)`, which is where flag names enter.
struct CLIFailure: Error, CustomStringConvertible {
    var status: ExitStatus
    var message: String

    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    var description: String { message }

    /// Classifies an error thrown by the library; nil for errors it does not know (ArgumentParser's
    /// own, or a bug), which the entry point handles.
    init?(classifying error: any Error) {
        switch error {
        case let e as CLIFailure: self = e
        case let e as DatasetError:
            // A file the data spec reads that is not there (an uninstalled named set, say) is missing input.
            let missing = DatasetLoader.filePath(of: e.file).map { !FileManager.default.fileExists(atPath: $0) } ?? false
            self.init(missing ? .noInput : ExitStatus(e.failureKind), e.description)
        case let e as PlanFileError:
            switch e.reason {
            case .invalidRequest(let why): self.init(.usage, "--arrays: " + why.replacingOccurrences(of: "the array selection", with: "the list"))
            default: self.init(ExitStatus(e.failureKind), e.description)
            }
        case let e as DeviceSpecError:
            switch e.reason {
            case .unknownPreset: self.init(.usage, e.description)
            case .unreadable: self.init(.noInput, e.description)
            case .malformedJSON, .invalid: self.init(.dataError, e.description)
            }
        case let e as CompileError:
            self.init(Self.status(of: e), Self.flagged(e))
        case let e as VerifierError:
            self.init(.dataError, e.description)
        case let e as EngineError:
            self.init(.dataError, e.description)
        case let e as NetworkError:
            self.init(.dataError, e.description)
        case let e as any KindedError:
            self.init(ExitStatus(e.failureKind), "\(e)")
        default:
            return nil
        }
    }

    private static func status(of e: CompileError) -> ExitStatus {
        switch e {
        case .invalidDevice, .network, .defectMap: .dataError
        case .invalidOption, .unknownLayer, .notACrossbarLayer, .tileLargerThanArray, .nothingToMap, .sizeOverflow, .tooLarge: .usage
        }
    }

    /// The compiler names `CompileOptions` values; the user typed flags.
    private static func flagged(_ e: CompileError) -> String {
        switch e {
        case .invalidOption(let option, let detail):
            let flag = ["tile size": "--tile", "array size": "--array", "devices per conductance": "--devices-per-conductance",
                        "clip": "--clip", "significance": "--significance", "threads": "--threads",
                        "reference": "--reference", "reference columns": "--reference-columns"][option] ?? option
            return "\(flag): \(detail)"
        case .unknownLayer(let n): return "--keep-digital: '\(n)' is not a node of the network (`imprint inspect MODEL` lists them)"
        case .notACrossbarLayer(let n, let kind):
            return "--keep-digital: '\(n)' is a \(kind) node, not a matrix product, so it stays digital anyway"
        case .tileLargerThanArray(let l, let tr, let tc, let ar, let ac):
            return "layer '\(l)': a tile needs \(tr) × \(tc) devices, more than an array of \(ar) × \(ac) holds; use a smaller --tile or a larger --array"
        default: return e.description
        }
    }

    static func usage(_ message: String) -> CLIFailure { CLIFailure(.usage, message) }
}
