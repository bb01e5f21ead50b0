import FileSupport

/// Why a data set could not be loaded or used; one sentence naming the file and the problem.
public struct DatasetError: KindedError, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var message: String
    public var failureKind: FailureKind
    public init(file: String, _ message: String, kind: FailureKind = .badData) {
        self.file = file; self.message = message; self.failureKind = kind
    }
    public var description: String { "\(file): \(message)" }
}
