import ArgumentParser

/// The `imprint` command: compile trained networks into programming plans for analog crossbars.
public struct ImprintCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "imprint",
        abstract: "Map trained neural networks onto analog in-memory-computing crossbars (PCM, RRAM).",
        discussion: """
            Models: Keras HDF5 (.h5), Keras 3 (.keras, .weights.h5 with --architecture), ONNX (.onnx).
            Data: .npy, IDX (*-ubyte[.gz]), file.h5:/dataset, or fashion-mnist.
            """,
        version: ImprintVersion.string,
        subcommands: [Inspect.self, Infer.self, Devices.self, Compile.self, Emit.self, Verify.self]
    )
    public init() {}

}

public enum ImprintVersion {
    public static let string = "0.1.0"
}
