import Foundation
import FileSupport

/// NumPy `.npy` files (format versions 1–3), C order; float32, float64, uint8, int8, int16, int32, int64.
public enum NPYFormat {
    /// Upper bound on a header's length; real headers are a few hundred bytes.
    static let maxHeaderBytes = 1 << 16

    public static func read(_ url: URL) throws(DatasetError) -> NumericArray {
        let bytes = try FileBytes.read(url)
        return try parse(bytes, file: url.path)
    }

    public static func parse(_ bytes: [UInt8], file: String) throws(DatasetError) -> NumericArray {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw DatasetError(file: file, "not a NumPy .npy file (wrong magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw DatasetError(file: file, "truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw DatasetError(file: file, ".npy format version \(major) is not supported")
        }
        guard headerLength <= maxHeaderBytes, headerStart + headerLength <= bytes.count else {
            throw DatasetError(file: file, "truncated or oversized .npy header")
        }
        guard let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8) else {
            throw DatasetError(file: file, ".npy header is not text")
        }
        let (descr, fortran, shape) = try parseHeader(header, file: file)
        if fortran { throw DatasetError(file: file, "Fortran-order arrays are not supported; save with C order") }
        guard descr.count >= 3 else { throw DatasetError(file: file, "unknown dtype '\(descr)'") }
        let order = descr.first!
        let kind = String(descr.dropFirst())
        let bigEndian = order == ">"
        guard order == "<" || order == ">" || order == "|" || order == "=" else {
            throw DatasetError(file: file, "unknown byte order in dtype '\(descr)'")
        }
        let itemSize: Int
        switch kind {
        case "f4", "i4", "u4": itemSize = 4
        case "f8", "i8", "u8": itemSize = 8
        case "u1", "i1", "b1": itemSize = 1
        case "i2", "u2", "f2": itemSize = 2
        default: throw DatasetError(file: file, "dtype '\(descr)' is not supported (use float32, float64, uint8 or an integer type)")
        }
        guard let count = elementCount(shape) else {
            throw DatasetError(file: file, "shape \(shape) is too large")
        }
        let dataStart = headerStart + headerLength
        let (need, overflow) = count.multipliedReportingOverflow(by: itemSize)
        guard !overflow, bytes.count - dataStart == need else {
            throw DatasetError(file: file, "shape \(shape) of \(descr) needs \(overflow ? "too many" : String(need)) bytes, the file holds \(bytes.count - dataStart)")
        }
        return bytes.withUnsafeBytes { all in
            let raw = UnsafeRawBufferPointer(rebasing: all[dataStart...])
            return NumericArray(shape: shape, storage: decode(raw, kind: kind, count: count, bigEndian: bigEndian))
        }
    }

    private static func decode(_ raw: UnsafeRawBufferPointer, kind: String, count: Int, bigEndian: Bool) -> NumericArray.Storage {
        func u32(_ i: Int) -> UInt32 {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
            return bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
        }
        func u64(_ i: Int) -> UInt64 {
            let v = raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
            return bigEndian ? UInt64(bigEndian: v) : UInt64(littleEndian: v)
        }
        func u16(_ i: Int) -> UInt16 {
            let v = raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
            return bigEndian ? UInt16(bigEndian: v) : UInt16(littleEndian: v)
        }
        switch kind {
        case "u1", "b1": return .uint8(Array(raw))
        case "i1": return .int64(raw.map { Int64(Int8(bitPattern: $0)) })
        case "f4": return .float32((0..<count).map { Float(bitPattern: u32($0)) })
        case "f8": return .float32((0..<count).map { Float(Double(bitPattern: u64($0))) })
        case "f2": return .float32((0..<count).map { Float(Float16(bitPattern: u16($0))) })
        case "i2": return .int64((0..<count).map { Int64(Int16(bitPattern: u16($0))) })
        case "u2": return .int64((0..<count).map { Int64(u16($0)) })
        case "i4": return .int64((0..<count).map { Int64(Int32(bitPattern: u32($0))) })
        case "u4": return .int64((0..<count).map { Int64(u32($0)) })
        case "i8": return .int64((0..<count).map { Int64(bitPattern: u64($0)) })
        default: return .int64((0..<count).map { Int64(truncatingIfNeeded: u64($0)) })  // u8
        }
    }

    /// Parses `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
    static func parseHeader(_ h: String, file: String) throws(DatasetError) -> (String, Bool, [Int]) {
        func value(of key: String) -> Substring? {
            guard let r = h.range(of: "'\(key)'") else { return nil }
            var rest = h[r.upperBound...].drop(while: { $0 == " " })
            guard rest.first == ":" else { return nil }
            rest = rest.dropFirst().drop(while: { $0 == " " })
            return rest
        }
        guard let d = value(of: "descr"), d.first == "'", let end = d.dropFirst().firstIndex(of: "'") else {
            throw DatasetError(file: file, ".npy header has no dtype")
        }
        let descr = String(d[d.index(after: d.startIndex)..<end])
        guard let f = value(of: "fortran_order") else { throw DatasetError(file: file, ".npy header has no fortran_order") }
        let fortran = f.hasPrefix("True")
        guard let s = value(of: "shape"), s.first == "(", let close = s.firstIndex(of: ")") else {
            throw DatasetError(file: file, ".npy header has no shape")
        }
        var shape = [Int]()
        for part in s[s.index(after: s.startIndex)..<close].split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let v = Int(t), v >= 0 else { throw DatasetError(file: file, ".npy shape '\(s[..<close]))' is invalid") }
            shape.append(v)
        }
        return (descr, fortran, shape)
    }

    static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            let (p, o) = n.multipliedReportingOverflow(by: d)
            if o || d < 0 { return nil }
            n = p
        }
        return n
    }

    /// A streaming float32 `.npy` writer: the header states `shape`, rows are appended, and the file
    /// appears at its destination only when exactly `shape` elements were written and `commit()` is called.
    public final class Writer {
        private let writer: AtomicFileWriter
        private let expected: Int
        private var written = 0

        public convenience init(destination: URL, shape: [Int]) throws(FileWriteError) {
            try self.init(destination: try OutputDestination(destination.path), shape: shape)
        }

        public init(destination: OutputDestination, shape: [Int]) throws(FileWriteError) {
            guard let count = NPYFormat.elementCount(shape) else {
                throw FileWriteError(path: destination.path, reason: "the shape \(shape) has no valid element count")
            }
            writer = try AtomicFileWriter(destination)
            expected = count
            let dims = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
            var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
            // Pad so the data starts at a multiple of 64 bytes, ending the header with a newline.
            let total = 10 + header.utf8.count + 1
            header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
            let n = header.utf8.count
            try writer.write([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(n & 0xFF), UInt8(n >> 8)])
            try writer.write(header)
        }

        public func append(_ values: [Float]) throws(FileWriteError) {
            written += values.count
            guard written <= expected else {
                throw FileWriteError(path: writer.destination.path, reason: "more values than the declared shape holds")
            }
            try values.withUnsafeBufferPointer { (b) throws(FileWriteError) in try writer.write(floats: b) }
        }

        public func commit() throws(FileWriteError) {
            guard written == expected else {
                throw FileWriteError(path: writer.destination.path, reason: "\(written) values written, shape needs \(expected)")
            }
            try writer.commit()
        }
    }
}
