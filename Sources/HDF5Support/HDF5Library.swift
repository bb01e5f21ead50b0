internal import CHDF5

/// HDF5's global state is set up once per process: the library must be opened before its type
/// macros are valid, and its default error printer would write to stderr behind Imprint's back.
enum HDF5Library {
    private static let ready: Bool = {
        _ = H5open()
        imprint_h5_silence_errors()
        return true
    }()

    static func initialise() { _ = ready }
}
