import Foundation
internal import CZlibSystem

/// Reading whole data files, transparently gunzipping `.gz` content.
enum FileBytes {
    /// Decompressed data larger than this is refused (a gzip bomb guard); the largest data sets
    /// Imprint is meant to stream are far below it.
    static let maxDecompressedBytes = 8 << 30

    static func read(_ url: URL) throws(DatasetError) -> [UInt8] {
        // Gzip is inflated as it is read, so the compressed bytes are never all in memory at once
        // (`infer` on Fashion-MNIST peaked with the 4.4 MB file, its 7.8 MB content and the copy
        // the IDX reader made: 16 MB of a 51 MiB peak, over the CNN's 49.6 MiB bound).
        if let file = fopen(url.path, "rb") {
            defer { fclose(file) }
            var info = stat()
            if fstat(fileno(file), &info) == 0 {
                switch info.st_mode & S_IFMT {
                case S_IFREG:
                    var head: (UInt8, UInt8) = (0, 0)
                    if fread(&head, 1, 2, file) == 2, head == (0x1F, 0x8B) { return try gunzip(file, path: url.path) }
                case S_IFIFO, S_IFSOCK:
                    // `--data /dev/stdin`, `--data <(zcat …)`: read once, front to back.
                    return try readStream(file, path: url.path)
                default:
                    break
                }
            }
        }
        // A regular file that is not gzip, or not readable at all (`contents` names the problem).
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
        return reservedCapacity(trailer: Array(input[(n - 4)...]), compressedBytes: n)
    }

    static func reservedCapacity(trailer t: [UInt8], compressedBytes n: Int) -> Int {
        guard n >= 18, t.count == 4 else { return 0 }
        let claimed = Int(t[0]) | Int(t[1]) << 8 | Int(t[2]) << 16 | Int(t[3]) << 24
        return min(claimed, 16 * n, maxDecompressedBytes)
    }

    /// Inflates gzip data held in memory.
    static func gunzip(_ input: [UInt8], file: String) throws(DatasetError) -> [UInt8] {
        var offset = 0
        return try inflateStream(reserving: reservedCapacity(input), file: file) { buffer in
            let n = min(buffer.count, input.count - offset)
            input.withUnsafeBufferPointer { source in
                if n > 0 { buffer.baseAddress!.update(from: source.baseAddress! + offset, count: n) }
            }
            offset += n
            return n
        }
    }

    /// Inflates a gzip file from its start, reading it in pieces.
    private static func gunzip(_ file: UnsafeMutablePointer<FILE>, path: String) throws(DatasetError) -> [UInt8] {
        var reserved = 0
        if fseeko(file, 0, SEEK_END) == 0 {
            let size = Int(ftello(file))
            var trailer = [UInt8](repeating: 0, count: 4)
            if size >= 18, fseeko(file, off_t(size - 4), SEEK_SET) == 0, fread(&trailer, 1, 4, file) == 4 {
                reserved = reservedCapacity(trailer: trailer, compressedBytes: size)
            }
        }
        guard fseeko(file, 0, SEEK_SET) == 0 else { throw DatasetError(file: path, "cannot be read") }
        return try inflateStream(reserving: reserved, file: path) { buffer in
            let n = fread(buffer.baseAddress, 1, buffer.count, file)
            return ferror(file) != 0 ? -1 : n
        }
    }

    /// A pipe's bytes, inflated when they start with gzip's magic. A pipe cannot seek to gzip's
    /// trailer, so nothing is reserved; memory grows with what arrives, up to `maxDecompressedBytes`.
    private static func readStream(_ file: UnsafeMutablePointer<FILE>, path: String) throws(DatasetError) -> [UInt8] {
        var head = [UInt8](repeating: 0, count: 2)
        head.removeLast(2 - fread(&head, 1, 2, file))
        if ferror(file) != 0 { throw DatasetError(file: path, "cannot be read") }
        var pending = head[...]
        func next(_ buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
            if !pending.isEmpty {
                let n = min(buffer.count, pending.count)
                for k in 0..<n { buffer[k] = pending[pending.startIndex + k] }
                pending = pending.dropFirst(n)
                return n
            }
            let n = fread(buffer.baseAddress, 1, buffer.count, file)
            return ferror(file) != 0 ? -1 : n
        }
        if head == [0x1F, 0x8B] { return try inflateStream(reserving: 0, file: path, next: next) }
        var bytes = [UInt8]()
        let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 16)
        defer { chunk.deallocate() }
        while true {
            let n = next(chunk)
            guard n >= 0 else { throw DatasetError(file: path, "cannot be read") }
            if n == 0 { return bytes }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[0..<n]))
            if bytes.count > maxDecompressedBytes {
                throw DatasetError(file: path, "holds more than \(maxDecompressedBytes >> 30) GiB")
            }
        }
    }

    /// The inflating loop: `next` fills a buffer with the next compressed bytes and returns how
    /// many (0 at the end, −1 on a read error). Memory grows with the real content, never a
    /// header's claim (`reserved` is already bounded).
    private static func inflateStream(reserving reserved: Int, file: String,
                                      next: (UnsafeMutableBufferPointer<UInt8>) -> Int) throws(DatasetError) -> [UInt8] {
        var stream = z_stream()
        guard imprint_inflate_init_gzip(&stream) == Z_OK else { throw DatasetError(file: file, "cannot start gzip decompression") }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        output.reserveCapacity(reserved)
        let input = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 16)
        let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 18)
        defer { input.deallocate(); chunk.deallocate() }
        var status: Int32 = Z_OK
        var ended = false
        repeat {
            if stream.avail_in == 0 && !ended {
                let n = next(input)
                guard n >= 0 else { throw DatasetError(file: file, "cannot be read") }
                ended = n == 0
                stream.next_in = input.baseAddress
                stream.avail_in = uInt(n)
            }
            stream.next_out = chunk.baseAddress
            stream.avail_out = uInt(chunk.count)
            status = inflate(&stream, Z_NO_FLUSH)
            let produced = chunk.count - Int(stream.avail_out)
            // No progress possible: with all the input given, it ended before the gzip stream did;
            // with input left (and room for output), the data makes no sense to zlib.
            if status == Z_BUF_ERROR {
                if ended && stream.avail_in == 0 { throw DatasetError(file: file, "truncated gzip data") }
                if stream.avail_in > 0 { throw DatasetError(file: file, "corrupted gzip data (zlib status \(status))") }
            }
            if status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR {
                throw DatasetError(file: file, "corrupted gzip data (zlib status \(status))")
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[0..<produced]))
            if output.count > maxDecompressedBytes {
                throw DatasetError(file: file, "decompresses to more than \(maxDecompressedBytes >> 30) GiB")
            }
            if status == Z_OK && produced == 0 && stream.avail_in == 0 && ended {
                throw DatasetError(file: file, "truncated gzip data")
            }
        } while status != Z_STREAM_END
        return output
    }
}
