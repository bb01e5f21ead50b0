/// Why a data set could not be loaded or used; one sentence naming the file and the problem.
public struct DatasetError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var message: String
    public init(file: String, _ message: String) { self.file = file; self.message = message }
    public var description: String { "\(file): \(message)" }
}
