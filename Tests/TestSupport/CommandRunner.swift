import Foundation

/// Runs the built `imprint` executable, as a user would, capturing its output and exit status.
public enum CommandRunner {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The `imprint` binary beside the test bundle (SwiftPM builds every product with the tests).
    public static var executable: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("imprint")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return Fixtures.root.appendingPathComponent(".build/debug/imprint")
    }

    public static func run(_ arguments: [String], in directory: URL = Fixtures.root) throws -> Output {
        try run(executable: executable, arguments, in: directory)
    }

    /// Runs any program (an independent checker such as Python or h5dump) the same way.
    public static func run(executable: URL, _ arguments: [String], in directory: URL = Fixtures.root) throws -> Output {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Both pipes are drained at once (stderr on a thread of its own) before waiting: read one
        // after the other, a child that fills the other pipe's 64 KiB buffer first would block
        // forever, and so would the test.
        let errors = PipeContents()
        let errorHandle = err.fileHandleForReading
        let drained = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            errors.data = errorHandle.readDataToEndOfFile()
            drained.signal()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: errors.data, as: UTF8.self))
    }
}

/// What a reader thread took from a pipe; written by that thread before it signals, read after.
private final class PipeContents: @unchecked Sendable {
    var data = Data()
}

/// A command a test needed as a step (not the thing under test) failed: its status and stderr.
public struct CommandFailure: Error, CustomStringConvertible {
    public var output: CommandRunner.Output
    public init(output: CommandRunner.Output) { self.output = output }
    public var description: String { "exit status \(output.status): \(output.stderr)" }
}
