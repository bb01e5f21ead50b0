import Foundation

/// Writes an output so that readers never see it half-written: for a regular file, bytes go to a
/// temporary file beside the real file, which `commit()` renames over it; if the writer is dropped
/// without `commit()` (an error part-way), the temporary file is removed and the destination is
/// untouched. Devices, FIFOs and standard output are written through (see `OutputDestination`).
/// Temporary files are registered with `TemporaryFiles`, so an interrupted run removes them too.
public final class AtomicFileWriter {
    public let destination: URL
    public let output: OutputDestination
    /// The temporary file, nil when writing through.
    private let temporary: URL?
    private var handle: FileHandle?
    private var buffer = [UInt8]()
    private static let flushThreshold = 1 << 20

    /// Classifies `destination` with no inputs to protect; see `init(_:)`.
    public convenience init(destination: URL) throws(FileWriteError) {
        try self.init(try OutputDestination(destination.path))
    }

    public init(_ output: OutputDestination) throws(FileWriteError) {
        self.output = output
        destination = URL(fileURLWithPath: output.path)
        switch output.kind {
        case .standardOutput:
            temporary = nil
            handle = FileHandle.standardOutput
        case .writeThrough(let path):
            temporary = nil
            let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
            guard fd >= 0 else {
                throw FileWriteError(path: output.path, reason: "cannot open for writing: \(OutputDestination.errnoText())")
            }
            handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        case .replaceAtomically(let file):
            let target = URL(fileURLWithPath: file)
            let folder = target.deletingLastPathComponent()
            let temp = folder.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
            temporary = temp
            var failure: Int32 = 0
            guard let fd = TemporaryFiles.create(temp.path, {
                let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
                failure = errno
                return fd >= 0 ? fd : nil
            }) else {
                errno = failure
                throw FileWriteError(path: output.path, reason: "cannot create a file in \(folder.path): \(OutputDestination.errnoText())")
            }
            handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        }
    }

    deinit {
        if let temporary, handle != nil {
            try? handle?.close()
            unlink(temporary.path)
            TemporaryFiles.unregister(temporary.path)
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

    /// Flushes, closes and renames the temporary file over the destination (for a stream: flushes).
    public func commit() throws(FileWriteError) {
        try flush()
        guard let temporary else {
            if output.kind != .standardOutput { try? handle?.close() }
            handle = nil
            return
        }
        do {
            try handle?.synchronize()
            try handle?.close()
        } catch {
            throw FileWriteError(path: destination.path, reason: "cannot finish writing: \(error.localizedDescription)")
        }
        handle = nil
        guard case .replaceAtomically(let file) = output.kind else { return }
        let error = TemporaryFiles.renameIntoPlace(temporary.path, file)
        if error != 0 {
            throw FileWriteError(path: destination.path, reason: "cannot rename into place: \(String(cString: strerror(error)))")
        }
    }
}

/// A file could not be written; nothing was left at the destination.
public struct FileWriteError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
}
