/// A user-facing verifier failure; the description reads as one sentence naming what is wrong.
public struct VerifierError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
