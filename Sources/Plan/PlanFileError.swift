import FileSupport

/// A plan or an emitted file could not be read or written. Reads as one line naming the file:
/// "model.plan: truncated: the file ends inside tile record 12".
public struct PlanFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The file cannot be opened or read at all.
        case unreadable(String)
        /// Does not start with the plan magic: not a plan file.
        case notAPlan
        /// Written by a newer imprint.
        case newerVersion(found: Int, supported: Int)
        /// The file ends before the footer.
        case truncated(String)
        /// Bytes that do not decode (framing, protobuf, checksum, trailing data).
        case corrupted(String)
        /// Decodes, but the content contradicts itself (tile outside its matrix, missing array, …).
        case inconsistent(String)
        /// Writing failed; nothing was left at the destination.
        case writeFailed(String)
        /// A bad request of the caller (an `--arrays` list, say).
        case invalidRequest(String)
    }

    public var file: String
    public var reason: Reason

    public init(file: String, _ reason: Reason) {
        self.file = file
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .unreadable(let why): return "\(file): cannot read the file: \(why)"
        case .notAPlan: return "\(file): not an imprint plan (the file does not start with IMPRPLAN)"
        case .newerVersion(let found, let supported):
            return "\(file): plan format version \(found) is newer than this imprint supports (\(supported))"
        case .truncated(let what): return "\(file): truncated plan: \(what)"
        case .corrupted(let what): return "\(file): corrupted plan: \(what)"
        case .inconsistent(let what): return "\(file): inconsistent plan: \(what)"
        case .writeFailed(let why): return "\(file): cannot write: \(why)"
        case .invalidRequest(let why): return "\(file): \(why)"
        }
    }
}

extension PlanFileError: KindedError {
    public var failureKind: FailureKind {
        switch reason {
        case .writeFailed: .cannotCreateOutput
        case .unreadable: .missingInput
        default: .badData
        }
    }
}
