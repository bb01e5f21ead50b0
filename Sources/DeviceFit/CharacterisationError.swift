import FileSupport

/// Characterisation data that cannot be fitted: one line naming the file, the line (0 when the
/// problem is the file as a whole) and the problem.
public struct CharacterisationError: Error, Sendable, Equatable, CustomStringConvertible, KindedError {
    public var file: String
    public var line: Int
    public var message: String
    public var failureKind: FailureKind

    public init(file: String, line: Int, message: String, kind: FailureKind = .badData) {
        self.file = file
        self.line = line
        self.message = message
        failureKind = kind
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}
