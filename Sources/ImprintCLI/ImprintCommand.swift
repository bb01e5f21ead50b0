import ArgumentParser

/// The `imprint` command: compile trained networks into programming plans for analog crossbars.
public struct ImprintCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "imprint",
        abstract: "Map trained neural networks onto analog in-memory-computing crossbars (PCM, RRAM).",
        discussion: """
            Models: Keras HDF5 (.h5), Keras 3 (.keras, .weights.h5 with --architecture), ONNX (.onnx).
            Data: .npy, IDX (*-ubyte[.gz]), file.h5:/dataset, or fashion-mnist.
            """,
        version: ImprintVersion.string,
        subcommands: [Inspect.self, Infer.self, Devices.self]
    )
    public init() {}

    /// Entry point for the executable. From top-level code `await ImprintCommand.main()` resolves to
    /// ArgumentParser's synchronous `main()`, which refuses an async root ("needs availability
    /// annotation"); this does what the async `main()` does, without the overload.
    public static func runAsRoot() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

public enum ImprintVersion {
    public static let string = "0.1.0"
}
