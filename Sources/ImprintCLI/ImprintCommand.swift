import ArgumentParser
import Foundation

/// The `imprint` command: compile trained networks into programming plans for analog crossbars.
public struct ImprintCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "imprint",
        abstract: "Map trained neural networks onto analog in-memory-computing crossbars (PCM, RRAM).",
        discussion: """
            Models: Keras HDF5 (.h5), Keras 3 (.keras, .weights.h5 with --architecture), ONNX (.onnx).

            Data: .npy, IDX (*-ubyte[.gz]), file.h5:/dataset, or fashion-mnist; a pipe \
            (/dev/stdin, <(zcat …)) is recognised by its content.

            Every command takes --json: its result as one JSON document on stdout (progress and \
            warnings go to stderr). Files are named by --output (and --report); every file written \
            is reported on stderr and in the JSON ("output").

            Exit status: 0 success; 64 usage error (unknown option, bad value, options that \
            contradict or do not apply); 65 malformed input (model, plan, data, device spec); \
            66 an input that does not exist or cannot be read; 70 internal error; 73 an output \
            that cannot be created. Errors are one line on stderr: "imprint: error: ...".
            """,
        version: ImprintVersion.string,
        subcommands: [Inspect.self, Infer.self, Devices.self, Compile.self, Emit.self, Verify.self, Touchup.self, Fit.self]
    )
    public init() {}

    /// Runs the command line and exits with a sysexits status; `main.swift` calls only this.
    public static func runAsMain(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        do {
            if arguments.isEmpty { throw CLIFailure.usage("no command given") }
            if arguments.first == "help", arguments.count > 1,
               !configuration.subcommands.contains(where: { $0._commandName == arguments[1] }) {
                throw CLIFailure.usage("unknown command '\(arguments[1])'")
            }
            var command = try parseAsRoot(arguments)
            try command.run()
            Foundation.exit(0)
        } catch {
            exitReporting(error)
        }
    }

    /// One message style for every failure: `imprint: error: ...` on one line; usage errors add
    /// ArgumentParser's usage hint on the following lines.
    private static func exitReporting(_ error: any Error) -> Never {
        if let failure = CLIFailure(classifying: error) {
            // Several problems (a device spec's) are one `imprint: error:` line each.
            var text = failure.message.split(separator: "\n").map { "imprint: error: \($0)" }.joined(separator: "\n")
            if failure.status == .usage, failure.message == "no command given" || failure.message.hasPrefix("unknown command") {
                text += "\n" + usageHint
            }
            Terminal.standardError(text)
            Foundation.exit(failure.status.rawValue)
        }
        let code = exitCode(for: error)
        if code == .success { exit(withError: error) }   // --help, --version: printed to stdout
        guard code == .validationFailure else {
            Terminal.standardError("imprint: error: internal error: \(error)")
            Foundation.exit(ExitStatus.software.rawValue)
        }
        var lines = fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.last?.isEmpty == true { lines.removeLast() }
        if let first = lines.first {
            lines[0] = "imprint: error: " + (first.hasPrefix("Error: ") ? String(first.dropFirst(7)) : first)
        }
        Terminal.standardError(lines.joined(separator: "\n"))
        Foundation.exit(ExitStatus.usage.rawValue)
    }

    private static var usageHint: String {
        "Usage: imprint <command> [options]\n  Commands: "
            + configuration.subcommands.map { $0._commandName }.joined(separator: ", ")
            + "\n  See 'imprint --help' for more information."
    }
}

public enum ImprintVersion {
    public static let string = "0.1.0"
}
