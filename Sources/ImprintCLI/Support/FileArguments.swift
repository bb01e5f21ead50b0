import ArgumentParser
import Datasets
import FileSupport
import Foundation

/// Checks that the inputs a command names exist before any work starts, so a missing file is
/// exit 66 with its name, whichever library would have tripped over it.
enum InputFiles {
    static func requireReadable(_ path: String) throws(CLIFailure) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw CLIFailure(.noInput, "\(path): no such file")
        }
        guard !isFolder.boolValue else { throw CLIFailure(.noInput, "\(path): it is a folder, not a file") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw CLIFailure(.noInput, "\(path): cannot read the file (permission denied)")
        }
    }

    /// A data spec (`--data`, `--labels`, `--calibration`): named sets need no file.
    static func requireReadable(data spec: String) throws(CLIFailure) {
        if let path = DatasetLoader.filePath(of: spec) { try requireReadable(path) }
    }
}

/// Output paths as the convention reads them: `-` means stdout, which only a streamed format can
/// use (`compile`, `emit` and `infer` stream theirs). An output that cannot stream refuses `-` with
/// the reason rather than writing a file named "-".
enum OutputFiles {
    static func check(_ path: String?, option: String, what: String) throws {
        guard path == "-" else { return }
        throw ValidationError("\(option) -: \(what) cannot be written to stdout; name a file")
    }
}

extension OutputFiles {
    /// A binary output (a plan, an `.npy`, protobuf or HDF5 records) sent to `-` while standard
    /// output is a terminal is refused before the run, as gzip refuses: the bytes would fill the
    /// terminal (and can switch its character set) and the result would be lost anyway.
    static func refuseBinaryOnTerminal(_ destination: OutputDestination, option: String = "--output",
                                       what: String) throws(CLIFailure) {
        guard destination.kind == .standardOutput, isatty(STDOUT_FILENO) != 0 else { return }
        throw CLIFailure(.usage, "\(option) -: \(what) is binary and standard output is a terminal; redirect it to a file or pipe it")
    }
}
