import FileSupport

/// Why a model file could not be imported. The description is one sentence naming the file and,
/// where known, the layer or node concerned, suitable as a command-line error.
public struct ImportError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// The file cannot be read (missing, permissions, I/O).
        case unreadable
        /// The bytes are not a valid file of the format (bad magic, truncated, corrupted).
        case malformed
        /// A valid file using an operation, attribute or data type Imprint does not support.
        case unsupported
        /// Weights referenced by the architecture are missing or have the wrong shape.
        case missingWeights
        /// The graph is inconsistent (shape mismatch, NaN/Inf parameters, dangling tensors).
        case invalidNetwork
        /// A path inside the model (external data, external link) leaves the model's folder.
        case unsafePath
    }

    public var kind: Kind
    /// The file the error concerns.
    public var file: String
    /// What is wrong, naming the node or layer where known.
    public var message: String

    public init(_ kind: Kind, file: String, _ message: String) {
        self.kind = kind; self.file = file; self.message = message
    }

    public var description: String { "\(file): \(message)" }
}

extension ImportError: KindedError {
    public var failureKind: FailureKind { kind == .unreadable ? .missingInput : .badData }
}
