internal import CHDF5
import Foundation

/// Builds an HDF5 file in memory (the core driver, no backing store) and hands back its bytes, so
/// callers write them atomically like any other output: HDF5 writing to the destination directly
/// would leave a half-written file behind on error.
///
/// Every call holds `HDF5Library.lock`, the same process-wide lock as the reading side: HDF5 may be
/// built without thread safety, and reads and writes can happen on different threads.
public final class HDF5Writer {
    private var file: hid_t = -1

    public init() throws(HDF5WriteError) {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        HDF5Library.initialise()
        let fapl = H5Pcreate(imprint_h5p_file_access())
        guard fapl >= 0 else { throw HDF5WriteError("cannot create a file-access property list") }
        defer { H5Pclose(fapl) }
        guard H5Pset_fapl_core(fapl, 1 << 20, false) >= 0 else { throw HDF5WriteError("cannot select the in-memory driver") }
        // The name only identifies the in-memory file; nothing is written under it.
        file = H5Fcreate("imprint-\(UUID().uuidString).h5", imprint_h5f_acc_excl(), imprint_h5p_default(), fapl)
        guard file >= 0 else { throw HDF5WriteError("cannot create an in-memory HDF5 file") }
    }

    deinit {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        if file >= 0 { H5Fclose(file) }
    }

    /// Creates a group (its parent must exist).
    public func createGroup(_ path: String) throws(HDF5WriteError) {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        let g = H5Gcreate2(file, path, imprint_h5p_default(), imprint_h5p_default(), imprint_h5p_default())
        guard g >= 0 else { throw HDF5WriteError("cannot create the group \(path)") }
        H5Gclose(g)
    }

    /// Writes a 1-D dataset.
    public func write<T: HDF5Element>(_ values: [T], dataset path: String) throws(HDF5WriteError) {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        var dims = [hsize_t(values.count)]
        let space = H5Screate_simple(1, &dims, nil)
        guard space >= 0 else { throw HDF5WriteError("cannot create a dataspace for \(path)") }
        defer { H5Sclose(space) }
        let type = T.hdf5Type
        let d = H5Dcreate2(file, path, type, space, imprint_h5p_default(), imprint_h5p_default(), imprint_h5p_default())
        guard d >= 0 else { throw HDF5WriteError("cannot create the dataset \(path)") }
        defer { H5Dclose(d) }
        let status = values.withUnsafeBytes { H5Dwrite(d, type, imprint_h5s_all(), imprint_h5s_all(), imprint_h5p_default(), $0.baseAddress) }
        guard status >= 0 || values.isEmpty else { throw HDF5WriteError("cannot write the dataset \(path)") }
    }

    /// Writes a 1-D dataset of fixed-length UTF-8 strings (as long as the longest one).
    public func write(strings: [String], dataset path: String) throws(HDF5WriteError) {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        let width = max(1, strings.map(\.utf8.count).max() ?? 1)
        var bytes = [UInt8](repeating: 0, count: width * strings.count)
        for (i, s) in strings.enumerated() { for (j, b) in s.utf8.enumerated() { bytes[i * width + j] = b } }
        let type = try stringType(width)
        defer { H5Tclose(type) }
        var dims = [hsize_t(strings.count)]
        let space = H5Screate_simple(1, &dims, nil)
        guard space >= 0 else { throw HDF5WriteError("cannot create a dataspace for \(path)") }
        defer { H5Sclose(space) }
        let d = H5Dcreate2(file, path, type, space, imprint_h5p_default(), imprint_h5p_default(), imprint_h5p_default())
        guard d >= 0 else { throw HDF5WriteError("cannot create the dataset \(path)") }
        defer { H5Dclose(d) }
        let status = bytes.withUnsafeBytes { H5Dwrite(d, type, imprint_h5s_all(), imprint_h5s_all(), imprint_h5p_default(), $0.baseAddress) }
        guard status >= 0 || strings.isEmpty else { throw HDF5WriteError("cannot write the dataset \(path)") }
    }

    /// Sets a string attribute on the object at `path` ("/" for the root).
    public func setAttribute(_ name: String, string value: String, on path: String = "/") throws(HDF5WriteError) {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        let bytes = Array(value.utf8)
        let type = try stringType(max(1, bytes.count))
        defer { H5Tclose(type) }
        try attribute(name, type: type, on: path) { a, t in
            (bytes.isEmpty ? [0] : bytes).withUnsafeBytes { H5Awrite(a, t, $0.baseAddress) }
        }
    }

    /// Sets a numeric scalar attribute on the object at `path`.
    public func setAttribute<T: HDF5Element>(_ name: String, value: T, on path: String = "/") throws(HDF5WriteError) {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        try attribute(name, type: T.hdf5Type, on: path) { a, t in
            withUnsafeBytes(of: value) { H5Awrite(a, t, $0.baseAddress) }
        }
    }

    /// The finished file's bytes.
    public func fileImage() throws(HDF5WriteError) -> [UInt8] {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        guard H5Fflush(file, H5F_SCOPE_GLOBAL) >= 0 else { throw HDF5WriteError("cannot flush the in-memory file") }
        let size = H5Fget_file_image(file, nil, 0)
        guard size > 0 else { throw HDF5WriteError("cannot size the file image") }
        var bytes = [UInt8](repeating: 0, count: size)
        let got = bytes.withUnsafeMutableBytes { H5Fget_file_image(file, $0.baseAddress, size) }
        guard got == size else { throw HDF5WriteError("cannot copy the file image") }
        return bytes
    }

    private func stringType(_ width: Int) throws(HDF5WriteError) -> hid_t {
        let type = H5Tcopy(imprint_h5t_c_s1())
        guard type >= 0, H5Tset_size(type, width) >= 0, H5Tset_cset(type, H5T_CSET_UTF8) >= 0,
              H5Tset_strpad(type, H5T_STR_NULLPAD) >= 0 else {
            throw HDF5WriteError("cannot create a string type")
        }
        return type
    }

    private func attribute(_ name: String, type: hid_t, on path: String,
                           _ write: (hid_t, hid_t) -> herr_t) throws(HDF5WriteError) {
        let object = H5Oopen(file, path, imprint_h5p_default())
        guard object >= 0 else { throw HDF5WriteError("no object \(path) for the attribute \(name)") }
        defer { H5Oclose(object) }
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let a = H5Acreate2(object, name, type, space, imprint_h5p_default(), imprint_h5p_default())
        guard a >= 0 else { throw HDF5WriteError("cannot create the attribute \(name) on \(path)") }
        defer { H5Aclose(a) }
        guard write(a, type) >= 0 else { throw HDF5WriteError("cannot write the attribute \(name) on \(path)") }
    }
}

/// Element types the writer stores natively.
public protocol HDF5Element {
    static var hdf5Type: Int64 { get }
}

extension Float: HDF5Element { public static var hdf5Type: Int64 { imprint_h5t_native_float() } }
extension Double: HDF5Element { public static var hdf5Type: Int64 { imprint_h5t_native_double() } }
extension Int8: HDF5Element { public static var hdf5Type: Int64 { imprint_h5t_native_int8() } }
extension UInt8: HDF5Element { public static var hdf5Type: Int64 { imprint_h5t_native_uint8() } }
extension Int32: HDF5Element { public static var hdf5Type: Int64 { imprint_h5t_native_int32() } }
extension Int64: HDF5Element { public static var hdf5Type: Int64 { imprint_h5t_native_int64() } }

/// An HDF5 file could not be built in memory.
public struct HDF5WriteError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
