import Foundation
internal import CHDF5

/// The value of an attribute, reduced to what model files use.
public enum HDF5AttributeValue: Sendable, Equatable {
    /// Fixed- or variable-length strings (a scalar string is a one-element array).
    case strings([String])
    /// Integers or floats of any width, converted to Double.
    case numbers([Double])
    /// One-byte integers, which h5py writes for `np.void`/bytes payloads (e.g. long JSON).
    case bytes([UInt8])

    /// The value as a list of strings: bytes decode as one UTF-8 string; an empty numeric array
    /// (h5py's spelling of an empty list) is an empty list; other numbers are not strings.
    public var stringList: [String]? {
        switch self {
        case .strings(let s): return s
        case .bytes(let b): return [String(decoding: b.prefix { $0 != 0 }, as: UTF8.self)]
        case .numbers(let n): return n.isEmpty ? [] : nil
        }
    }
}

extension HDF5File {
    /// Attributes larger than this are refused: model attributes are JSON and name lists.
    public static let maxAttributeBytes = 256 << 20

    /// Whether the object at `objectPath` has attribute `name`.
    public func hasAttribute(_ name: String, of objectPath: String = "/") throws(HDF5Error) -> Bool {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        let object = try openObject(objectPath)
        defer { H5Oclose(object) }
        return H5Aexists(object, name) > 0
    }

    /// Reads attribute `name` of the object at `objectPath`, nil if the object has no such attribute.
    public func attribute(_ name: String, of objectPath: String = "/") throws(HDF5Error) -> HDF5AttributeValue? {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        let object = try openObject(objectPath)
        defer { H5Oclose(object) }
        guard H5Aexists(object, name) > 0 else { return nil }
        let where_ = objectPath + "@" + name
        let attr = H5Aopen(object, name, imprint_h5p_default())
        guard attr >= 0 else { throw HDF5Error(.malformed, file: path, object: where_, "cannot open the attribute") }
        defer { H5Aclose(attr) }
        let type = H5Aget_type(attr)
        let space = H5Aget_space(attr)
        defer { if type >= 0 { H5Tclose(type) }; if space >= 0 { H5Sclose(space) } }
        guard type >= 0, space >= 0 else { throw HDF5Error(.malformed, file: path, object: where_, "cannot read the attribute's type") }
        let points = H5Sget_simple_extent_npoints(space)
        guard points >= 0, points <= HDF5File.maxAttributeBytes else {
            throw HDF5Error(.tooLarge, file: path, object: where_, "attribute claims \(points) elements")
        }
        let count = Int(points)
        switch H5Tget_class(type) {
        case H5T_STRING:
            if H5Tis_variable_str(type) > 0 { return .strings(try readVariableStrings(attr, type, space, count, where_)) }
            return .strings(try readFixedStrings(attr, type, count, where_))
        case H5T_INTEGER where H5Tget_size(type) == 1:
            var bytes = [UInt8](repeating: 0, count: count)
            guard count == 0 || H5Aread(attr, imprint_h5t_native_uint8(), &bytes) >= 0 else {
                throw HDF5Error(.malformed, file: path, object: where_, "cannot read the attribute")
            }
            return .bytes(bytes)
        case H5T_INTEGER, H5T_FLOAT:
            var numbers = [Double](repeating: 0, count: count)
            guard count == 0 || H5Aread(attr, imprint_h5t_native_double(), &numbers) >= 0 else {
                throw HDF5Error(.malformed, file: path, object: where_, "cannot read the attribute")
            }
            return .numbers(numbers)
        default:
            throw HDF5Error(.unsupported, file: path, object: where_, "attribute type is neither string nor number")
        }
    }

    /// Opens any object by checked path; the caller closes it with H5Oclose.
    func openObject(_ objectPath: String) throws(HDF5Error) -> hid_t {
        let resolved = try resolveExisting(objectPath)
        let object = H5Oopen(fileID, resolved, linkAccess)
        guard object >= 0 else { throw HDF5Error(.malformed, file: path, object: objectPath, "cannot open the object") }
        return object
    }

    private func readFixedStrings(_ attr: hid_t, _ type: hid_t, _ count: Int, _ where_: String) throws(HDF5Error) -> [String] {
        let size = H5Tget_size(type)
        let (total, overflow) = count.multipliedReportingOverflow(by: size)
        guard size > 0, !overflow, total <= HDF5File.maxAttributeBytes else {
            throw HDF5Error(.tooLarge, file: path, object: where_, "string attribute is too large")
        }
        let memType = H5Tcopy(imprint_h5t_c_s1())
        guard memType >= 0 else { throw HDF5Error(.malformed, file: path, object: where_, "cannot read the attribute") }
        defer { H5Tclose(memType) }
        // Same padding as stored: a NULLTERM memory type would cut a full-width NULLPAD string short.
        H5Tset_size(memType, size)
        H5Tset_strpad(memType, H5Tget_strpad(type))
        H5Tset_cset(memType, H5Tget_cset(type))
        var buffer = [UInt8](repeating: 0, count: total)
        guard total == 0 || H5Aread(attr, memType, &buffer) >= 0 else {
            throw HDF5Error(.malformed, file: path, object: where_, "cannot read the attribute")
        }
        let spacePadded = H5Tget_strpad(type) == H5T_STR_SPACEPAD
        return (0..<count).map { i in
            var chunk = buffer[(i * size)..<((i + 1) * size)].prefix { $0 != 0 }
            if spacePadded { while chunk.last == 0x20 { chunk = chunk.dropLast() } }
            return String(decoding: chunk, as: UTF8.self)
        }
    }

    private func readVariableStrings(_ attr: hid_t, _ type: hid_t, _ space: hid_t, _ count: Int,
                                     _ where_: String) throws(HDF5Error) -> [String] {
        let memType = H5Tcopy(imprint_h5t_c_s1())
        guard memType >= 0 else { throw HDF5Error(.malformed, file: path, object: where_, "cannot read the attribute") }
        defer { H5Tclose(memType) }
        H5Tset_size(memType, imprint_h5t_variable())
        H5Tset_cset(memType, H5Tget_cset(type))
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        guard count == 0 || H5Aread(attr, memType, &pointers) >= 0 else {
            throw HDF5Error(.malformed, file: path, object: where_, "cannot read the attribute")
        }
        let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
        _ = imprint_h5_vlen_reclaim(memType, space, &pointers)
        return strings
    }
}
