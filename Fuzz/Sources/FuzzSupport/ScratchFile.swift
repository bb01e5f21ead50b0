import Foundation

/// A file in a folder of this process's own, for readers that only read from a path (HDF5, zip,
/// the streamed plan reader). Each fuzzer input overwrites the same file, so the disk holds one
/// input at a time; the folder is removed when the fuzzer exits normally (a crash leaves it, named
/// by the process id, under the temporary folder).
public struct ScratchFile: Sendable {
    public let url: URL

    /// `name` sets the extension the reader may look at (`model.h5`, `data-ubyte`).
    public init(name: String) {
        let folder = ScratchFile.folder()
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        url = folder.appendingPathComponent(name)
        atexit { try? FileManager.default.removeItem(at: ScratchFile.folder()) }
    }

    /// The folder of this process; also the folder an ONNX model's external data would be read from.
    public static func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("imprint-fuzz-\(getpid())", isDirectory: true)
    }

    /// Replaces the file's contents with the fuzzer's input.
    public func write(_ data: UnsafePointer<UInt8>, _ size: Int) -> URL {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot create the scratch file \(url.path)")
        var done = 0
        while done < size {
            let n = Foundation.write(fd, data + done, size - done)
            precondition(n > 0, "cannot write the scratch file \(url.path)")
            done += n
        }
        close(fd)
        return url
    }
}

/// The fuzzer's input as bytes.
public func bytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
    Array(UnsafeBufferPointer(start: data, count: size))
}
