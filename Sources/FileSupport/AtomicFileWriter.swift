import Foundation

/// Writes a file so that readers never see it half-written: bytes go to a temporary file in the
/// destination's folder, which `commit()` renames over the destination. If the writer is dropped
/// without `commit()` (an error part-way), the temporary file is removed and the destination is untouched.
public final class AtomicFileWriter {
    public let destination: URL
    private let temporary: URL
    private var handle: FileHandle?
    private var buffer = [UInt8]()
    private static let flushThreshold = 1 << 20

    public init(destination: URL) throws(FileWriteError) {
        self.destination = destination
        let folder = destination.deletingLastPathComponent()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw FileWriteError(path: destination.path, reason: "the folder \(folder.path) does not exist")
        }
        temporary = folder.appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
              let h = try? FileHandle(forWritingTo: temporary) else {
            throw FileWriteError(path: destination.path, reason: "cannot create a file in \(folder.path)")
        }
        handle = h
    }

    deinit {
        if handle != nil {
            try? handle?.close()
            try? FileManager.default.removeItem(at: temporary)
        }
    }

    public func write(_ bytes: some Sequence<UInt8>) throws(FileWriteError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    public func write(_ string: String) throws(FileWriteError) { try write(Array(string.utf8)) }

    /// Appends the raw bytes of float32 values in little-endian order.
    public func write(floats: UnsafeBufferPointer<Float>) throws(FileWriteError) {
        buffer.reserveCapacity(buffer.count + floats.count * 4)
        for f in floats {
            let b = f.bitPattern.littleEndian
            buffer.append(UInt8(truncatingIfNeeded: b))
            buffer.append(UInt8(truncatingIfNeeded: b >> 8))
            buffer.append(UInt8(truncatingIfNeeded: b >> 16))
            buffer.append(UInt8(truncatingIfNeeded: b >> 24))
        }
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    private func flush() throws(FileWriteError) {
        guard let handle else { throw FileWriteError(path: destination.path, reason: "the writer is already closed") }
        do { try handle.write(contentsOf: buffer) } catch {
            throw FileWriteError(path: destination.path, reason: "write failed: \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, closes and renames the temporary file over the destination.
    public func commit() throws(FileWriteError) {
        try flush()
        do {
            try handle?.synchronize()
            try handle?.close()
        } catch {
            throw FileWriteError(path: destination.path, reason: "cannot finish writing: \(error.localizedDescription)")
        }
        handle = nil
        if rename(temporary.path, destination.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw FileWriteError(path: destination.path, reason: "cannot rename into place: \(reason)")
        }
    }

    /// Writes `data` to `url` atomically in one call.
    public static func write(_ data: some Sequence<UInt8>, to url: URL) throws(FileWriteError) {
        let w = try AtomicFileWriter(destination: url)
        try w.write(data)
        try w.commit()
    }
}

/// A file could not be written; nothing was left at the destination.
public struct FileWriteError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
}
