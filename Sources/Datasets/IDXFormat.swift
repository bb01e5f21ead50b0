import Foundation

/// The IDX format of the MNIST family (`*-ubyte`, optionally gzipped): a big-endian header of
/// magic (0, 0, type, rank) and `rank` 32-bit dimensions, then the data.
public enum IDXFormat {
    public static func read(_ url: URL) throws(DatasetError) -> NumericArray {
        try parse(try FileBytes.read(url), file: url.path)
    }

    /// `b` is consumed: unsigned bytes become the array in place (the header moved out), so a
    /// 7.8 MB data set is held once, not twice (`infer`'s peak on Fashion-MNIST was the file's
    /// decompressed bytes and their copy).
    public static func parse(_ b: consuming [UInt8], file: String) throws(DatasetError) -> NumericArray {
        guard b.count >= 4, b[0] == 0, b[1] == 0 else { throw DatasetError(file: file, "not an IDX file (wrong magic)") }
        let type = b[2]
        let rank = Int(b[3])
        guard rank >= 1, rank <= 8 else { throw DatasetError(file: file, "IDX rank \(rank) is not supported") }
        let headerBytes = 4 + 4 * rank
        guard b.count >= headerBytes else { throw DatasetError(file: file, "truncated IDX header") }
        var shape = [Int]()
        for i in 0..<rank {
            let o = 4 + 4 * i
            shape.append(Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3]))
        }
        let itemSize: Int
        switch type {
        case 0x08, 0x09: itemSize = 1
        case 0x0B: itemSize = 2
        case 0x0C, 0x0D: itemSize = 4
        case 0x0E: itemSize = 8
        default: throw DatasetError(file: file, "IDX element type 0x\(String(type, radix: 16)) is unknown")
        }
        guard let count = NPYFormat.elementCount(shape) else { throw DatasetError(file: file, "IDX shape \(shape) is too large") }
        let (need, overflow) = count.multipliedReportingOverflow(by: itemSize)
        guard !overflow, b.count - headerBytes == need else {
            throw DatasetError(file: file, "IDX shape \(shape) needs \(overflow ? "too many" : String(need)) bytes of data, the file holds \(b.count - headerBytes)")
        }
        if type == 0x08 {
            b.removeSubrange(0..<headerBytes)
            return NumericArray(shape: shape, storage: .uint8(b))
        }
        let d = b[headerBytes...]
        func be(_ i: Int, _ n: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<n { v = v << 8 | UInt64(d[d.startIndex + i * n + k]) }
            return v
        }
        let storage: NumericArray.Storage
        switch type {
        case 0x09: storage = .int64(d.map { Int64(Int8(bitPattern: $0)) })
        case 0x0B: storage = .int64((0..<count).map { Int64(Int16(truncatingIfNeeded: be($0, 2))) })
        case 0x0C: storage = .int64((0..<count).map { Int64(Int32(truncatingIfNeeded: be($0, 4))) })
        case 0x0D: storage = .float32((0..<count).map { Float(bitPattern: UInt32(be($0, 4))) })
        default: storage = .float32((0..<count).map { Float(Double(bitPattern: be($0, 8))) })
        }
        return NumericArray(shape: shape, storage: storage)
    }
}
