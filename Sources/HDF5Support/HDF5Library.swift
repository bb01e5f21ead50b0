import Foundation
internal import CHDF5

/// HDF5's global state is set up once per process: the library must be opened before its type
/// macros are valid, and its default error printer would write to stderr behind Imprint's back.
enum HDF5Library {
    /// Serialises every HDF5 call in the process: the system library may be built without thread
    /// safety, and callers (tests, a CLI with worker threads) cannot be expected to know.
    /// Recursive because public methods call one another.
    static let lock = NSRecursiveLock()

    private static let ready: Bool = {
        _ = H5open()
        imprint_h5_silence_errors()
        return true
    }()

    /// Opens the library once; silences error printing on every call, because a thread-safe HDF5
    /// build keeps that setting per thread.
    static func initialise() {
        _ = ready
        imprint_h5_silence_errors()
    }
}
