/// What kind of failure an error reports, so the command line picks the sysexits code (65 bad data,
/// 66 missing input, 73 cannot create output) from what the library knows, not from message text.
public enum FailureKind: Sendable, Equatable {
    /// The input exists but its content is wrong (EX_DATAERR).
    case badData
    /// The input file does not exist or cannot be opened (EX_NOINPUT).
    case missingInput
    /// The output cannot be created or written (EX_CANTCREAT).
    case cannotCreateOutput

    /// The sysexits(3) code.
    public var exitCode: Int32 {
        switch self {
        case .badData: 65
        case .missingInput: 66
        case .cannotCreateOutput: 73
        }
    }
}

/// An error that states its `FailureKind`.
public protocol KindedError: Error {
    var failureKind: FailureKind { get }
}

extension FileWriteError: KindedError {
    public var failureKind: FailureKind { .cannotCreateOutput }
}

extension FileReadError: KindedError {
    public var failureKind: FailureKind { .missingInput }
}
