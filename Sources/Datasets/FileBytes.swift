import Foundation
internal import CZlibSystem

/// Reading whole data files, transparently gunzipping `.gz` content.
enum FileBytes {
    /// Decompressed data larger than this is refused (a gzip bomb guard); the largest data sets
    /// Imprint is meant to stream are far below it.
    static let maxDecompressedBytes = 8 << 30

    static func read(_ url: URL) throws(DatasetError) -> [UInt8] {
        // The file's Data is gone before any inflating starts: one copy of the compressed bytes.
        let bytes = try contents(url)
        if bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B {
            return try gunzip(bytes, file: url.path)
        }
        return bytes
    }

    private static func contents(_ url: URL) throws(DatasetError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) {
                throw DatasetError(file: url.path, isDir.boolValue ? "is a folder, not a data file" : "cannot be read")
            }
            throw DatasetError(file: url.path, "no such file", kind: .missingInput)
        }
        return [UInt8](data)
    }

    /// Capacity reserved for the inflated bytes: gzip's trailer (the size mod 2³²), believed only up
    /// to 16 × the compressed size, so a forged trailer cannot make a small file allocate much;
    /// beyond it the output grows as it is produced. (Fashion-MNIST's test images: 4.4 → 7.8 MB,
    /// reserved exactly, where doubling growth peaked at 16 MB plus the copy it grew from.)
    static func reservedCapacity(_ input: [UInt8]) -> Int {
        guard input.count >= 18 else { return 0 }
        let n = input.count
        let claimed = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
        return min(claimed, 16 * n, maxDecompressedBytes)
    }

    /// Inflates gzip data in chunks, so memory grows with the real content, never a header's claim.
    static func gunzip(_ input: [UInt8], file: String) throws(DatasetError) -> [UInt8] {
        var stream = z_stream()
        guard imprint_inflate_init_gzip(&stream) == Z_OK else { throw DatasetError(file: file, "cannot start gzip decompression") }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        output.reserveCapacity(reservedCapacity(input))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var status: Int32 = Z_OK
        // zlib never writes through next_in; the input is lent, not copied.
        try input.withUnsafeBufferPointer { (inBuf) throws(DatasetError) in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = uInt(inBuf.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return outBuf.count - Int(stream.avail_out)
                }
                if status != Z_OK && status != Z_STREAM_END {
                    throw DatasetError(file: file, "corrupted gzip data (zlib status \(status))")
                }
                output.append(contentsOf: chunk[0..<produced])
                if output.count > maxDecompressedBytes {
                    throw DatasetError(file: file, "decompresses to more than \(maxDecompressedBytes >> 30) GiB")
                }
                if status == Z_OK && produced == 0 && stream.avail_in == 0 {
                    throw DatasetError(file: file, "truncated gzip data")
                }
            } while status != Z_STREAM_END
        }
        return output
    }
}
