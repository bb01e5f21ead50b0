/// Why an HDF5 read failed. The description is one sentence naming the file and, where known, the
/// object inside it, so callers can pass it on to users unchanged or wrap it in their own error.
public struct HDF5Error: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// The file cannot be opened or read (missing, permissions, I/O).
        case unreadable
        /// The file does not start with the HDF5 signature.
        case notHDF5
        /// The file is HDF5 but damaged or inconsistent (truncated, bad header, short storage).
        case malformed
        /// The object or attribute does not exist.
        case missing
        /// A valid object of a type or storage Imprint does not read (compound data, virtual datasets).
        case unsupported
        /// Shape products overflow or exceed the caller's element limit.
        case tooLarge
        /// A link or external storage file leads outside the file's folder.
        case unsafePath
    }

    public var kind: Kind
    /// The HDF5 file concerned.
    public var file: String
    /// The object path inside the file (and attribute, as `path@name`), if the error concerns one.
    public var object: String?
    public var message: String

    public init(_ kind: Kind, file: String, object: String? = nil, _ message: String) {
        self.kind = kind; self.file = file; self.object = object; self.message = message
    }

    public var description: String {
        if let object { return "\(file): '\(object)': \(message)" }
        return "\(file): \(message)"
    }
}
