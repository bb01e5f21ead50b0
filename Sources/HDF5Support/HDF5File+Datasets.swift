import Foundation
internal import CHDF5

/// The stored element type of a dataset.
public enum HDF5ElementType: Sendable, Equatable, CustomStringConvertible {
    case float(bytes: Int)
    case signedInteger(bytes: Int)
    case unsignedInteger(bytes: Int)
    case string
    case other

    /// Bytes per element of numeric types.
    public var numericBytes: Int? {
        switch self {
        case .float(let b), .signedInteger(let b), .unsignedInteger(let b): return b
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .float(let b): return "float\(b * 8)"
        case .signedInteger(let b): return "int\(b * 8)"
        case .unsignedInteger(let b): return "uint\(b * 8)"
        case .string: return "string"
        case .other: return "non-numeric"
        }
    }
}

/// Shape and element type of a dataset, read without touching its data.
public struct HDF5DatasetInfo: Sendable, Equatable {
    /// Dimensions, outermost first; empty for a scalar.
    public var shape: [Int]
    public var elementType: HDF5ElementType
    /// Product of `shape`, nil if it overflows.
    public var elementCount: Int? {
        var n = 1
        for d in shape {
            let (p, o) = n.multipliedReportingOverflow(by: d)
            if o { return nil }
            n = p
        }
        return n
    }
}

/// Data read from a numeric dataset: bytes stay bytes (images), everything else becomes Float.
public enum HDF5Array: Sendable, Equatable {
    case float(shape: [Int], values: [Float])
    case uint8(shape: [Int], values: [UInt8])

    public var shape: [Int] {
        switch self {
        case .float(let s, _), .uint8(let s, _): return s
        }
    }
}

extension HDF5File {
    /// Default cap on elements read at once (1 GiB of float32): a corrupted header cannot make us
    /// allocate more than this.
    public static let defaultMaxElements = 1 << 28

    /// Shape and element type of the dataset at `datasetPath`.
    public func datasetInfo(_ datasetPath: String) throws(HDF5Error) -> HDF5DatasetInfo {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        let dataset = try openDataset(datasetPath)
        defer { H5Dclose(dataset) }
        return try info(of: dataset, datasetPath)
    }

    /// Reads a numeric dataset as Float (float16/32/64 and integers are converted by HDF5).
    public func readArray(path datasetPath: String, maxElements: Int = defaultMaxElements)
        throws(HDF5Error) -> (shape: [Int], values: [Float])
    {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        let dataset = try openDataset(datasetPath)
        defer { H5Dclose(dataset) }
        let (shape, count) = try checkedShape(dataset, datasetPath, maxElements)
        var values = [Float](repeating: 0, count: count)
        if count > 0 {
            let status = values.withUnsafeMutableBytes { raw -> herr_t in
                H5Dread(dataset, imprint_h5t_native_float(), imprint_h5s_all(), imprint_h5s_all(), imprint_h5p_default(), raw.baseAddress)
            }
            guard status >= 0 else { throw readFailure(datasetPath) }
        }
        return (shape, values)
    }

    /// Reads a dataset of unsigned bytes (e.g. images) without widening it.
    public func readBytes(path datasetPath: String, maxElements: Int = defaultMaxElements)
        throws(HDF5Error) -> (shape: [Int], values: [UInt8])
    {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        let dataset = try openDataset(datasetPath)
        defer { H5Dclose(dataset) }
        let type = try info(of: dataset, datasetPath).elementType
        guard type == .unsignedInteger(bytes: 1) else {
            throw HDF5Error(.unsupported, file: path, object: datasetPath, "holds \(type), not uint8")
        }
        let (shape, count) = try checkedShape(dataset, datasetPath, maxElements)
        var values = [UInt8](repeating: 0, count: count)
        if count > 0 {
            let status = values.withUnsafeMutableBytes { raw -> herr_t in
                H5Dread(dataset, imprint_h5t_native_uint8(), imprint_h5s_all(), imprint_h5s_all(), imprint_h5p_default(), raw.baseAddress)
            }
            guard status >= 0 else { throw readFailure(datasetPath) }
        }
        return (shape, values)
    }

    /// Reads a numeric dataset keeping uint8 data as bytes and converting the rest to Float.
    public func readNumeric(path datasetPath: String, maxElements: Int = defaultMaxElements) throws(HDF5Error) -> HDF5Array {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        if try datasetInfo(datasetPath).elementType == .unsignedInteger(bytes: 1) {
            let r = try readBytes(path: datasetPath, maxElements: maxElements)
            return .uint8(shape: r.shape, values: r.values)
        }
        let r = try readArray(path: datasetPath, maxElements: maxElements)
        return .float(shape: r.shape, values: r.values)
    }

    private func readFailure(_ datasetPath: String) -> HDF5Error {
        HDF5Error(.malformed, file: path, object: datasetPath, "cannot read the data (truncated or corrupted file?)")
    }

    /// Shape and element count of a numeric dataset whose storage is safe and within `maxElements`.
    private func checkedShape(_ dataset: hid_t, _ datasetPath: String, _ maxElements: Int) throws(HDF5Error) -> ([Int], Int) {
        let info = try info(of: dataset, datasetPath)
        guard let elementBytes = info.elementType.numericBytes else {
            throw HDF5Error(.unsupported, file: path, object: datasetPath, "holds \(info.elementType) data, not numbers")
        }
        guard let count = info.elementCount else {
            throw HDF5Error(.tooLarge, file: path, object: datasetPath, "shape \(info.shape) overflows")
        }
        guard count <= maxElements else {
            throw HDF5Error(.tooLarge, file: path, object: datasetPath,
                            "shape \(info.shape) has \(count) elements, more than the limit of \(maxElements)")
        }
        try checkStorage(dataset, datasetPath, bytes: count.multipliedReportingOverflow(by: elementBytes), shape: info.shape)
        return (info.shape, count)
    }

    func openDataset(_ datasetPath: String) throws(HDF5Error) -> hid_t {
        let resolved = try resolveExisting(datasetPath)
        guard imprint_h5_object_kind(fileID, resolved, linkAccess) == 2 else {
            throw HDF5Error(.malformed, file: path, object: datasetPath, "is not a dataset")
        }
        let dataset = H5Dopen2(fileID, resolved, datasetAccess)
        guard dataset >= 0 else { throw HDF5Error(.malformed, file: path, object: datasetPath, "cannot open the dataset") }
        return dataset
    }

    private func info(of dataset: hid_t, _ datasetPath: String) throws(HDF5Error) -> HDF5DatasetInfo {
        let type = H5Dget_type(dataset)
        let space = H5Dget_space(dataset)
        defer {
            if type >= 0 { H5Tclose(type) }
            if space >= 0 { H5Sclose(space) }
        }
        guard type >= 0, space >= 0 else { throw HDF5Error(.malformed, file: path, object: datasetPath, "cannot read the dataset's header") }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0, rank <= 32 else { throw HDF5Error(.malformed, file: path, object: datasetPath, "has an invalid rank") }
        var dims = [hsize_t](repeating: 0, count: rank)
        if rank > 0, H5Sget_simple_extent_dims(space, &dims, nil) < 0 {
            throw HDF5Error(.malformed, file: path, object: datasetPath, "cannot read the dataset's shape")
        }
        var shape = [Int]()
        for d in dims {
            guard d <= UInt64(Int.max) else { throw HDF5Error(.tooLarge, file: path, object: datasetPath, "dimension \(d) is too large") }
            shape.append(Int(d))
        }
        if rank == 0, H5Sget_simple_extent_npoints(space) == 0 { shape = [0] }  // null dataspace
        let size = H5Tget_size(type)
        let kind: HDF5ElementType
        switch H5Tget_class(type) {
        case H5T_FLOAT: kind = .float(bytes: size)
        case H5T_INTEGER: kind = H5Tget_sign(type) == H5T_SGN_NONE ? .unsignedInteger(bytes: size) : .signedInteger(bytes: size)
        case H5T_STRING: kind = .string
        default: kind = .other
        }
        return HDF5DatasetInfo(shape: shape, elementType: kind)
    }

    /// Refuses storage that reads outside the file (virtual datasets, external raw data leaving the
    /// folder) and uncompressed layouts claiming more bytes than the file has.
    private func checkStorage(_ dataset: hid_t, _ datasetPath: String, bytes: (partialValue: Int, overflow: Bool),
                              shape: [Int]) throws(HDF5Error) {
        let dcpl = H5Dget_create_plist(dataset)
        guard dcpl >= 0 else { throw HDF5Error(.malformed, file: path, object: datasetPath, "cannot read the storage properties") }
        defer { H5Pclose(dcpl) }
        let layout = Int32(H5Pget_layout(dcpl).rawValue)
        if layout == imprint_h5d_layout_virtual() {
            throw HDF5Error(.unsupported, file: path, object: datasetPath, "virtual datasets are not supported")
        }
        let externals = H5Pget_external_count(dcpl)
        guard externals >= 0 else { throw HDF5Error(.malformed, file: path, object: datasetPath, "cannot read the storage properties") }
        for i in 0..<UInt32(externals) {
            var name = [CChar](repeating: 0, count: 4096)
            var offset: off_t = 0
            var size: hsize_t = 0
            guard H5Pget_external(dcpl, i, name.count, &name, &offset, &size) >= 0 else {
                throw HDF5Error(.malformed, file: path, object: datasetPath, "cannot read external storage entry \(i)")
            }
            let fileName = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard isInsideFolder(fileName) else {
                throw HDF5Error(.unsafePath, file: path, object: datasetPath,
                                "external data file '\(fileName)' lies outside the file's folder")
            }
        }
        let contiguous = externals == 0 && layout == imprint_h5d_layout_contiguous()
        if bytes.overflow || (contiguous && bytes.partialValue > fileSize) {
            throw HDF5Error(.malformed, file: path, object: datasetPath,
                            "shape \(shape) claims more data than the file holds (truncated or corrupted file?)")
        }
    }
}
